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
 * Idle backend connections kept alive, per backend (by identity) and per selector, most recently
 * used first, at most {@code max_connections_per_backend} idle per backend over all its selectors.
 * An idle connection that the backend closes (or that sends anything) leaves the pool. New
 * connections are opened on the selectors of the client's {@link EngineConnector} (or of the first
 * one the engine served, for a client on a plain connector), or else on the engine's own client
 * connector.
 *
 * <p>Selectors: on an {@code EngineConnector} a backend connection lives on one of the connector's
 * selectors for good, and a request runs on one thread only when its client connection and the
 * backend connection share that selector. So each backend keeps one idle list per selector of the
 * engine's {@code EngineConnector}s (slots from 1, see {@link HttpEngine#slotOf}; a TLS client counts
 * by the encrypted end point under its decrypted one), plus one list, slot 0, for the connections on
 * any other selector (the engine's client connector), and {@link #acquire} takes first from the
 * list of the client's selector. When that
 * list is empty and another holds a connection, it takes that one rather than opening a connection
 * (stealing, as HAProxy does when a thread's idle list is empty): a connect costs a round trip and
 * a socket to the backend, more than one request served across two threads. It steals from the
 * fullest other list (its most recently used connection), which keeps the lists even; the stolen
 * connection stays on its selector and goes back to that selector's list when released. On a plain
 * {@code ServerConnector} every client and backend connection falls in slot 0: one list per
 * backend, as without selectors.
 *
 * <p>Thread-safe: one small lock per backend (its {@code Idle}), no global lock; taking a
 * connection allocates nothing.
 */
final class BackendPool {

    private final HttpEngine engine;
    private final Map<Backend, Idle> idle = new java.util.concurrent.ConcurrentHashMap<>();

    BackendPool(HttpEngine engine) {
        this.engine = engine;
    }

    /**
     * The idle connections of one backend, one list per selector slot (see the class comment), and
     * its resolved address. The lists and {@code size} are guarded by the instance's lock.
     */
    private static final class Idle {
        /** Slot 0: connections not on an engine connector's selectors; the others: see {@link HttpEngine#slotOf}. */
        private ArrayDeque<BackendConnection>[] slots = newSlots(1);
        /** Idle connections in all slots. */
        private int size;
        volatile InetSocketAddress address;

        @SuppressWarnings("unchecked")
        private static ArrayDeque<BackendConnection>[] newSlots(int n) {
            return (ArrayDeque<BackendConnection>[]) new ArrayDeque<?>[n];
        }

        /** Under the lock: the most recently used connection of {@code slot}, else stolen from the fullest other slot. */
        BackendConnection poll(int slot) {
            if (size == 0) {
                return null;
            }
            ArrayDeque<BackendConnection>[] s = slots;
            ArrayDeque<BackendConnection> from = slot < s.length ? s[slot] : null;
            if (from == null || from.isEmpty()) {
                from = null;
                int most = 0;
                for (int k = 1; k <= s.length; k++) {
                    ArrayDeque<BackendConnection> q = s[(slot + k) % s.length];
                    if (q != null && q.size() > most) {
                        most = q.size();
                        from = q;
                    }
                }
                if (from == null) {
                    return null;
                }
            }
            size--;
            return from.pollFirst();
        }

        /** Under the lock: adds {@code c} first in {@code slot}. */
        void push(int slot, BackendConnection c) {
            if (slot >= slots.length) {
                slots = java.util.Arrays.copyOf(slots, slot + 1);
            }
            ArrayDeque<BackendConnection> q = slots[slot];
            if (q == null) {
                q = new ArrayDeque<>();
                slots[slot] = q;
            }
            q.addFirst(c);
            size++;
        }

        /** Under the lock: removes {@code c}, looked for in {@code slot} first. */
        void remove(int slot, BackendConnection c) {
            ArrayDeque<BackendConnection>[] s = slots;
            if (slot < s.length && s[slot] != null && s[slot].remove(c)) {
                size--;
                return;
            }
            for (ArrayDeque<BackendConnection> q : s) {
                if (q != null && q.remove(c)) {
                    size--;
                    return;
                }
            }
        }
    }

    private Idle idleOf(Backend backend) {
        Idle i = idle.get(backend);
        return i != null ? i : idle.computeIfAbsent(backend, b -> new Idle());
    }

    /**
     * The idle list of connections on {@code endPoint}'s selector (see {@link HttpEngine#slotOf}); a
     * TLS client's decrypted end point counts as the encrypted one under it.
     */
    private int slotOf(EndPoint endPoint) {
        return engine.slotOf(endPoint);
    }

    /**
     * An idle connection to {@code backend} for {@code attempt}, or null when none is idle: one on
     * the selector of the attempt's client if any, else one on another selector.
     */
    BackendConnection acquire(Backend backend, Attempt attempt) {
        Idle i = idleOf(backend);
        int slot = slotOf(attempt.exchange.clientEndPoint());
        while (true) {
            BackendConnection c;
            synchronized (i) {
                c = i.poll(slot);
            }
            if (c == null) {
                return null;
            }
            if (c.take(attempt)) {
                return c;
            }
        }
    }

    /**
     * Puts a connection back, in the list of its selector; closes it when the backend has
     * {@code maxIdle} idle ones (on all selectors) or the engine shuts down.
     */
    void release(BackendConnection c, int maxIdle) {
        Idle i = idleOf(c.backend);
        int slot = slotOf(c.getEndPoint());
        boolean kept;
        synchronized (i) {
            kept = i.size < maxIdle && !engine.isShutdown();
            if (kept) {
                i.push(slot, c);
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
            int slot = slotOf(c.getEndPoint());
            synchronized (i) {
                i.remove(slot, c);
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
        EndPoint client = attempt.exchange.clientEndPoint();
        EngineConnector shared = engine.connectorFor(client);
        if (shared != null) {
            connectShared(shared, i, address, new Pending(engine, backend, attempt, promise), client);
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

    /** Closes every idle connection (they leave the pool one at a time, closed outside its lock). */
    void closeAll() {
        for (Idle i : idle.values()) {
            while (true) {
                BackendConnection c;
                synchronized (i) {
                    c = i.poll(0);
                }
                if (c == null) {
                    break;
                }
                c.getEndPoint().close();
            }
        }
    }

    /** Idle connections to a backend, on all selectors (for tests). */
    int idleCount(Backend backend) {
        Idle i = idle.get(backend);
        if (i == null) {
            return 0;
        }
        synchronized (i) {
            return i.size;
        }
    }
}
