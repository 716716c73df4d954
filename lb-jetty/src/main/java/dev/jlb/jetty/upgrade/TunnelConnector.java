package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyRecord;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Opens the backend side of upgraded connections (WebSocket and other {@code Upgrade} protocols)
 * for the jlb adapters: a raw TCP connection from Jetty's {@link ClientConnector}, on which the
 * adapter's rewritten handshake request is written and the response head parsed; on a {@code 101}
 * the adapter calls {@link Handshake#tunnel} to splice the client's connection with it.
 *
 * <p>One per adapter, started and stopped with it. The plumbing of {@code LoadBalancingHandler} and
 * {@code LoadBalancingProxyServlet}: applications have no reason to use it directly.
 *
 * <p>Thread-safe.
 */
public final class TunnelConnector extends ContainerLifeCycle {

    /** The size of the pooled buffers each direction of a splice reads into. */
    public static final int BUFFER_SIZE = 16 * 1024;

    private final ClientConnector connector = new ClientConnector();
    private final long handshakeTimeoutMillis;
    private final long idleTimeoutMillis;

    /**
     * @param executor the threads for I/O callbacks (the server's pool), or null for the connector's own
     * @param scheduler the timer for timeouts, or null for the connector's own
     * @param pool the buffer pool (the server's), or null for the connector's own
     * @param connectTimeout the longest a connection to a backend may take to open
     * @param handshakeTimeout the longest the backend may take to answer the handshake
     * @param idleTimeout how long an upgraded connection may carry no byte either way before it is closed
     */
    public TunnelConnector(Executor executor, Scheduler scheduler, ByteBufferPool pool, Duration connectTimeout,
            Duration handshakeTimeout, Duration idleTimeout) {
        if (executor != null) {
            connector.setExecutor(executor);
        }
        if (scheduler != null) {
            connector.setScheduler(scheduler);
        }
        if (pool != null) {
            connector.setByteBufferPool(pool);
        }
        connector.setSelectors(1);
        connector.setConnectTimeout(Objects.requireNonNull(connectTimeout, "connectTimeout"));
        connector.setIdleTimeout(handshakeTimeout);
        connector.setTCPNoDelay(true);
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        this.idleTimeoutMillis = idleTimeout.toMillis();
        addBean(connector, true);
    }

    /** What the backend answered to a handshake. */
    public record Response(int status, String reason, HttpFields headers, byte[] body) {
        Response withBody(byte[] bytes) {
            return new Response(status, reason, headers, bytes);
        }
    }

    /**
     * How a tunnel ended, told once when both of its sides are closed.
     *
     * @param how what ended it first
     * @param fromClient the bytes relayed from the client to the backend after the 101
     * @param toClient the bytes relayed from the backend to the client after the 101
     */
    public record Ended(ProxyRecord.UpgradeEnd how, long fromClient, long toClient) {
    }

    /** Told once of the backend's answer or of a failure; must not block. */
    public interface HandshakeListener {
        /**
         * The backend answered. For a {@code 101}, call {@link Handshake#tunnel} (or {@link Handshake#close}) with
         * {@code connection}; otherwise the connection is already closed.
         *
         * @param response the response
         * @param connection the connection
         */
        void onResponse(Response response, Handshake connection);

        /**
         * No answer: {@code connected} tells whether the TCP connection was opened.
         *
         * @param cause the cause
         * @param connected the connected
         */
        void onFailure(Throwable cause, boolean connected);
    }

    /** A backend connection whose handshake was answered with a {@code 101}. */
    public interface Handshake {
        /**
         * Splices {@code clientEndPoint} with this backend connection. Returns the connection to
         * install on the client's endpoint (as {@code HttpStream.UPGRADE_CONNECTION_ATTRIBUTE})
         * before the {@code 101} is written; {@code onEnd} runs once when both sides are closed (on an
         * I/O thread: it must not block).
         *
         * @param clientEndPoint the client end point
         * @param websocket whether the protocol is WebSocket (the splice then ends with close frames of its own)
         * @param registry where the tunnel is listed while it is open
         * @param onEnd the on end
         * @return the upgraded connection
         */
        UpgradedConnection tunnel(EndPoint clientEndPoint, boolean websocket, UpgradedConnections registry,
                Consumer<Ended> onEnd);

        /** Closes the backend connection (the client side failed before the tunnel opened). */
        void close();
    }

    /** The client side of a tunnel, to install on the client's endpoint, or to abandon if the 101 could not be written. */
    public interface UpgradedConnection {
        /** {@return the connection that takes the client's endpoint over} */
        Connection connection();

        /** The 101 could not be written: closes the backend side and ends the tunnel (its {@code onEnd} runs). */
        void abandon();
    }

    /**
     * Opens a connection to {@code backend}, writes {@code request} and tells {@code listener} the answer.
     *
     * @param backend the backend
     * @param request the request
     * @param listener the listener
     */
    public void connect(Backend backend, ByteBuffer request, HandshakeListener listener) {
        Map<String, Object> context = new HashMap<>();
        context.put(Transport.class.getName(), Transport.TCP_IP);
        context.put(ClientConnectionFactory.CONTEXT_KEY, (ClientConnectionFactory) (endPoint, ctx) ->
                new Handshaking(endPoint, connector.getExecutor(), connector.getByteBufferPool(), backend, request,
                        handshakeTimeoutMillis, idleTimeoutMillis, listener));
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, new Promise<Connection>() {
            @Override
            public void succeeded(Connection connection) {
            }

            @Override
            public void failed(Throwable x) {
                listener.onFailure(x, false);
            }
        });
        connector.connect(new InetSocketAddress(backend.host(), backend.port()), context);
    }

    /**
     * The handshake connection for an end point to {@code backend} opened elsewhere (the
     * {@code HttpEngine} opens it on the selector of the client connection it serves): on open it
     * writes {@code request}, then tells {@code listener} the answer once, as {@link #connect} does.
     *
     * @param endPoint the connected end point to the backend
     * @param executor the threads for I/O callbacks
     * @param pool where the splice takes its buffers
     * @param backend the backend
     * @param request the handshake request, as bytes
     * @param handshakeTimeout the longest the backend may take to answer
     * @param idleTimeout how long the upgraded connection may carry no byte either way
     * @param listener told of the answer or of a failure
     * @return the connection to put on {@code endPoint}
     */
    public static Connection newHandshake(EndPoint endPoint, Executor executor, ByteBufferPool pool, Backend backend,
            ByteBuffer request, Duration handshakeTimeout, Duration idleTimeout, HandshakeListener listener) {
        return new Handshaking(endPoint, executor, pool, backend, request, handshakeTimeout.toMillis(),
                idleTimeout.toMillis(), listener);
    }

    /** The handshake connection, which can splice itself on a 101. */
    private static final class Handshaking extends BackendHandshake implements Handshake {
        private final Executor executor;
        private final ByteBufferPool pool;
        private final long idleTimeoutMillis;

        Handshaking(EndPoint endPoint, Executor executor, ByteBufferPool pool, Backend backend, ByteBuffer request,
                long handshakeTimeoutMillis, long idleTimeoutMillis, HandshakeListener listener) {
            super(endPoint, executor, backend, request, handshakeTimeoutMillis, listener);
            this.executor = executor;
            this.pool = pool;
            this.idleTimeoutMillis = idleTimeoutMillis;
        }

        @Override
        public UpgradedConnection tunnel(EndPoint clientEndPoint, boolean websocket, UpgradedConnections registry,
                Consumer<Ended> onEnd) {
            Splice tunnel = new Splice(this, clientEndPoint, websocket, pool, BUFFER_SIZE, idleTimeoutMillis, executor,
                    registry, onEnd);
            return new UpgradedConnection() {
                @Override
                public Connection connection() {
                    return tunnel.clientConnection();
                }

                @Override
                public void abandon() {
                    tunnel.abandon();
                }
            };
        }
    }
}
