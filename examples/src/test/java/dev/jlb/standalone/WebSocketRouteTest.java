package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
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
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            backendCloses.add(statusCode + " " + reason);
            callback.succeed();
        }
    }

    /** Starts the echo backend and the balancer with one route {@code /ws} to it; returns the backend's port. */
    private int start(String server, String websocketIdle, List<String> accessLines) throws Exception {
        return start(server, websocketIdle, "", accessLines);
    }

    /** As above, with {@code topLevel} YAML lines added to the file. */
    private int start(String server, String websocketIdle, String topLevel, List<String> accessLines)
            throws Exception {
        backend = new Server();
        ServerConnector connector = new ServerConnector(backend, 1, 1);
        connector.setHost("127.0.0.1");
        backend.addConnector(connector);
        backend.setHandler(WebSocketUpgradeHandler.from(backend, c -> c.addMapping("/*", (rq, rs, cb) -> new Echo())));
        backend.start();
        balancer = Standalone.start(ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s"
                + server + "}\nroutes:\n  - path: /ws\n    strategy: least-connections\n"
                + "    backends: [\"http://127.0.0.1:" + connector.getLocalPort() + "\"]\n    upgrades: [websocket]\n"
                + "    timeouts: {websocket_idle: " + websocketIdle + "}\n" + topLevel, "test.yaml", ConfigFormat.YAML),
                accessLines::add);
        return connector.getLocalPort();
    }

    private WebSocket connect(BlockingQueue<String> received, CompletableFuture<String> closed) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder()
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
    }

    @Test
    void aWebSocketPassesThroughTheStandalone() throws Exception {
        start("", "10m", new CopyOnWriteArrayList<>());
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = connect(received, closed);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello");
        ws.sendPing(ByteBuffer.wrap("p".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("pong p");
        ws.sendClose(4001, "bye").get(10, TimeUnit.SECONDS);
        assertThat(backendCloses.poll(10, TimeUnit.SECONDS)).isEqualTo("4001 bye");
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo("4001 bye");
    }

    @Test
    void anUpgradedConnectionGetsOneAccessLogLineWhenItEnds() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        int backendPort = start(", access_log: true", "10m", lines);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = connect(received, closed);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello");
        assertThat(lines).as("no line while the socket is open").isEmpty();
        ws.sendClose(4001, "bye").get(10, TimeUnit.SECONDS);
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo("4001 bye");
        // From the client: a masked "hello" (2 + 4 + 5 bytes) and a masked close 4001 "bye" (2 + 4 + 5);
        // to it: "echo hello" (2 + 10) and the backend's close (2 + 5).
        assertThat(awaitLine(lines)).matches("127\\.0\\.0\\.1 GET /ws/chat 101 19B backend=127\\.0\\.0\\.1:"
                + backendPort + " attempts=1 \\d+\\.\\dms route=/ws upgrade=websocket from_client=22B"
                + " outcome=upgraded end=client_closed");
    }

    @Test
    void anIdleWebSocketIsClosedAndLoggedAsSuch() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        start(", access_log: true", "300ms", lines);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        connect(received, closed); // sends nothing
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 idle timeout");
        // jlb's own close frame is not counted as relayed; the client's answer to it may be.
        assertThat(awaitLine(lines)).matches("127\\.0\\.0\\.1 GET /ws/chat 101 0B backend=\\S+ attempts=1 \\d+\\.\\dms"
                + " route=/ws upgrade=websocket from_client=\\d+B outcome=upgraded end=idle_timeout");
    }

    @Test
    void aDrainWithADeadlineThroughTheAdminListenerClosesTheSocket() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        int backendPort = start(", access_log: true", "10m", "admin: {port: 0}\n", lines);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = connect(received, closed);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello");
        String drain = "http://127.0.0.1:" + balancer.adminPort() + "/admin/api/routes/ws/backends/127.0.0.1:"
                + backendPort + "/drain";
        HttpClient http = HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> plain = http.send(java.net.http.HttpRequest.newBuilder(URI.create(drain))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(200);
        ws.sendText("still there", true).get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo still there");
        // A deadline of 0 on the admin listener's own scheduler: the socket is closed at once.
        java.net.http.HttpResponse<String> now = http.send(java.net.http.HttpRequest.newBuilder(
                URI.create(drain + "?websocket_deadline=0s")).POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(now.statusCode()).isEqualTo(200);
        assertThat(now.body()).contains("\"websocketDeadline\" : \"0s\"");
        assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 backend drained");
        assertThat(awaitLine(lines)).endsWith(" outcome=upgraded end=drain_deadline");
    }

    /** Waits (bounded, 10 s) for the one access-log line. */
    private static String awaitLine(List<String> lines) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lines.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }
}
