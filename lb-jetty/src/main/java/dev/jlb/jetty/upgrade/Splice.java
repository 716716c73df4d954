package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded connection (a WebSocket, or another allowed protocol) spliced between a client and a
 * backend: two {@link TunnelEnd}s, and the end of its life, told once through {@code onEnd} when
 * both sides are closed (the adapter releases its backend lease there).
 *
 * <p>{@link #shutdown(int, String)} ends it from outside (a removed backend, a drain deadline): a
 * WebSocket gets a close frame with that code between two frames, then both sides close.
 *
 * <p>Thread-safe.
 */
final class Splice implements UpgradedConnections.Handle {

    private static final Logger LOG = LoggerFactory.getLogger(Splice.class);

    private final Backend backend;
    private final Executor executor;
    private final long idleTimeoutMillis;
    private final Runnable onEnd;
    private final TunnelEnd clientEnd;
    private final BackendHandshake handshake;
    private final UpgradedConnections registry;
    private volatile TunnelEnd backendEnd;
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger inputsEnded = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private volatile int closeCode = CloseFrame.GOING_AWAY;
    private volatile String closeReason = "";
    private final boolean websocket;
    private final ByteBufferPool pool;
    private final int bufferSize;

    Splice(BackendHandshake handshake, EndPoint clientEndPoint, boolean websocket, ByteBufferPool pool, int bufferSize,
            long idleTimeoutMillis, Executor executor, UpgradedConnections registry, Runnable onEnd) {
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
        handshake.close();
        end();
    }

    @Override
    public void shutdown(int code, String reason) {
        closeCode = code;
        closeReason = reason;
        if (shuttingDown.compareAndSet(false, true)) {
            TunnelEnd server = backendEnd;
            if (server != null && opened.get() > 0) {
                server.wake();
            }
        }
    }

    /** An endpoint was idle for the WebSocket idle timeout; returns whether to close it at once. */
    boolean idleExpired() {
        if (shuttingDown.get()) {
            closeAll(); // a second expiry: the close frame could not go out
            return true;
        }
        shutdown(CloseFrame.GOING_AWAY, "idle timeout");
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
            try {
                onEnd.run();
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
