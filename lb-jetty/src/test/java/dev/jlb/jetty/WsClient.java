package dev.jlb.jetty;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/** One client WebSocket (Jetty's client) that queues what it receives; every wait is bounded. */
public final class WsClient implements Session.Listener.AutoDemanding {

    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    volatile Session session;

    static WsClient connect(WebSocketClient client, String url) throws Exception {
        return connect(client, request(url));
    }

    /** An upgrade request to {@code url} ({@code http} becomes {@code ws}), for a test to add headers to. */
    static ClientUpgradeRequest request(String url) {
        return new ClientUpgradeRequest(URI.create(url.replaceFirst("^http", "ws")));
    }

    static WsClient connect(WebSocketClient client, ClientUpgradeRequest request) throws Exception {
        WsClient ws = new WsClient();
        client.connect(ws, request).get(10, TimeUnit.SECONDS);
        return ws;
    }

    static WebSocketClient newClient() throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.setMaxTextMessageSize(WsEchoBackend.MAX_MESSAGE);
        client.setMaxBinaryMessageSize(WsEchoBackend.MAX_MESSAGE);
        client.start();
        return client;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
    }

    @Override
    public void onWebSocketText(String message) {
        received.add(message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
        copy.put(payload).flip();
        callback.succeed();
        received.add(copy);
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
        copy.put(payload).flip();
        pongs.add(copy);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        closed.complete(statusCode + " " + reason);
        callback.succeed();
    }

    /** Sends a text and waits (bounded) for the next message. */
    Object roundTrip(String text) throws Exception {
        session.sendText(text, Callback.NOOP);
        return next();
    }

    Object next() throws InterruptedException {
        Object m = received.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 10 s");
        }
        return m;
    }

    String awaitClose() throws Exception {
        return closed.get(10, TimeUnit.SECONDS);
    }
}
