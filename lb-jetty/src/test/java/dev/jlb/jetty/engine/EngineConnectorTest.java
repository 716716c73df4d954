package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.testing.TestBackend;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;

/**
 * On an {@link EngineConnector}, the engine opens its backend connections on the connector's own
 * selectors (they show among the connector's end points); on a plain {@code ServerConnector} it
 * keeps them on its own client connector. Both proxy the same.
 */
class EngineConnectorTest {

    private static int backendEndPoints(ServerConnector connector, int backendPort) {
        int n = 0;
        for (EndPoint e : connector.getConnectedEndPoints()) {
            if (e.getRemoteSocketAddress() instanceof InetSocketAddress a && a.getPort() == backendPort) {
                n++;
            }
        }
        return n;
    }

    private static int proxyThrough(boolean shared, TestBackend backend, int requests) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        Server server = new Server(pool);
        HttpEngine engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
        try (LoadBalancer lb = LoadBalancer.builder().backends(backend.uri())
                .build()) {
            engine.setRoutes(List.of(new EngineRoute(lb, ProxyOptions.defaults())));
            ServerConnector connector = shared ? new EngineConnector(server, 1, engine)
                    : new ServerConnector(server, 1, 1, engine);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            server.start();
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int i = 0; i < requests; i++) {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/x" + i)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                }
                return backendEndPoints(connector, backend.port());
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void backendConnectionsRunOnTheEngineConnectorsSelectors() throws Exception {
        try (TestBackend backend = new TestBackend("b1")) {
            assertThat(proxyThrough(true, backend, 20)).as("backend end points on the connector").isEqualTo(1);
            assertThat(backend.requests).hasSize(20);
            // One keep-alive connection carried all 20.
            assertThat(backend.connectionIds).hasSize(1);
        }
    }

    @Test
    void onAPlainConnectorTheEngineKeepsItsOwnSelector() throws Exception {
        try (TestBackend backend = new TestBackend("b1")) {
            assertThat(proxyThrough(false, backend, 20)).isZero();
            assertThat(backend.requests).hasSize(20);
            assertThat(backend.connectionIds).hasSize(1);
        }
    }
}
