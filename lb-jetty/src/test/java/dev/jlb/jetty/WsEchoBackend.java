package dev.jlb.jetty;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real Jetty WebSocket echo server on 127.0.0.1:0 (jetty-core's {@code WebSocketUpgradeHandler})
 * at any path: text and binary messages come back as sent; the text {@code close <code> <reason>}
 * makes it close with that code; {@code who} answers its name; {@code headers} answers a few
 * request headers. Records every close it sees.
 */
public final class WsEchoBackend implements AutoCloseable {

    static final long MAX_MESSAGE = 2L * 1024 * 1024;

    final String name;
    final Server server;
    final ServerConnector connector;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger opened = new AtomicInteger();
    /** "code reason" of every close the backend saw. */
    final BlockingQueue<String> closes = new LinkedBlockingQueue<>();

    WsEchoBackend(String name) throws Exception {
        this.name = name;
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("ws-" + name);
        server = new Server(pool);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setIdleTimeout(Duration.ofMinutes(1));
            container.addMapping("/*", (request, response, callback) -> {
                String headers = "host=" + request.getHeaders().get("Host") + " via=" + request.getHeaders().get("Via")
                        + " xff=" + request.getHeaders().get("X-Forwarded-For") + " path="
                        + request.getHttpURI().getPathQuery();
                return new Echo(headers);
            });
        }));
        server.start();
    }

    String uri() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws java.io.IOException {
        dev.jlb.testing.LifeCycles.stop(server, this);
    }

    public final class Echo implements Session.Listener.AutoDemanding {
        private final String headers;
        private volatile Session session;

        Echo(String headers) {
            this.headers = headers;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            open.incrementAndGet();
            opened.incrementAndGet();
        }

        @Override
        public void onWebSocketText(String message) {
            if (message.equals("who")) {
                session.sendText(name, Callback.NOOP);
            } else if (message.equals("headers")) {
                session.sendText(headers, Callback.NOOP);
            } else if (message.startsWith("close ")) {
                String[] parts = message.split(" ", 3);
                session.close(Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", Callback.NOOP);
            } else {
                session.sendText(message, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
            copy.put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            open.decrementAndGet();
            closes.add(statusCode + " " + reason);
            callback.succeed();
        }
    }
}
