package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.StickyCookie;
import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine behind Jetty's TLS, on a connector with no {@code HTTP/1.1} factory at all (TLS names
 * the engine next): it serves HTTPS requests itself, as secure requests, and its backend connections
 * open and are reused on the selector of the (encrypted) client end point.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineTlsTest {

    private static TestPki pki;
    private static TestPki.Issued site;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.ca("engine tls ca");
        site = pki.server("localhost", "localhost", "127.0.0.1");
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** A started server whose only connector is TLS then the engine, with {@code selectors} selectors. */
    private EngineConnector tlsEngine(LoadBalancer lb, ProxyOptions options, int selectors) throws Exception {
        return tlsEngine(lb, options, selectors, null);
    }

    /**
     * A started server with a TLS connector whose TLS names the engine next (no {@code HTTP/1.1}
     * factory), with {@code selectors} selectors; and when {@code cleartext} is not null, a cleartext
     * {@link EngineConnector} with the same engine and 2 selectors first, put there.
     */
    private EngineConnector tlsEngine(LoadBalancer lb, ProxyOptions options, int selectors,
            EngineConnector[] cleartext) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(24, 4);
        Server server = new Server(threads);
        HttpEngine engine = new HttpEngine(threads, server.getScheduler(), server.getByteBufferPool());
        engine.setRoutes(List.of(new EngineRoute(lb, options)));
        if (cleartext != null) {
            cleartext[0] = new EngineConnector(server, 2, engine);
            cleartext[0].setHost("127.0.0.1");
            server.addConnector(cleartext[0]);
        }
        EngineConnector connector = new EngineConnector(server, selectors,
                new SslConnectionFactory(serverTls(), HttpEngine.PROTOCOL), engine);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
        closing.add(server::stop);
        assertThat(connector.getConnectionFactory("HTTP/1.1")).as("no Jetty path on this connector").isNull();
        return connector;
    }

    private static SslContextFactory.Server serverTls() throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("site", site.key(), "pw".toCharArray(), new X509Certificate[] {site.cert(), pki.ca.cert()});
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keys);
        ssl.setKeyStorePassword("pw");
        return ssl;
    }

    private SSLSocket connect(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        closing.add(s);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /** A response read off a keep-alive connection: its head (lower-cased names) and body. */
    private record Answer(String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }
    }

    private static Answer exchange(SSLSocket s, String request) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return read(s.getInputStream());
    }

    private static Answer read(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) { // up to CRLF CRLF
            int b = in.read();
            assertThat(b).as("the response head so far: %s", head).isNotNegative();
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return new Answer(text, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    @Test
    void servesHttpsRequestsItselfOnOneKeptAliveConnection() throws Exception {
        try (TestBackend backend = new TestBackend("b1");
                LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build()) {
            ProxyOptions options = ProxyOptions.builder()
                    .stickyCookie(StickyCookie.builder().secret("engine-tls-secret-0123456789").build()).build();
            EngineConnector connector = tlsEngine(lb, options, 1);
            SSLSocket s = connect(connector.getLocalPort());

            Answer get = exchange(s, "GET /x?echo=X-Forwarded-Proto HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(get.head()).startsWith("HTTP/1.1 200 ");
            assertThat(get.body()).as("the backend sees a secure request").isEqualTo("https");
            assertThat(get.header("Set-Cookie")).as("a sticky cookie over TLS").contains("JLB_STICKY=").contains("; Secure");

            Answer post = exchange(s, "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello there");
            assertThat(post.head()).startsWith("HTTP/1.1 200 ");
            assertThat(post.body()).isEqualTo("b1");
            TestBackend.Recorded posted = backend.requests.get(backend.requests.size() - 1);
            assertThat(posted.method()).isEqualTo("POST");
            assertThat(new String(posted.body(), StandardCharsets.UTF_8)).isEqualTo("hello there");
            assertThat(posted.header("X-Forwarded-Proto")).isEqualTo("https");

            Answer again = exchange(s, "GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(again.head()).startsWith("HTTP/1.1 200 ");
            assertThat(again.body()).isEqualTo("b1");
            assertThat(backend.requests).hasSize(3);

            // What the engine does not take goes to the hand-over factory, and there is none here:
            // the 200s above were the engine's own.
            Answer expect = exchange(s, "GET /z HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n");
            assertThat(expect.head()).startsWith("HTTP/1.1 501 ");
            assertThat(expect.body()).isEqualTo("not implemented\n");
            assertThat(s.getInputStream().read()).as("closed after the 501").isEqualTo(-1);
            assertThat(backend.requests).hasSize(3);
        }
    }

    @Test
    void anUpgradeOverTlsIsHttpsAndItsSpliceCarriesBytes() throws Exception {
        try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                LoadBalancer lb = LoadBalancer.builder().backends("http://127.0.0.1:" + raw.getLocalPort()).build()) {
            raw.setSoTimeout(10_000);
            java.util.concurrent.CompletableFuture<String> handshake = new java.util.concurrent.CompletableFuture<>();
            Thread backend = new Thread(() -> {
                try (java.net.Socket b = raw.accept()) {
                    b.setSoTimeout(10_000);
                    handshake.complete(read(b.getInputStream()).head());
                    OutputStream out = b.getOutputStream();
                    out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    byte[] ping = b.getInputStream().readNBytes(4);
                    out.write(new String(ping, StandardCharsets.ISO_8859_1).equals("ping")
                            ? "pong".getBytes(StandardCharsets.ISO_8859_1) : ping);
                    out.flush();
                    b.getInputStream().read(); // until the client closes
                } catch (Exception e) {
                    handshake.completeExceptionally(e);
                }
            }, "raw-backend");
            backend.setDaemon(true);
            backend.start();
            EngineConnector connector = tlsEngine(lb, ProxyOptions.defaults(), 1);
            SSLSocket s = connect(connector.getLocalPort());
            Answer switched = exchange(s, "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(switched.head()).startsWith("HTTP/1.1 101 ");
            assertThat(handshake.get(10, TimeUnit.SECONDS)).containsIgnoringCase("\r\nX-Forwarded-Proto: https\r\n");
            s.getOutputStream().write("ping".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.ISO_8859_1)).isEqualTo("pong");
            s.close();
            backend.join(10_000);
        }
    }

    @Test
    void behindAnEngineConnectionFactoryTheJettyPathTakesWhatTheEngineHandsOver() throws Exception {
        try (TestBackend backend = new TestBackend("b1");
                LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build()) {
            QueuedThreadPool threads = new QueuedThreadPool(24, 4);
            Server server = new Server(threads);
            server.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                        org.eclipse.jetty.util.Callback callback) {
                    org.eclipse.jetty.io.Content.Sink.write(response, true,
                            "jetty " + request.getHttpURI().getScheme() + " " + request.isSecure(), callback);
                    return true;
                }
            });
            HttpEngine engine = new HttpEngine(threads, server.getScheduler(), server.getByteBufferPool());
            engine.setRoutes(List.of(new EngineRoute(lb, ProxyOptions.defaults()), EngineRoute.jetty("/j")));
            org.eclipse.jetty.server.HttpConfiguration secure = new org.eclipse.jetty.server.HttpConfiguration();
            secure.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false)); // Host t, no SNI
            EngineConnectionFactory engineFirst = new EngineConnectionFactory(engine, new HttpConnectionFactory(secure));
            assertThat(engineFirst.getProtocol()).isEqualTo("HTTP/1.1");
            // TLS names HTTP/1.1 next, which is the engine here.
            EngineConnector connector = new EngineConnector(server, 1,
                    new SslConnectionFactory(serverTls(), engineFirst.getProtocol()), engineFirst);
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.start();
            closing.add(server::stop);
            assertThat(connector.getConnectionFactory("http/1.1")).isSameAs(engineFirst);
            assertThat(engine.isStarted()).isTrue();

            SSLSocket s = connect(connector.getLocalPort());
            Answer proxied = exchange(s, "GET /x?echo=X-Forwarded-Proto HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(proxied.body()).isEqualTo("https");
            Answer handed = exchange(s, "GET /j/page HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(handed.head()).as(handed.body()).startsWith("HTTP/1.1 200 ");
            assertThat(handed.body()).isEqualTo("jetty https true");
            assertThat(backend.requests).hasSize(1);
        }
    }

    /**
     * With a cleartext connector of the same engine served first, too: the TLS clients' backend
     * connections open on the TLS connector's selectors and are pooled by them.
     */
    @ParameterizedTest(name = "cleartext connector served first: {0}")
    @ValueSource(booleans = {false, true})
    void backendConnectionsOpenAndAreReusedOnTheTlsClientsSelector(boolean cleartextFirst) throws Exception {
        int clients = 6;
        CountDownLatch release = new CountDownLatch(1);
        // "client port/round" -> the port of the backend connection the request arrived on
        Map<String, Integer> backendPortOf = new ConcurrentHashMap<>();
        try (TestBackend backend = new TestBackend("b1");
                LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build()) {
            backend.behaviour = (b, recorded, request, response, callback) -> {
                InetSocketAddress peer = (InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress();
                backendPortOf.put(recorded.header("X-Client"), peer.getPort());
                if ("plain".equals(recorded.header("X-Client"))) {
                    // Not kept: the TLS clients' first round opens connections of its own.
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
                b.server.getThreadPool().execute(() -> {
                    try {
                        if (recorded.header("X-Client").endsWith("/1")) { // the first round is held
                            release.await(10, TimeUnit.SECONDS);
                        }
                        TestBackend.OK.respond(b, recorded, request, response, callback);
                    } catch (Exception e) {
                        callback.failed(e);
                    }
                });
            };
            EngineConnector[] cleartext = cleartextFirst ? new EngineConnector[1] : null;
            EngineConnector connector = tlsEngine(lb, ProxyOptions.defaults(), 3, cleartext);
            try {
                if (cleartextFirst) {
                    try (java.net.Socket plain = new java.net.Socket("127.0.0.1", cleartext[0].getLocalPort())) {
                        plain.setSoTimeout(10_000);
                        plain.getOutputStream().write("GET /x HTTP/1.1\r\nHost: t\r\nX-Client: plain\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        assertThat(read(plain.getInputStream()).head()).startsWith("HTTP/1.1 200 ");
                    }
                    backendPortOf.clear();
                }
                List<SSLSocket> sockets = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    SSLSocket s = connect(connector.getLocalPort());
                    sockets.add(s);
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /x HTTP/1.1\r\nHost: t\r\nX-Client: " + s.getLocalPort() + "/1\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (backendPortOf.size() < clients && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                // All held at once: each request has its own, new backend connection.
                assertThat(backendPortOf).hasSize(clients);
                Map<Integer, EngineConnector.Tracked> byRemotePort = new HashMap<>();
                Map<Integer, EngineConnector.Tracked> byLocalPort = new HashMap<>();
                for (EndPoint e : connector.getConnectedEndPoints()) {
                    EngineConnector.Tracked t = (EngineConnector.Tracked) e;
                    byRemotePort.put(((InetSocketAddress) t.getRemoteSocketAddress()).getPort(), t);
                    byLocalPort.put(((InetSocketAddress) t.getLocalSocketAddress()).getPort(), t);
                }
                Set<Object> selectorsUsed = new HashSet<>();
                for (SSLSocket s : sockets) {
                    EngineConnector.Tracked client = byRemotePort.get(s.getLocalPort());
                    EngineConnector.Tracked toBackend = byLocalPort.get(backendPortOf.get(s.getLocalPort() + "/1"));
                    assertThat(client).isNotNull();
                    assertThat(toBackend).isNotNull();
                    assertThat(toBackend.selector).as("opened for client %d", s.getLocalPort()).isSameAs(client.selector);
                    selectorsUsed.add(client.selector);
                }
                assertThat(selectorsUsed).as("the clients spread over the selectors").hasSizeGreaterThan(1);
                release.countDown();
                for (SSLSocket s : sockets) {
                    assertThat(read(s.getInputStream()).head()).startsWith("HTTP/1.1 200 ");
                }

                // One at a time now: each request takes a kept-alive connection of its client's selector.
                for (SSLSocket s : sockets) {
                    Answer a = exchange(s, "GET /x HTTP/1.1\r\nHost: t\r\nX-Client: " + s.getLocalPort() + "/2\r\n\r\n");
                    assertThat(a.head()).startsWith("HTTP/1.1 200 ");
                    EngineConnector.Tracked client = byRemotePort.get(s.getLocalPort());
                    EngineConnector.Tracked reused = byLocalPort.get(backendPortOf.get(s.getLocalPort() + "/2"));
                    assertThat(reused).as("a connection of the first round, kept alive").isNotNull();
                    assertThat(reused.selector).as("reused for client %d", s.getLocalPort()).isSameAs(client.selector);
                }
            } finally {
                release.countDown();
            }
        }
    }
}
