package dev.jlb.jetty.engine;

import dev.jlb.Backend;
import dev.jlb.jetty.internal.Retries;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * One keep-alive connection to a backend: writes an attempt's request, parses the response head
 * ({@link HeadParser}, 1xx interim responses skipped), and forwards the body to the client as it
 * arrives, framed by its length, its chunks or the connection's end. At most one attempt uses it
 * at a time; between attempts it waits in the {@link BackendPool}.
 *
 * <p>Threading: its callbacks run in place on the client connector's selector thread
 * ({@link InvocationType#NON_BLOCKING}); the client write callback resumes reading on the thread
 * that completed it. One read or one client write is outstanding at a time.
 */
final class BackendConnection extends AbstractConnection.NonBlocking implements Callback {

    private static final int OPEN = 0;
    private static final int IDLE = 1;
    private static final int BUSY = 2;
    private static final int CLOSED = 3;

    private static final int HEAD = 0;
    private static final int BODY = 1;

    final HttpEngine engine;
    final Backend backend;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    volatile Attempt attempt;
    private final RetainableByteBuffer.Mutable retained;
    /** Where the request head this connection sends and the client head of its response are built (see {@link HttpEngine#heads}). */
    final ByteBufferPool requestHeads;
    final ByteBufferPool responseHeads;
    private final ByteBuffer buf;
    private final ResponseHead head = new ResponseHead();
    private final ChunkScanner chunks = new ChunkScanner();
    private int phase = HEAD;
    private int framing;
    private long remaining;
    private boolean keepAlive;
    /** Responses completed on this connection. */
    int served;
    /** Whether the current attempt received any byte. */
    boolean received;
    /** Bytes to consume and whether the body ends once the pending client write completes. */
    private int pendingConsumed;
    private boolean pendingLast;
    /** The client response head in the pending client write, released when that write completed or failed. */
    private RetainableByteBuffer pendingHead;
    /**
     * The body part and the arrays of the client write, reused (one client write is outstanding at a
     * time, and the end point keeps neither once it completed).
     */
    private final ByteBuffer view;
    private final ByteBuffer[] one = new ByteBuffer[1];
    private final ByteBuffer[] two = new ByteBuffer[2];
    /** Whether a client write is being started, pending, or completed in place. */
    private final AtomicInteger write = new AtomicInteger();
    private static final int NONE = 0;
    private static final int WRITING = 1;
    private static final int DONE_IN_PLACE = 2;
    private static final int PENDING = 3;

    BackendConnection(HttpEngine engine, EndPoint endPoint, Backend backend, Attempt attempt) {
        super(endPoint, engine.executor);
        this.engine = engine;
        this.backend = backend;
        this.attempt = attempt;
        this.retained = engine.buffers.acquire(Math.max(16384, attempt.maxResponseHeaderSize() + 1024), false);
        this.requestHeads = engine.heads;
        this.responseHeads = engine.heads;
        this.buf = retained.getByteBuffer();
        BufferUtil.clear(buf);
        this.view = buf.duplicate();
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        state.set(BUSY);
        fillInterested();
    }

    /** Takes an idle connection for an attempt; false when it closed meanwhile. */
    boolean take(Attempt a) {
        attempt = a;
        if (state.compareAndSet(IDLE, BUSY)) {
            return true;
        }
        attempt = null;
        return false;
    }

    /** Back in the pool: watch for the backend closing it. */
    void idle() {
        attempt = null;
        phase = HEAD;
        state.set(IDLE);
        if (!isFillInterested()) {
            fillInterested();
        }
    }

    /** Writes request bytes (the head, then body parts) of the current attempt. */
    void write(Callback callback, ByteBuffer... buffers) {
        getEndPoint().write(callback, buffers);
    }

    /** Sets this connection's idle timeout for an attempt. */
    void idleTimeout(long millis) {
        getEndPoint().setIdleTimeout(millis);
    }

    @Override
    public void onFillable() {
        if (state.get() == IDLE && state.compareAndSet(IDLE, CLOSED)) {
            engine.pool.remove(this); // the backend closed an idle connection, or sent something unasked
            getEndPoint().close();
            return;
        }
        process();
    }

    private void process() {
        Attempt a = attempt;
        if (a == null) {
            getEndPoint().close();
            return;
        }
        while (true) {
            if (buf.hasRemaining()) {
                if (phase == HEAD) {
                    int at = buf.arrayOffset() + buf.position();
                    int limit = a.maxResponseHeaderSize();
                    int r = HeadParser.parseResponse(head, buf.array(), at, buf.arrayOffset() + buf.limit(), limit);
                    if (r == HeadParser.OK) {
                        buf.position(buf.position() + head.end - at);
                        if (head.status < 200) {
                            if (head.status == 101) {
                                a.invalidResponse(this, Retries.REASON_UPGRADE);
                                return;
                            }
                            continue; // 100 Continue, 102, 103: interim, consumed
                        }
                        head.frame(a.headRequest());
                        framing = head.framing;
                        remaining = head.contentLength;
                        keepAlive = head.keepAlive && !head.close && framing != Head.UNTIL_CLOSE;
                        chunks.reset();
                        RetainableByteBuffer clientHead = a.responseHead(this, head);
                        if (clientHead == null) {
                            return; // retried elsewhere, or the exchange ended: this connection is closed
                        }
                        phase = BODY;
                        if (!forward(a, clientHead)) {
                            return;
                        }
                        continue;
                    } else if (r == 431) {
                        a.invalidResponse(this, Retries.tooLarge(limit));
                        return;
                    } else if (r != HeadParser.INCOMPLETE) {
                        a.invalidResponse(this, Retries.REASON_OTHER);
                        return;
                    }
                } else {
                    if (!forward(a, null)) {
                        return;
                    }
                    continue;
                }
            } else if (phase == BODY && (framing == Head.NONE || (framing == Head.LENGTH && remaining == 0))) {
                if (!forward(a, null)) {
                    return;
                }
                continue;
            }
            if (!buf.hasRemaining()) {
                BufferUtil.clear(buf);
            } else if (BufferUtil.space(buf) == 0) {
                if (buf.position() == 0) {
                    a.invalidResponse(this, Retries.tooLarge(a.maxResponseHeaderSize()));
                    return;
                }
                BufferUtil.compact(buf);
            }
            int n;
            try {
                n = getEndPoint().fill(buf);
            } catch (Throwable x) {
                a.backendFailed(this, x);
                return;
            }
            if (n < 0) {
                if (phase == BODY && framing == Head.UNTIL_CLOSE) {
                    keepAlive = false;
                    pendingConsumed = 0;
                    pendingLast = true;
                    one[0] = BufferUtil.EMPTY_BUFFER;
                    a.forward(this, one, 0, true, this);
                } else {
                    a.backendFailed(this, null);
                }
                return;
            }
            if (n == 0) {
                fillInterested();
                return;
            }
            received = true;
        }
    }

    /**
     * Forwards what the buffer holds of the body (and the response head, first).
     *
     * @return true when the write completed in place and reading goes on in the caller's loop
     */
    private boolean forward(Attempt a, RetainableByteBuffer clientHead) {
        int available = buf.remaining();
        int n;
        boolean last;
        switch (framing) {
            case Head.LENGTH:
                n = (int) Math.min(remaining, available);
                remaining -= n;
                last = remaining == 0;
                break;
            case Head.CHUNKED:
                n = chunks.scan(buf.array(), buf.arrayOffset() + buf.position(), buf.arrayOffset() + buf.limit());
                if (n == ChunkScanner.ERROR) {
                    if (clientHead != null) {
                        clientHead.release(); // never written
                    }
                    a.backendFailed(this, new java.io.IOException("invalid chunked body"));
                    return false;
                }
                last = chunks.done();
                break;
            case Head.UNTIL_CLOSE:
                n = available;
                last = false;
                break;
            default:
                n = 0;
                last = true;
                break;
        }
        if (n == 0 && !last && clientHead == null) {
            BufferUtil.clear(buf);
            fillInterested();
            return false;
        }
        ByteBuffer body = view.limit(buf.position() + n).position(buf.position());
        ByteBuffer[] parts;
        if (clientHead == null) {
            parts = one;
            parts[0] = body;
        } else {
            parts = two;
            parts[0] = clientHead.getByteBuffer();
            parts[1] = body;
        }
        pendingConsumed = n;
        pendingLast = last;
        pendingHead = clientHead;
        write.set(WRITING);
        a.forward(this, parts, n, last, this);
        if (write.compareAndSet(WRITING, PENDING)) {
            return false; // the callback goes on
        }
        // Completed in place: go on in the caller's loop rather than deeper in the callback's stack.
        write.set(NONE);
        return written();
    }

    /** The client write of a response part completed. */
    @Override
    public void succeeded() {
        releasePendingHead();
        if (write.compareAndSet(WRITING, DONE_IN_PLACE)) {
            return; // the writer goes on (see forward)
        }
        write.set(NONE);
        if (written()) {
            process();
        }
    }

    private void releasePendingHead() {
        RetainableByteBuffer h = pendingHead;
        if (h != null) {
            pendingHead = null;
            h.release();
        }
    }

    /** Consumes what was written; true when more of the body is to be read. */
    private boolean written() {
        buf.position(buf.position() + pendingConsumed);
        pendingConsumed = 0;
        Attempt a = attempt;
        if (a == null) {
            return false;
        }
        if (pendingLast) {
            boolean reusable = keepAlive && !buf.hasRemaining();
            served++;
            phase = HEAD;
            a.responseComplete(this, reusable);
            return false;
        }
        return true;
    }

    /** The client write failed: the client went away. */
    @Override
    public void failed(Throwable x) {
        releasePendingHead();
        Attempt a = attempt;
        if (a != null) {
            a.clientWriteFailed(this, x);
        }
        getEndPoint().close(x);
    }

    @Override
    public boolean onIdleExpired(java.util.concurrent.TimeoutException timeout) {
        Attempt a = attempt;
        if (a != null && state.get() == BUSY) {
            a.backendFailed(this, timeout);
        }
        return true;
    }

    @Override
    public void onClose(Throwable cause) {
        int was = state.getAndSet(CLOSED);
        super.onClose(cause);
        if (was == IDLE) {
            engine.pool.remove(this);
        }
        Attempt a = attempt;
        if (a != null && was == BUSY) {
            a.backendClosed(this, cause);
        }
        retained.release();
    }

    boolean isOpen() {
        return state.get() != CLOSED && getEndPoint().isOpen();
    }

    @Override
    public String toConnectionString() {
        return "BackendConnection@" + Integer.toHexString(hashCode()) + '{' + backend.id() + ", served=" + served + '}';
    }
}
