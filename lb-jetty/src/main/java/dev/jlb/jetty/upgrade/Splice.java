package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyRecord.UpgradeEnd;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded connection (a WebSocket, or another allowed protocol) spliced between a client and a
 * backend: two {@link TunnelEnd}s, and the end of its life, told once through {@code onEnd} when
 * both sides are closed, with what ended it first and the bytes relayed each way (the adapter
 * releases its backend lease and writes its access-log record there).
 *
 * <p>{@link #shutdown(int, String, UpgradeEnd)} ends it from outside (a removed backend, a drain deadline): a
 * WebSocket gets a close frame with that code between two frames, then both sides close.
 *
 * <p>Thread-safe.
 */
final class Splice implements UpgradedConnections.Handle {

    private static final Logger LOG = LoggerFactory.getLogger(Splice.class);

    private final Backend backend;
    private final Executor executor;
    private final long idleTimeoutMillis;
    private final Consumer<TunnelConnector.Ended> onEnd;
    /** What ended the tunnel first; set once. */
    private final AtomicReference<UpgradeEnd> why = new AtomicReference<>();
    private final TunnelEnd clientEnd;
    private final BackendHandshake handshake;
    private final UpgradedConnections registry;
    private volatile TunnelEnd backendEnd;
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger inputsEnded = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    /** Whether each end's idle timeout expired once (set by its expiry, on the scheduler's thread). */
    private volatile boolean clientExpired;
    private volatile boolean backendExpired;
    private volatile int closeCode = CloseFrame.GOING_AWAY;
    private volatile String closeReason = "";
    private final boolean websocket;
    private final ByteBufferPool pool;
    private final int bufferSize;

    Splice(BackendHandshake handshake, EndPoint clientEndPoint, boolean websocket, ByteBufferPool pool, int bufferSize,
            long idleTimeoutMillis, Executor executor, UpgradedConnections registry,
            Consumer<TunnelConnector.Ended> onEnd) {
        this.backend = handshake.backend();
        this.handshake = handshake;
        this.executor = executor;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.registry = registry;
        this.onEnd = onEnd;
        this.websocket = websocket;
        this.pool = pool;
        this.bufferSize = bufferSize;
        this.clientEnd = new TunnelEnd(this, clientEndPoint, false, pool, websocket, bufferSize);
    }

    /** The connection that takes over the client's endpoint once the 101 is written. */
    Connection clientConnection() {
        return clientEnd;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    Executor executor() {
        return executor;
    }

    long idleTimeoutMillis() {
        return idleTimeoutMillis;
    }

    boolean isShuttingDown() {
        return shuttingDown.get();
    }

    int closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    /** Called by each end's {@code onOpen}: the client's first (Jetty upgraded it), then the backend's. */
    void opened(TunnelEnd end) {
        if (!end.isBackendSide()) {
            registry.add(this);
            // The client's endpoint is ours: take the backend's over from the handshake connection.
            TunnelEnd server = new TunnelEnd(this, handshake.getEndPoint(), true, pool, websocket, bufferSize);
            server.pending(handshake.leftover());
            server.peer(clientEnd);
            clientEnd.peer(server);
            backendEnd = server;
            try {
                handshake.getEndPoint().upgrade(server);
            } catch (Throwable x) {
                LOG.warn("jlb: could not take over the backend connection to {}", backend.id(), x);
                closeAll();
                end();
            }
            return;
        }
        if (opened.incrementAndGet() == 1) {
            clientEnd.start();
            end.start();
            if (shuttingDown.get()) {
                end.wake();
            }
        }
    }

    /** The client's connection failed before the 101 went out: nothing was spliced. */
    void abandon() {
        why.compareAndSet(null, UpgradeEnd.CLIENT_CLOSED);
        handshake.close();
        end();
    }

    /**
     * {@code end}'s side closed (a close frame, the end of its stream, a failure): that ended the
     * tunnel, unless something did before.
     */
    void sideClosed(TunnelEnd end) {
        why.compareAndSet(null, end.isBackendSide() ? UpgradeEnd.BACKEND_CLOSED : UpgradeEnd.CLIENT_CLOSED);
    }

    @Override
    public void shutdown(int code, String reason, UpgradeEnd cause) {
        why.compareAndSet(null, cause);
        closeCode = code;
        closeReason = reason;
        if (shuttingDown.compareAndSet(false, true)) {
            TunnelEnd server = backendEnd;
            if (server != null && opened.get() > 0) {
                server.wake();
            }
        }
    }

    /**
     * {@code end}'s endpoint was idle for the WebSocket idle timeout; returns whether to close it at
     * once. The first expiry shuts the tunnel down (a close frame between two frames); the other
     * end's expiry a moment later (both ends of an idle tunnel are idle) leaves that close frame on
     * its way; a second expiry of the same end means it could not go out: everything closes.
     */
    boolean idleExpired(TunnelEnd end) {
        boolean again = end.isBackendSide() ? backendExpired : clientExpired;
        if (end.isBackendSide()) {
            backendExpired = true;
        } else {
            clientExpired = true;
        }
        if (shuttingDown.get()) {
            if (again) {
                closeAll(); // this end was idle for a whole timeout since the shutdown
                return true;
            }
            return false;
        }
        shutdown(CloseFrame.GOING_AWAY, "idle timeout", UpgradeEnd.IDLE_TIMEOUT);
        return false;
    }

    void inputEnded(TunnelEnd end) {
        if (inputsEnded.incrementAndGet() >= 2) {
            closeAll();
        }
    }

    void closeAll() {
        clientEnd.getEndPoint().close();
        TunnelEnd server = backendEnd;
        if (server != null) {
            server.getEndPoint().close();
        } else {
            handshake.close();
        }
    }

    void closed(TunnelEnd end) {
        sideClosed(end);
        if (closed.incrementAndGet() == 1) {
            closeAll(); // one side is gone: so is the other
            if (backendEnd == null) {
                end();
            }
        } else {
            end();
        }
    }

    private void end() {
        if (ended.compareAndSet(false, true)) {
            registry.remove(this);
            TunnelEnd server = backendEnd;
            UpgradeEnd how = why.get();
            try {
                onEnd.accept(new TunnelConnector.Ended(how == null ? UpgradeEnd.CLIENT_CLOSED : how,
                        clientEnd.relayed(), server == null ? 0 : server.relayed()));
            } catch (Throwable x) {
                LOG.warn("jlb: ending the upgraded connection to {} failed", backend.id(), x);
            }
        }
    }

    @Override
    public String toString() {
        return "Splice{" + backend.id() + (shuttingDown.get() ? ", shutting down " + closeCode : "") + '}';
    }
}
