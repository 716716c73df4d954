package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A WebSocket through the standalone balancer (its listener, router and route handler), with the JDK's client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketRouteTest {

    private final BlockingQueue<String> backendCloses = new LinkedBlockingQueue<>();
    private Server backend;
    private Standalone balancer;

    @AfterEach
    void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    /** Public: Jetty's WebSocket layer calls it reflectively. */
    public final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText("echo " + message, Callback.NOOP);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            backendCloses.add(statusCode + " " + reason);
        }
    }

    @Test
    void aWebSocketPassesThroughTheStandalone() throws Exception {
        backend = new Server();
        ServerConnector connector = new ServerConnector(backend, 1, 1);
        connector.setHost("127.0.0.1");
        backend.addConnector(connector);
        backend.setHandler(WebSocketUpgradeHandler.from(backend, c -> c.addMapping("/*", (rq, rs, cb) -> new Echo())));
        backend.start();
        balancer = Standalone.start(ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s}\n"
                + "routes:\n  - path: /ws\n    strategy: least-connections\n    backends: [\"http://127.0.0.1:"
                + connector.getLocalPort() + "\"]\n    upgrades: [websocket]\n    timeouts: {websocket_idle: 10m}\n",
                "test.yaml", ConfigFormat.YAML), l -> { });

        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + balancer.port() + "/ws/chat"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
                        received.add("pong " + java.nio.charset.StandardCharsets.UTF_8.decode(message));
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode + " " + reason);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello");
        ws.sendPing(ByteBuffer.wrap("p".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("pong p");
        ws.sendClose(4001, "bye").get(10, TimeUnit.SECONDS);
        assertThat(backendCloses.poll(10, TimeUnit.SECONDS)).isEqualTo("4001 bye");
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo("4001 bye");
    }
}
