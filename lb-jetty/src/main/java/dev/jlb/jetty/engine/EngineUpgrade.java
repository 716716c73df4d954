package dev.jlb.jetty.engine;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyHeaders;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.upgrade.TunnelConnector;
import dev.jlb.jetty.upgrade.UpgradeExchange;
import dev.jlb.jetty.upgrade.UpgradedConnections;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@code Upgrade} request (a WebSocket, or another protocol the route allows) on an engine route:
 * the handshake of {@link UpgradeExchange} (the same selection, rewriting, retries of connect
 * failures, relayed refusals, sticky cookie and listener record as on the Jetty path), with the
 * engine's client connection as its client. The backend connection opens on the selector of the
 * client connection when the engine serves an {@link EngineConnector} (else on the engine's own
 * client connector); after the backend's {@code 101} the client gets it, and both end points are
 * handed to a splice that forwards bytes both ways until either side closes, with the route's
 * WebSocket idle timeout, holding one lease on the backend until it ends.
 *
 * <p>While the handshake runs the client connection reads nothing (bytes the client sends early
 * wait in the socket for the splice). A refused handshake is relayed and the connection goes on
 * with its next request; jlb's own errors close it.
 *
 * <p>Threading: started on the client's selector thread; the backend's answer arrives on the
 * backend connection's selector thread (the same one on an {@link EngineConnector}). Nothing blocks.
 */
final class EngineUpgrade implements UpgradeExchange.Client, UpgradeExchange.Opener {

    private static final Logger LOG = LoggerFactory.getLogger(EngineUpgrade.class);
    private static final byte[] CRLF = {'\r', '\n'};

    private final HttpEngine engine;
    private final EngineRoute route;
    private final ClientConnection client;
    private final String method;
    private final String path;
    private final String query;
    private final HttpFields headers;
    private final AtomicBoolean finished = new AtomicBoolean();

    private EngineUpgrade(HttpEngine engine, EngineRoute route, ClientConnection client, RequestHead head, String path,
            String query) {
        this.engine = engine;
        this.route = route;
        this.client = client;
        this.method = head.method();
        this.path = path;
        this.query = query;
        HttpFields.Mutable fields = HttpFields.build(head.count);
        for (int i = 0; i < head.count; i++) {
            fields.add(head.string(head.nameStart[i], head.nameEnd[i]), head.value(i));
        }
        this.headers = fields.asImmutable();
    }

    /**
     * The {@code Upgrade} value of a request head that asks for an upgrade the engine takes
     * ({@code Connection: upgrade} over HTTP/1.1, no body, not {@code h2c} alone), or null.
     */
    static String requested(RequestHead head) {
        if (!head.upgrade || head.framing != Head.NONE) {
            return null;
        }
        return UpgradeExchange.upgradeRequested(head.version == 11, head.header("Upgrade"),
                ProxyHeaders.isListed(head.connectionTokens, "upgrade"));
    }

    /**
     * Runs the handshake of {@code head} (its bytes consumed from the client's buffer) on
     * {@code route}, entered; the route is exited and the engine's exchange count taken down once
     * the answer is written.
     */
    static void start(HttpEngine engine, EngineRoute route, ClientConnection client, RequestHead head, String path,
            String query, String upgrade) {
        EngineUpgrade u = null;
        try {
            u = new EngineUpgrade(engine, route, client, head, path, query);
            ProxyOptions options = route.options;
            String target = ProxyHeaders.targetPath(path, path, route.prefix, options.stripPrefix(), query);
            new UpgradeExchange(route.loadBalancer, options, route.sticky, options.upgrades().isEmpty() ? null : u,
                    UpgradedConnections.of(route.loadBalancer), u, target, route.prefix,
                    client.secure() ? "https" : "http").start(upgrade);
        } catch (Throwable x) {
            LOG.warn("jlb: could not start the upgrade of {}", path, x);
            if (u != null && !u.finished.compareAndSet(false, true)) {
                return; // answered before the failure
            }
            client.upgradeEnded();
            route.exit();
            engine.exchangeEnded();
            client.sendError(HttpStatus.BAD_GATEWAY_502, "bad gateway: the proxy failed to handle the request", false);
        }
    }

    /** The handshake is answered (or failed): the route and the engine stop counting it. Once. */
    private void finish() {
        if (finished.compareAndSet(false, true)) {
            client.upgradeEnded();
            route.exit();
            engine.exchangeEnded();
        }
    }

    // ---- UpgradeExchange.Client ----------------------------------------------------------------

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public HttpFields headers() {
        return headers;
    }

    @Override
    public String remoteAddress() {
        return client.peerAddress();
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public EndPoint endPoint() {
        return client.getEndPoint();
    }

    @Override
    public void switchProtocols(HttpFields answer, Connection upgraded, Runnable abandon) {
        client.write(Callback.from(() -> {
            finish();
            try {
                client.handOver(upgraded);
            } catch (Throwable x) {
                LOG.warn("jlb: could not splice the upgraded connection of {}", path, x);
                abandon.run();
                client.getEndPoint().close(x);
            }
        }, x -> {
            finish();
            abandon.run();
            client.getEndPoint().close(x);
        }), head(HttpStatus.SWITCHING_PROTOCOLS_101, answer, null));
    }

    @Override
    public void respond(int status, HttpFields answer, ByteBuffer body, boolean close) {
        boolean keep = !close && !engine.isShutdown();
        HttpFields fields = answer;
        if (!keep && !answer.contains(HttpHeader.CONNECTION, "close")) {
            fields = HttpFields.build(answer).put(HttpHeader.CONNECTION, "close");
        }
        byte[] date = answer.contains(HttpHeader.DATE) ? null : engine.dateLine();
        client.write(Callback.from(() -> {
            finish();
            client.responseDone(keep);
        }, x -> {
            finish();
            client.getEndPoint().close(x);
        }), head(status, fields, date), body);
    }

    /** A response head: status line, {@code fields}, the {@code Date} line when given, blank line. */
    private static ByteBuffer head(int status, HttpFields fields, byte[] date) {
        StringBuilder out = new StringBuilder(256).append("HTTP/1.1 ").append(status).append(' ')
                .append(HttpStatus.getMessage(status)).append("\r\n");
        for (HttpField f : fields) {
            out.append(f.getName()).append(": ").append(f.getValue()).append("\r\n");
        }
        byte[] text = out.toString().getBytes(StandardCharsets.ISO_8859_1);
        int dateLength = date == null ? 0 : date.length;
        ByteBuffer b = ByteBuffer.allocate(text.length + dateLength + 2);
        b.put(text);
        if (date != null) {
            b.put(date);
        }
        return b.put(CRLF).flip();
    }

    // ---- UpgradeExchange.Opener ----------------------------------------------------------------

    @Override
    public void connect(Backend backend, ByteBuffer request, TunnelConnector.HandshakeListener listener) {
        Dial dial = new Dial(backend, request, listener);
        InetSocketAddress address = new InetSocketAddress(backend.host(), backend.port());
        dial.timer = engine.scheduler.schedule(dial::timedOut, route.options.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        EngineConnector shared = engine.connectorFor(client.getEndPoint());
        if (shared != null) {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                dial.channel = channel;
                boolean connected = channel.connect(address);
                shared.connect(channel, connected, dial, client.getEndPoint());
            } catch (Throwable x) {
                dial.failed(channel, x);
            }
            return;
        }
        Map<String, Object> context = new HashMap<>(8);
        context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
        context.put(ClientConnector.REMOTE_SOCKET_ADDRESS_CONTEXT_KEY, address);
        context.put(ClientConnectionFactory.CONTEXT_KEY,
                (ClientConnectionFactory) (endPoint, ctx) -> dial.newConnection(endPoint));
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, new Promise<Connection>() {
            @Override
            public void succeeded(Connection connection) {
                dial.opened(connection);
            }

            @Override
            public void failed(Throwable x) {
                dial.failed(null, x);
            }
        });
        try {
            engine.clientConnector.connect(address, context);
        } catch (Throwable x) {
            dial.failed(null, x);
        }
    }

    /**
     * One backend connection being opened for a handshake: the route's connect timeout bounds it;
     * the listener hears of the connect's failure once, and of the handshake from the connection.
     */
    private final class Dial implements EngineConnector.Opening {
        private static final int PENDING = 0;
        private static final int OPEN = 1;
        private static final int FAILED = 2;

        private final Backend backend;
        private final ByteBuffer request;
        private final TunnelConnector.HandshakeListener listener;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        volatile Scheduler.Task timer;
        volatile SocketChannel channel;

        Dial(Backend backend, ByteBuffer request, TunnelConnector.HandshakeListener listener) {
            this.backend = backend;
            this.request = request;
            this.listener = listener;
        }

        @Override
        public Connection newConnection(EndPoint endPoint) {
            ProxyOptions options = route.options;
            return TunnelConnector.newHandshake(endPoint, engine.executor, engine.buffers, backend, request,
                    options.attemptTimeout(), options.websocketIdleTimeout(), listener);
        }

        @Override
        public void opened(Connection connection) {
            if (state.compareAndSet(PENDING, OPEN)) {
                cancelTimer();
            } else {
                connection.getEndPoint().close(); // timed out meanwhile: the client was answered
            }
        }

        @Override
        public void failed(SelectableChannel failedChannel, Throwable failure) {
            IO.close(failedChannel);
            if (state.compareAndSet(PENDING, FAILED)) {
                cancelTimer();
                listener.onFailure(failure, false);
            }
        }

        void timedOut() {
            if (state.compareAndSet(PENDING, FAILED)) {
                IO.close(channel);
                listener.onFailure(new SocketTimeoutException("connect to " + backend.id() + " timed out after "
                        + route.options.connectTimeout().toMillis() + " ms"), false);
            }
        }

        private void cancelTimer() {
            Scheduler.Task t = timer;
            if (t != null) {
                t.cancel();
            }
        }
    }
}
