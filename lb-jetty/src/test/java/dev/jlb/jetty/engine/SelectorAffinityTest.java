package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.testing.TestBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

/**
 * With several selectors, a backend connection the engine opens for a client lands on that client's
 * selector (one thread for the pair), not on the connector's next one.
 */
class SelectorAffinityTest {

    @Test
    void eachNewBackendConnectionOpensOnItsClientsSelector() throws Exception {
        int clients = 6;
        CountDownLatch release = new CountDownLatch(1);
        // client's port (sent in X-Client) -> the port of the backend connection it arrived on
        Map<String, Integer> backendPortOf = new ConcurrentHashMap<>();
        try (TestBackend backend = new TestBackend("b1")) {
            backend.behaviour = (b, recorded, request, response, callback) -> {
                InetSocketAddress peer = (InetSocketAddress) request.getConnectionMetaData().getRemoteSocketAddress();
                backendPortOf.put(recorded.header("X-Client"), peer.getPort());
                b.server.getThreadPool().execute(() -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                        TestBackend.OK.respond(b, recorded, request, response, callback);
                    } catch (Exception e) {
                        callback.failed(e);
                    }
                });
            };
            QueuedThreadPool pool = new QueuedThreadPool(24, 4);
            Server server = new Server(pool);
            HttpEngine engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
            try (LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build()) {
                engine.setRoutes(List.of(new EngineRoute(lb, ProxyOptions.defaults())));
                EngineConnector connector = new EngineConnector(server, 3, engine);
                connector.setHost("127.0.0.1");
                server.addConnector(connector);
                server.start();
                List<Socket> sockets = new ArrayList<>();
                try {
                    for (int i = 0; i < clients; i++) {
                        Socket s = new Socket("127.0.0.1", connector.getLocalPort());
                        s.setSoTimeout(10_000);
                        sockets.add(s);
                        OutputStream out = s.getOutputStream();
                        out.write(("GET /x HTTP/1.1\r\nHost: t\r\nX-Client: " + s.getLocalPort() + "\r\n\r\n")
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
                        // A closing end point has no addresses any more: it serves none of the held requests.
                        if (t.getRemoteSocketAddress() instanceof InetSocketAddress remote
                                && t.getLocalSocketAddress() instanceof InetSocketAddress local) {
                            byRemotePort.put(remote.getPort(), t);
                            byLocalPort.put(local.getPort(), t);
                        }
                    }
                    java.util.Set<Object> selectorsUsed = new java.util.HashSet<>();
                    for (Socket s : sockets) {
                        EngineConnector.Tracked client = byRemotePort.get(s.getLocalPort());
                        EngineConnector.Tracked toBackend = byLocalPort.get(backendPortOf.get(String.valueOf(s.getLocalPort())));
                        assertThat(client).isNotNull();
                        assertThat(toBackend).isNotNull();
                        assertThat(toBackend.selector).as("client %d", s.getLocalPort()).isSameAs(client.selector);
                        selectorsUsed.add(client.selector);
                    }
                    assertThat(selectorsUsed).as("the clients spread over the selectors").hasSizeGreaterThan(1);
                    release.countDown();
                    for (Socket s : sockets) {
                        InputStream in = s.getInputStream();
                        byte[] head = in.readNBytes(12);
                        assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
                    }
                } finally {
                    release.countDown();
                    for (Socket s : sockets) {
                        s.close();
                    }
                    server.stop();
                }
            }
        }
    }
}
