package dev.jlb.jetty.engine;

import dev.jlb.FailureKind;
import dev.jlb.Selection;
import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.internal.Retries;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * One attempt of an {@link Exchange} on one backend: its connection (taken from the
 * {@link BackendPool} or opened), its deadline, and its {@link Selection}, which it completes when
 * the response has ended or hands back to the exchange with the attempt's failure. The events of
 * its {@link BackendConnection} (the response head, its parts, its end, a close or a bad response)
 * arrive here; what they mean for the request (a retry, the answer to the client) is the
 * exchange's to decide.
 *
 * <p>Threading: every event runs under the exchange's lock (the connection's selector thread, the
 * client's, the connect promise's and the deadline timer's), except {@link #forward}, which the
 * connection calls one part at a time. Once {@link #done}, later events are ignored.
 */
final class Attempt implements Deadlines.Entry, Promise<Connection> {
    final Exchange exchange;
    final Selection selection;
    final long startNanos;
    BackendConnection connection;
    boolean done;
    boolean connecting;
    boolean headers;
    boolean bodyWriting;
    /** Whether {@link Exchange#pumpBody()} is writing (a write completed in place goes on in its loop). */
    boolean pumping;
    boolean retriedFresh;
    private long deadline;
    private int status;
    private long headersNanos;
    final Callback bodyCallback;
    private final Callback headCallback;
    /** The request head being written, released when its write completed or failed. */
    private RetainableByteBuffer requestHead;

    Attempt(Exchange exchange, Selection selection, long startNanos) {
        this.exchange = exchange;
        this.selection = selection;
        this.startNanos = startNanos;
        this.bodyCallback = new Callback() {
            @Override
            public void succeeded() {
                bodyWritten();
            }

            @Override
            public void failed(Throwable x) {
                bodyFailed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        };
        this.headCallback = new Callback() {
            @Override
            public void succeeded() {
                releaseRequestHead();
                bodyWritten();
            }

            @Override
            public void failed(Throwable x) {
                releaseRequestHead();
                bodyFailed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        };
    }

    /** The head's write completed or failed (once: the connection calls its callback once): its buffer goes back. */
    private void releaseRequestHead() {
        RetainableByteBuffer h = requestHead;
        requestHead = null;
        h.release();
    }

    boolean headRequest() {
        return exchange.isHead();
    }

    int maxResponseHeaderSize() {
        return exchange.route.options.maxResponseHeaderSize();
    }

    /** Under the exchange's lock: takes or opens a connection and sends the request. */
    void begin() {
        EngineRoute route = exchange.route;
        HttpEngine engine = exchange.engine;
        deadline = Math.min(startNanos + route.attemptTimeoutNanos, exchange.deadlineNanos());
        BackendConnection c = engine.pool.acquire(selection.backend(), this);
        if (c != null) {
            engine.deadlines().add(this);
            sendOn(c);
            return;
        }
        connecting = true;
        deadline = Math.min(deadline, startNanos + route.connectTimeoutNanos);
        engine.deadlines().add(this);
        engine.pool.connect(selection.backend(), this, this);
    }

    private void sendOn(BackendConnection c) {
        connection = c;
        c.received = false;
        c.idleTimeout(exchange.route.idleTimeoutMillis);
        bodyWriting = true;
        RetainableByteBuffer h = exchange.requestHead(selection.backend(), c.requestHeads);
        requestHead = h;
        ByteBuffer replay = exchange.replayBuffer();
        if (replay == null) {
            c.write(headCallback, h.getByteBuffer());
        } else {
            c.write(headCallback, h.getByteBuffer(), replay);
        }
    }

    /** The connection opened (on the client connector's thread). */
    @Override
    public void succeeded(Connection result) {
        BackendConnection c = (BackendConnection) result;
        synchronized (exchange) {
            if (done) {
                // Timed out or abandoned meanwhile: keep the connection for the next request.
                c.served = 1;
                exchange.engine.pool.release(c, exchange.route.options.maxConnectionsPerBackend());
                return;
            }
            connecting = false;
            deadline = Math.min(startNanos + exchange.route.attemptTimeoutNanos, exchange.deadlineNanos());
            sendOn(c);
        }
    }

    /** The connection could not open. */
    @Override
    public void failed(Throwable x) {
        synchronized (exchange) {
            if (done) {
                return;
            }
            done = true;
            exchange.engine.deadlines().remove(this);
            exchange.engine.pool.forgetAddress(selection.backend());
            exchange.failed(this, FailureKind.CONNECT);
        }
    }

    @Override
    public long deadline() {
        return headers ? Long.MAX_VALUE : deadline;
    }

    @Override
    public void expire() {
        synchronized (exchange) {
            if (done || headers) {
                return;
            }
            done = true;
            boolean wasConnecting = connecting;
            closeConnection();
            exchange.failed(this, wasConnecting ? FailureKind.CONNECT : FailureKind.TIMEOUT);
        }
    }

    /** Under the exchange's lock: ends the attempt unanswered (its selection cancelled, its connection closed). */
    void abandon() {
        done = true;
        exchange.engine.deadlines().remove(this);
        selection.close();
        closeConnection();
    }

    void closeConnection() {
        BackendConnection c = connection;
        if (c != null) {
            c.attempt = null;
            c.getEndPoint().close();
        }
    }

    private void bodyWritten() {
        synchronized (exchange) {
            bodyWriting = false;
            if (!pumping && !done) {
                exchange.pumpBody();
            }
        }
    }

    private void bodyFailed(Throwable x) {
        synchronized (exchange) {
            bodyWriting = false;
            // The read side sees the connection close and decides (a response may already be on its way).
            if (connection != null) {
                connection.getEndPoint().close(x);
            }
        }
    }

    /**
     * The response head arrived: the client head to write (a pooled buffer the caller releases
     * once its write completed or failed), or null when it is not forwarded.
     */
    RetainableByteBuffer responseHead(BackendConnection c, ResponseHead head) {
        synchronized (exchange) {
            if (done || connection != c) {
                c.getEndPoint().close();
                return null;
            }
            headers = true;
            exchange.engine.deadlines().remove(this);
            headersNanos = exchange.engine.now();
            status = head.status;
            Selection next = exchange.retryAfterStatus(status, headersNanos, selection.backend());
            if (next != null) {
                done = true;
                selection.onFailure(status, headersNanos - startNanos);
                closeConnection();
                exchange.send(next, headersNanos);
                return null;
            }
            return exchange.commit(head, selection.backend(), c.responseHeads);
        }
    }

    /** Writes a response part to the client. */
    void forward(BackendConnection c, ByteBuffer[] parts, int bodyBytes, boolean last, Callback callback) {
        exchange.forward(parts, bodyBytes, callback);
    }

    void responseComplete(BackendConnection c, boolean reusable) {
        boolean keepAlive;
        synchronized (exchange) {
            if (done) {
                return;
            }
            done = true;
            long latency = headersNanos - startNanos;
            if (status >= 500) {
                selection.onFailure(status, latency);
            } else {
                selection.onSuccess(status, latency);
            }
            boolean sent = exchange.bodyDone() && !bodyWriting;
            if (reusable && sent) {
                exchange.engine.pool.release(c, exchange.route.options.maxConnectionsPerBackend());
            } else {
                closeConnection();
            }
            keepAlive = exchange.proxied(sent);
        }
        exchange.responseDone(keepAlive);
    }

    void clientWriteFailed(BackendConnection c, Throwable x) {
        exchange.clientGone(x);
    }

    void invalidResponse(BackendConnection c, String why) {
        synchronized (exchange) {
            if (done) {
                return;
            }
            done = true;
            exchange.engine.deadlines().remove(this);
            closeConnection();
            if (headers || why != Retries.REASON_OTHER) {
                // Not retried: the backend answered, badly (as on the Jetty path).
                selection.onFailure(FailureKind.OTHER, exchange.engine.now() - startNanos);
                exchange.badResponse(why);
            } else {
                exchange.failed(this, FailureKind.OTHER);
            }
        }
    }

    void backendFailed(BackendConnection c, Throwable cause) {
        backendClosed(c, cause);
        c.getEndPoint().close();
    }

    /** The backend connection closed (or failed) while this attempt used it. */
    void backendClosed(BackendConnection c, Throwable cause) {
        synchronized (exchange) {
            if (done || connection != c) {
                return;
            }
            done = true;
            HttpEngine engine = exchange.engine;
            engine.deadlines().remove(this);
            c.attempt = null;
            FailureKind kind = cause instanceof TimeoutException ? FailureKind.TIMEOUT
                    : cause == null ? FailureKind.RESET : FailureKind.of(cause);
            if (headers) {
                selection.onFailure(kind, engine.now() - startNanos);
                exchange.finishError(502, Retries.REASON_RESET, ProxyRecord.Outcome.FAILED);
                return;
            }
            if (c.served > 0 && !c.received && !retriedFresh && exchange.mayResend()) {
                // A kept-alive connection the backend had closed: the request never reached it.
                Attempt again = new Attempt(exchange, selection, startNanos);
                again.retriedFresh = true;
                exchange.replace(again);
                again.deadline = deadline;
                again.connecting = true;
                engine.deadlines().add(again);
                engine.pool.connect(selection.backend(), again, again);
                return;
            }
            exchange.failed(this, kind);
        }
    }

    @Override
    public String toString() {
        return "Attempt{" + selection.backend().id() + (done ? ", done" : "") + '}';
    }
}
