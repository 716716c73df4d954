package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.testing.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's idle backend connections are pooled per selector of its {@link EngineConnector}
 * (three here): a kept-alive connection serves the clients of its own selector, so that the pair
 * runs on one thread; when a client's selector has none idle it takes one idle on another selector
 * rather than opening a connection; and the idle cap counts the connections of every selector.
 */
class PoolPerSelectorTest {

    private TestBackend backend;
    private LoadBalancer lb;
    private Server server;
    private HttpEngine engine;
    private EngineConnector connector;
    private final List<Socket> sockets = new ArrayList<>();
    /** TCP connections the backend accepted. */
    private final AtomicInteger accepted = new AtomicInteger();
    /** X-Request (sent by the test) -> the port of the engine's end of the backend connection it arrived on. */
    private final Map<String, Integer> backendPortOf = new ConcurrentHashMap<>();
    /** Requests whose path starts with /held wait for it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private int requestIds;

    @BeforeEach
    void startBackend() throws Exception {
        backend = new TestBackend("b1");
        backend.connector.addBean(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                accepted.incrementAndGet();
            }
        });
        backend.behaviour = (b, recorded, request, response, callback) -> {
            InetSocketAddress peer = (InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress();
            backendPortOf.put(recorded.header("X-Request"), peer.getPort());
            if (!recorded.pathQuery().startsWith("/held")) {
                TestBackend.OK.respond(b, recorded, request, response, callback);
                return;
            }
            b.server.getThreadPool().execute(() -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                    TestBackend.OK.respond(b, recorded, request, response, callback);
                } catch (Exception e) {
                    callback.failed(e);
                }
            });
        };
    }

    private void startProxy(ProxyOptions options) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(24, 4);
        server = new Server(pool);
        engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
        lb = LoadBalancer.builder().backends(backend.uri()).build();
        engine.setRoutes(List.of(new EngineRoute(lb, options)));
        connector = new EngineConnector(server, 3, engine);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.stop();
        }
        if (lb != null) {
            lb.close();
        }
        backend.close();
    }

    private Backend theBackend() {
        return lb.pool().backends().get(0);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            Thread.sleep(1);
        }
    }

    /** {@code n} client connections, accepted by the connector (their end points registered). */
    private List<Socket> clients(int n) throws Exception {
        List<Socket> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket("127.0.0.1", connector.getLocalPort());
            s.setSoTimeout(10_000);
            sockets.add(s);
            made.add(s);
        }
        await("the clients accepted", () -> made.stream().allMatch(s -> clientEndPoint(s) != null));
        return made;
    }

    /** The connector's end point of client socket {@code s}. */
    private EngineConnector.Tracked clientEndPoint(Socket s) {
        return endPoint(true, s.getLocalPort());
    }

    /** The connector's end point whose remote (a client) or local (a backend connection) port is {@code port}. */
    private EngineConnector.Tracked endPoint(boolean remote, int port) {
        for (EndPoint e : connector.getConnectedEndPoints()) {
            // A closing end point has no addresses any more: it is none of these.
            if ((remote ? e.getRemoteSocketAddress() : e.getLocalSocketAddress()) instanceof InetSocketAddress a
                    && a.getPort() == port) {
                return (EngineConnector.Tracked) e;
            }
        }
        return null;
    }

    /** Sends a request on {@code s}; returns its X-Request id. */
    private String send(Socket s, String path) throws IOException {
        String id = String.valueOf(++requestIds);
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: t\r\nX-Request: " + id + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return id;
    }

    /** Reads one response (framed by Content-Length) from {@code s}; returns its status line. */
    private static String readResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("response head").isNotNegative();
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        assertThat(in.readNBytes(length)).hasSize(length);
        return text.substring(0, text.indexOf("\r\n"));
    }

    /** The backend connection request {@code id} arrived on, as the connector's end point. */
    private EngineConnector.Tracked backendEndPointOf(String id) {
        Integer port = backendPortOf.get(id);
        assertThat(port).as("request %s at the backend", id).isNotNull();
        EngineConnector.Tracked e = endPoint(false, port);
        assertThat(e).as("backend connection of request %s", id).isNotNull();
        return e;
    }

    /** Holds a request of every client at the backend at once (one new backend connection each), then answers them. */
    private void connectionPerClient(List<Socket> clients) throws Exception {
        for (Socket s : clients) {
            send(s, "/held");
        }
        await("the held requests at the backend", () -> backendPortOf.size() == clients.size());
        release.countDown();
        for (Socket s : clients) {
            assertThat(readResponse(s)).isEqualTo("HTTP/1.1 200 OK");
        }
        await("the backend connections idle", () -> engine.pool.idleCount(theBackend()) == clients.size());
    }

    @Test
    void aKeptAliveConnectionServesTheClientsOfItsOwnSelector() throws Exception {
        startProxy(ProxyOptions.defaults());
        List<Socket> clients = clients(6);
        Set<Object> selectors = new HashSet<>();
        for (Socket s : clients) {
            selectors.add(clientEndPoint(s).selector);
        }
        assertThat(selectors).as("the clients spread over the selectors").hasSizeGreaterThan(1);
        connectionPerClient(clients);
        assertThat(accepted).hasValue(6);

        // One request at a time: each client finds a connection idle on its own selector.
        for (int round = 0; round < 2; round++) {
            for (Socket s : clients) {
                String id = send(s, "/x");
                assertThat(readResponse(s)).isEqualTo("HTTP/1.1 200 OK");
                EngineConnector.Tracked client = clientEndPoint(s);
                assertThat(backendEndPointOf(id).selector).as("request %s", id).isSameAs(client.selector);
                await("the backend connection idle again", () -> engine.pool.idleCount(theBackend()) == 6);
            }
        }
        assertThat(accepted).as("no new backend connection").hasValue(6);
        assertThat(backend.requests).hasSize(6 + 12);
    }

    @Test
    void whenItsSelectorHasNoneIdleAClientTakesOneIdleOnAnother() throws Exception {
        startProxy(ProxyOptions.defaults());
        List<Socket> clients = clients(3);
        Socket first = clients.get(0);
        Socket other = null;
        for (Socket s : clients) {
            if (clientEndPoint(s).selector != clientEndPoint(first).selector) {
                other = s;
            }
        }
        assertThat(other).as("a client on another selector").isNotNull();

        String id = send(first, "/x");
        assertThat(readResponse(first)).isEqualTo("HTTP/1.1 200 OK");
        await("the backend connection idle", () -> engine.pool.idleCount(theBackend()) == 1);
        EngineConnector.Tracked kept = backendEndPointOf(id);
        assertThat(kept.selector).isSameAs(clientEndPoint(first).selector);

        for (int i = 0; i < 3; i++) {
            String next = send(other, "/x");
            assertThat(readResponse(other)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(backendEndPointOf(next)).as("request %s on the idle connection", next).isSameAs(kept);
            await("the backend connection idle again", () -> engine.pool.idleCount(theBackend()) == 1);
        }
        assertThat(accepted).as("no new backend connection").hasValue(1);
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void theIdleCapCountsTheConnectionsOfEverySelector() throws Exception {
        startProxy(ProxyOptions.builder().maxConnectionsPerBackend(2).build());
        List<Socket> clients = clients(3);
        Set<Object> selectors = new HashSet<>();
        for (Socket s : clients) {
            selectors.add(clientEndPoint(s).selector);
        }
        // A cap per selector would keep all three.
        assertThat(selectors).as("the clients spread over the selectors").hasSizeGreaterThan(1);
        connectionPerClientCapped(clients);
        assertThat(accepted).hasValue(3);
        // The third released found two idle (on other selectors) and closed.
        await("one backend connection closed", () -> backendEndPoints() == 2);
        assertThat(engine.pool.idleCount(theBackend())).isEqualTo(2);

        for (Socket s : clients) {
            send(s, "/x");
            assertThat(readResponse(s)).isEqualTo("HTTP/1.1 200 OK");
            await("the backend connections idle", () -> engine.pool.idleCount(theBackend()) == 2);
        }
        assertThat(accepted).as("the two idle ones served the three clients").hasValue(3);
    }

    private void connectionPerClientCapped(List<Socket> clients) throws Exception {
        for (Socket s : clients) {
            send(s, "/held");
        }
        await("the held requests at the backend", () -> backendPortOf.size() == clients.size());
        release.countDown();
        for (Socket s : clients) {
            assertThat(readResponse(s)).isEqualTo("HTTP/1.1 200 OK");
        }
    }

    /** The connector's end points connected to the backend. */
    private int backendEndPoints() {
        int n = 0;
        for (EndPoint e : connector.getConnectedEndPoints()) {
            if (e.getRemoteSocketAddress() instanceof InetSocketAddress a && a.getPort() == backend.port()) {
                n++;
            }
        }
        return n;
    }
}
