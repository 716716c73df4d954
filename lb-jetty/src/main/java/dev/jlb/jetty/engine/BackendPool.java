package dev.jlb.jetty.engine;

import dev.jlb.Backend;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.Promise;

/**
 * Idle backend connections kept alive, per backend (by identity), most recently used first, at most
 * {@code max_connections_per_backend} idle per backend. An idle connection that the backend closes
 * (or that sends anything) leaves the pool. New connections are opened on the selectors of the
 * {@link EngineConnector} the engine serves, or else on the engine's own client connector. Thread-safe: one small lock per backend.
 */
final class BackendPool {

    private final HttpEngine engine;
    private final Map<Backend, Idle> idle = new java.util.concurrent.ConcurrentHashMap<>();

    BackendPool(HttpEngine engine) {
        this.engine = engine;
    }

    /** The idle connections of one backend, and its resolved address. */
    private static final class Idle {
        final ArrayDeque<BackendConnection> connections = new ArrayDeque<>();
        volatile InetSocketAddress address;
    }

    private Idle idleOf(Backend backend) {
        Idle i = idle.get(backend);
        return i != null ? i : idle.computeIfAbsent(backend, b -> new Idle());
    }

    /** An idle connection to {@code backend} for {@code attempt}, or null when none is idle. */
    BackendConnection acquire(Backend backend, Attempt attempt) {
        Idle i = idleOf(backend);
        while (true) {
            BackendConnection c;
            synchronized (i) {
                c = i.connections.pollFirst();
            }
            if (c == null) {
                return null;
            }
            if (c.take(attempt)) {
                return c;
            }
        }
    }

    /** Puts a connection back; closes it when the backend has enough idle ones or the engine shuts down. */
    void release(BackendConnection c, int maxIdle) {
        Idle i = idleOf(c.backend);
        boolean kept;
        synchronized (i) {
            kept = i.connections.size() < maxIdle && !engine.isShutdown();
            if (kept) {
                i.connections.addFirst(c);
            }
        }
        if (kept) {
            c.idle();
        } else {
            c.getEndPoint().close();
        }
    }

    void remove(BackendConnection c) {
        Idle i = idle.get(c.backend);
        if (i != null) {
            synchronized (i) {
                i.connections.remove(c);
            }
        }
    }

    /** Opens a connection to {@code backend}; the promise completes on the client connector's thread. */
    void connect(Backend backend, Attempt attempt, Promise<Connection> promise) {
        Idle i = idleOf(backend);
        InetSocketAddress address = i.address;
        if (address == null || address.isUnresolved()) {
            address = new InetSocketAddress(backend.host(), backend.port());
            i.address = address;
        }
        EngineConnector shared = engine.sharedConnector;
        if (shared != null && shared.isRunning()) {
            connectShared(shared, i, address, new Pending(engine, backend, attempt, promise),
                    attempt.exchange.clientEndPoint());
            return;
        }
        Map<String, Object> context = new HashMap<>(8);
        context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
        context.put(ClientConnector.REMOTE_SOCKET_ADDRESS_CONTEXT_KEY, address);
        context.put(ClientConnectionFactory.CONTEXT_KEY, (ClientConnectionFactory) (EndPoint endPoint,
                Map<String, Object> ctx) -> new BackendConnection(engine, endPoint, backend, attempt));
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, promise);
        try {
            engine.clientConnector.connect(address, context);
        } catch (Throwable x) {
            i.address = null;
            promise.failed(x);
        }
    }

    /**
     * Opens the connection on the selector of {@code client} in the {@link EngineConnector} the engine
     * serves, so that a client connection and its backend connections share a selector thread.
     */
    private static void connectShared(EngineConnector shared, Idle i, InetSocketAddress address, Pending pending,
            EndPoint client) {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.configureBlocking(false);
            boolean connected = channel.connect(address);
            shared.connect(channel, connected, pending, client);
        } catch (Throwable x) {
            i.address = null;
            IO.close(channel);
            pending.promise.failed(x);
        }
    }

    /**
     * A connection being opened on an {@link EngineConnector}'s selectors: what its selector manager
     * needs to make the engine's {@link BackendConnection} and to complete the attempt's promise.
     */
    static final class Pending implements EngineConnector.Opening {
        private final HttpEngine engine;
        private final Backend backend;
        private final Attempt attempt;
        final Promise<Connection> promise;

        Pending(HttpEngine engine, Backend backend, Attempt attempt, Promise<Connection> promise) {
            this.engine = engine;
            this.backend = backend;
            this.attempt = attempt;
            this.promise = promise;
        }

        @Override
        public Connection newConnection(EndPoint endPoint) {
            return new BackendConnection(engine, endPoint, backend, attempt);
        }

        @Override
        public void opened(Connection connection) {
            promise.succeeded(connection);
        }

        @Override
        public void failed(SelectableChannel channel, Throwable failure) {
            IO.close(channel);
            promise.failed(failure);
        }
    }

    /** Forgets a backend's resolved address (after a connect failure), so that the next connect resolves it again. */
    void forgetAddress(Backend backend) {
        Idle i = idle.get(backend);
        if (i != null) {
            i.address = null;
        }
    }

    void closeAll() {
        for (Idle i : idle.values()) {
            synchronized (i) {
                for (BackendConnection c : i.connections) {
                    c.getEndPoint().close();
                }
                i.connections.clear();
            }
        }
    }

    /** Idle connections to a backend (for tests). */
    int idleCount(Backend backend) {
        Idle i = idle.get(backend);
        if (i == null) {
            return 0;
        }
        synchronized (i) {
            return i.connections.size();
        }
    }
}
