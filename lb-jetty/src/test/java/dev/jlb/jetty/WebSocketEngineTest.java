package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.engine.EngineConnector;
import dev.jlb.jetty.engine.EngineRoute;
import dev.jlb.jetty.engine.HttpEngine;
import dev.jlb.testing.Closer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Upgrades on the {@link HttpEngine} itself: on a connector that has the engine as its only factory
 * (anything handed to the Jetty path would get a 501) a WebSocket opens, carries messages and ends
 * with its lease released and one record; its backend connection is one of the connector's own end
 * points (opened on the client's selector); a refused handshake is relayed and the connection then
 * serves the next request; a connect failure is retried on another backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketEngineTest {

    private WsEchoBackend backend;
    private LoadBalancer lb;
    private Server server;
    private EngineConnector connector;
    private WebSocketClient client;
    private final BlockingQueue<ProxyRecord> records = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws Exception {
        backend = new WsEchoBackend("b1");
        client = WsClient.newClient();
    }

    private void start(String... backends) throws Exception {
        lb = LoadBalancer.builder().name("ws").strategy("round-robin").backends(backends).build();
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        server = new Server(pool);
        HttpEngine engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
        engine.setRoutes(List.of(new EngineRoute(lb, ProxyOptions.builder().prefix("/api").listener(records::add)
                .build())));
        connector = new EngineConnector(server, 1, engine); // no HTTP/1.1 factory: nothing to hand over to
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        WebSocketClient c = client;
        Closer.closeAll(c::stop, server == null ? null : server::stop, backend, lb);
    }

    private String url(String pathQuery) {
        return "ws://127.0.0.1:" + connector.getLocalPort() + pathQuery;
    }

    @Test
    void theEngineAloneCarriesAWebSocketAndItsBackendConnectionIsOneOfTheConnectorsEndPoints() throws Exception {
        start(backend.uri());
        WsClient ws = WsClient.connect(client, url("/api/chat?room=1"));
        assertThat(ws.roundTrip("hello")).isEqualTo("hello");
        String headers = (String) ws.roundTrip("headers");
        assertThat(headers).contains("via=1.1 jlb").contains("xff=127.0.0.1").contains("path=/api/chat?room=1");
        assertThat(lb.pool().stats().get(0).inFlight()).isEqualTo(1);
        int backendPort = backend.connector.getLocalPort();
        assertThat(connector.getConnectedEndPoints()).as("the splice's backend side, on the connector's selector")
                .anySatisfy(e -> assertThat(remotePort(e)).isEqualTo(backendPort));
        assertThat(records).as("nothing recorded while the socket is open").isEmpty();

        ws.session.close(1000, "done", Callback.NOOP);
        assertThat(ws.awaitClose()).isEqualTo("1000 done");
        assertThat(ProxyFixture.awaitIdle(lb)).extracting(BackendStats::inFlight).containsOnly(0);
        ProxyRecord r = records.poll(10, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(101);
        assertThat(r.outcome()).isEqualTo(ProxyRecord.Outcome.UPGRADED);
        assertThat(r.upgradeEnd()).isEqualTo(ProxyRecord.UpgradeEnd.CLIENT_CLOSED);
        assertThat(r.path()).isEqualTo("/api/chat");
    }

    private static int remotePort(EndPoint e) {
        return e.getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    @Test
    void aRefusedHandshakeIsRelayedAndTheConnectionServesTheNextRequest() throws Exception {
        start(backend.uri());
        try (Socket socket = new Socket("127.0.0.1", connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // No Sec-WebSocket-Key: the backend refuses the handshake.
            out.write(("GET /api/a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String refused = WebSocketProxyTest.readHead(in);
            assertThat(refused).startsWith("HTTP/1.1 4").doesNotContainIgnoringCase("connection: close");
            in.readNBytes(contentLength(refused));
            out.write("GET /api/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String next = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(next).startsWith("HTTP/1.1 ");
        }
        assertThat(lb.pool().stats().get(0).requests()).isEqualTo(2);
        assertThat(ProxyFixture.awaitIdle(lb)).extracting(BackendStats::inFlight).containsOnly(0);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    @Test
    void aConnectFailureIsRetriedOnAnotherBackend() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        start("http://127.0.0.1:" + closedPort, backend.uri());
        for (int i = 0; i < 4; i++) { // round robin: the closed port comes first for two of them
            WsClient ws = WsClient.connect(client, url("/api/chat"));
            assertThat(ws.roundTrip("m" + i)).isEqualTo("m" + i);
            ws.session.close(1000, "", Callback.NOOP);
            ws.awaitClose();
        }
        assertThat(backend.opened.get()).isEqualTo(4);
        List<ProxyRecord> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ProxyRecord r = records.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            seen.add(r);
        }
        assertThat(seen).extracting(ProxyRecord::attempts).contains(2);
        assertThat(seen).extracting(ProxyRecord::status).containsOnly(101);
    }
}
