package dev.jlb.jetty.upgrade;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a {@link Splice}: reads its own endpoint and writes what it read to the other side's,
 * one pooled buffer at a time (the next read starts once the write completed, so a slow reader
 * slows its writer: back-pressure without queues), as Jetty's {@code ConnectHandler} does.
 *
 * <p>For a WebSocket it also follows the frames it forwards ({@link FrameTracker}), so that it can
 * end the stream with a close frame of its own, between two frames, when the tunnel is shut down
 * or its own side went away without one.
 *
 * <p>Threading: the pipe is an {@link IteratingCallback}: one read or write at a time; a shutdown
 * from another thread only wakes it.
 */
final class TunnelEnd extends AbstractConnection implements Connection.UpgradeTo, Connection.UpgradeFrom {

    private static final Logger LOG = LoggerFactory.getLogger(TunnelEnd.class);

    private final Splice tunnel;
    /** True for the end that reads the backend and writes to the client. */
    private final boolean backendSide;
    private final ByteBufferPool pool;
    /** The frames this end reads, or null when the protocol is not WebSocket. */
    private final FrameTracker frames;
    private final Pipe pipe = new Pipe();
    private TunnelEnd peer;
    /** Bytes read before this end took over (after the handshake), to forward first. */
    private ByteBuffer pending;
    /** Bytes this end read and handed to the other side's endpoint; written by the pipe only. */
    private volatile long relayed;
    /** Whether the tunnel was told of a close frame read by this end. */
    private boolean closeReported;

    TunnelEnd(Splice tunnel, EndPoint endPoint, boolean backendSide, ByteBufferPool pool, boolean websocket,
            int bufferSize) {
        super(endPoint, tunnel.executor());
        this.tunnel = tunnel;
        this.backendSide = backendSide;
        this.pool = pool;
        this.frames = websocket ? new FrameTracker() : null;
        setInputBufferSize(bufferSize);
    }

    void peer(TunnelEnd peer) {
        this.peer = peer;
    }

    boolean isBackendSide() {
        return backendSide;
    }

    /** {@return the bytes this end read and passed on to the other side} */
    long relayed() {
        return relayed;
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        if (BufferUtil.hasContent(buffer)) {
            // A copy: the buffer belongs to the connection that hands over and is released with it.
            ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
            copy.put(buffer).flip();
            pending = copy;
        }
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        return null;
    }

    /** Takes bytes read before this end existed (the backend's first frames after its 101). */
    void pending(ByteBuffer bytes) {
        if (BufferUtil.hasContent(bytes)) {
            pending = bytes;
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().setIdleTimeout(tunnel.idleTimeoutMillis());
        tunnel.opened(this);
    }

    /** Starts forwarding (both ends are open). */
    void start() {
        pipe.iterate();
    }

    /** Wakes the pipe so that it sees a shutdown of the tunnel. */
    void wake() {
        pipe.iterate();
    }

    @Override
    public void onFillable() {
        pipe.iterate();
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        return tunnel.idleExpired(this);
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        tunnel.closed(this);
    }

    @Override
    public String toConnectionString() {
        return (backendSide ? "TunnelEnd[backend " : "TunnelEnd[client ") + getEndPoint().getRemoteSocketAddress()
                + ']';
    }

    private final class Pipe extends IteratingCallback {
        private RetainableByteBuffer buffer;
        /** A close frame of ours is written (or being written): close everything after it. */
        private boolean closeWritten;

        @Override
        protected Action process() {
            release();
            if (closeWritten) {
                tunnel.closeAll();
                return Action.SUCCEEDED;
            }
            if (tunnel.isShuttingDown() && backendSide) {
                // Only the backend's direction speaks to the client: it ends with a close frame.
                if (frames == null || frames.closeSeen()) {
                    tunnel.closeAll();
                    return Action.SUCCEEDED;
                }
                if (pending == null && frames.isAtBoundary()) {
                    return writeClose(tunnel.closeCode(), tunnel.closeReason());
                }
            }
            if (pending != null) {
                ByteBuffer bytes = pending;
                pending = null;
                track(bytes);
                peer.getEndPoint().write(this, bytes);
                return Action.SCHEDULED;
            }
            RetainableByteBuffer acquired = pool.acquire(getInputBufferSize(), true);
            buffer = acquired;
            ByteBuffer bytes = acquired.getByteBuffer();
            int filled;
            try {
                filled = getEndPoint().fill(bytes);
            } catch (IOException x) {
                LOG.debug("jlb: reading {} failed", TunnelEnd.this, x);
                release();
                return ended(x);
            }
            if (filled > 0) {
                track(bytes);
                peer.getEndPoint().write(this, bytes);
                return Action.SCHEDULED;
            }
            release();
            if (filled == 0) {
                if (!isFillInterested()) {
                    fillInterested();
                }
                return Action.IDLE;
            }
            return ended(null);
        }

        /**
         * Follows the frames of bytes about to be written (while shutting down, only to the end of
         * the frame) and counts what will be written.
         */
        private void track(ByteBuffer bytes) {
            if (frames != null) {
                if (tunnel.isShuttingDown() && backendSide) {
                    bytes.limit(bytes.position() + frames.consumeToBoundary(bytes));
                } else {
                    frames.consume(bytes);
                }
                if (!closeReported && frames.closeSeen()) {
                    closeReported = true;
                    tunnel.sideClosed(TunnelEnd.this);
                }
            }
            relayed += bytes.remaining();
        }

        /** This side is done (end of stream, or a failure): tell the other side, with a close frame if owed. */
        private Action ended(Throwable failure) {
            tunnel.sideClosed(TunnelEnd.this);
            if (frames != null && !frames.closeSeen() && frames.isAtBoundary() && failure == null) {
                return writeClose(CloseFrame.GOING_AWAY, backendSide ? "backend went away" : "client went away");
            }
            if (failure != null) {
                tunnel.closeAll();
            } else {
                peer.getEndPoint().shutdownOutput();
                tunnel.inputEnded(TunnelEnd.this);
            }
            return Action.SUCCEEDED;
        }

        private Action writeClose(int code, String reason) {
            closeWritten = true;
            // Toward a backend (a server) the frame is masked; toward a client it is not.
            peer.getEndPoint().write(this, CloseFrame.of(code, reason, !backendSide));
            return Action.SCHEDULED;
        }

        private void release() {
            RetainableByteBuffer held = buffer;
            buffer = null;
            if (held != null) {
                held.release();
            }
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            release();
            LOG.debug("jlb: writing from {} failed", TunnelEnd.this, cause);
            tunnel.sideClosed(peer);
            tunnel.closeAll();
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
