package dev.jlb.jetty.engine;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.StickyTokens;
import dev.jlb.jetty.internal.Listeners;
import dev.jlb.jetty.internal.Retries;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request through the engine: the attempt loop. It selects a backend, sends the request
 * ({@link RequestWriter}), forwards the response, and on a connect failure, a reset, a timeout or a
 * retryable status completes that attempt's {@link Selection} as a failure and tries another
 * backend (excluding those tried) while the route's {@link dev.jlb.RetryPolicy} and retry budget
 * allow and nothing went to the client, replaying the body it kept (up to {@code buffer_limit}).
 * That decision and the attempts' bookkeeping are {@link Retries}', as on the Jetty-model path.
 * Every selection completes exactly once on every path; the client gets the response, a
 * plain-text 502/503/504, or (once committed) a closed connection.
 *
 * <p>The client side is reached only through {@link ClientSide}; the backend side through
 * {@link Attempt}, so that the loop can move onto a shared attempt loop.
 *
 * <p>Threading: events come from the client's selector thread, the backend's, and the timer; they
 * serialize on this object (uncontended in the common path).
 */
final class Exchange extends RequestWriter implements RequestContext, ProxyRecord {

    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

    /** What the loop needs from the client connection. */
    interface ClientSide {
        /** The address of the connection's peer, or null. */
        String peerAddress();

        /** Writes response bytes; {@code callback} completes when written or failed. */
        void write(Callback callback, ByteBuffer... buffers);

        /** Answers with an error status and a one-line plain-text reason. */
        void sendError(int status, String reason, boolean keepAlive);

        /** The response ended: the connection takes its next request, or closes. */
        void responseDone(boolean keepAlive);

        /** Breaks the connection (a truncated response). */
        void abort(Throwable cause);

        /** Asks for more request body bytes; {@link Exchange#pumpBody()} runs when they came. */
        void needBody();

        /** The request body bytes available in the client buffer: {@code [position, limit)}, consumed by advancing. */
        ByteBuffer input();
    }

    private final ClientSide client;
    /** The attempts, the backends tried and the retry decision. */
    private final Retries retries;
    private Attempt attempt;
    private boolean finished;
    private boolean committed;
    private int clientStatus;
    private long responseBytes;
    private Outcome outcome;
    private long endNanos;
    /** Whether the response to the client says {@code Connection: close}. */
    private boolean responseClose;

    Exchange(HttpEngine engine, EngineRoute route, ClientSide client, RequestHead head, String path, String query,
            long startNanos) {
        super(engine, route, head, path, query, client.peerAddress());
        this.client = client;
        this.retries = new Retries(route.retries, startNanos, LOG, this);
    }

    // ---- Starting and retrying ---------------------------------------------------------------

    synchronized void start() {
        retries.onRequest();
        Selection selection;
        try {
            StickyTokens sticky = route.sticky;
            selection = sticky == null ? route.loadBalancer.select(this)
                    : route.loadBalancer.selectPreferring(this, stickyBackend(sticky));
        } catch (NoBackendAvailableException e) {
            finishError(503, e.getMessage(), Outcome.NO_BACKEND);
            return;
        } catch (Throwable e) {
            LOG.warn("jlb: selecting a backend failed for {}", this, e);
            finishError(503, "service unavailable: no backend could be selected", Outcome.PROXY_ERROR);
            return;
        }
        send(selection, retries.startNanos());
    }

    private void send(Selection selection, long now) {
        retries.sent(selection.backend());
        Attempt a = new Attempt(selection, now);
        attempt = a;
        a.begin();
    }

    /** An attempt failed before its response headers: retry, or answer with an error. */
    private void failed(Attempt a, FailureKind kind) {
        long now = engine.now();
        a.selection.onFailure(kind, now - a.startNanos);
        Selection next = retries.next(
                route.retry.shouldRetryFailure(kind, method(), retries.attempts(), replayable()),
                route.retry.shouldRetryFailure(kind, method(), 1, replayable()), now, this, a.selection.backend());
        if (next != null) {
            send(next, now);
            return;
        }
        finishError(Retries.failureStatus(kind), retries.reason(Retries.failureReason(kind)), Outcome.FAILED);
    }

    // ---- Request body ------------------------------------------------------------------------

    /** Sends what the client buffer holds of the body to the current attempt's backend. */
    synchronized void pumpBody() {
        while (true) {
            Attempt a = attempt;
            if (a == null || a.connection == null || a.bodyWriting || a.done || finished || bodyDone()) {
                return;
            }
            ByteBuffer in = client.input();
            int n = bodyBytes(in);
            if (n < 0) {
                a.done = true;
                engine.deadlines().remove(a);
                a.selection.close();
                a.closeConnection();
                finishError(400, "bad request: invalid chunked body", Outcome.FAILED);
                return;
            }
            if (n == 0) {
                if (!bodyDone()) {
                    client.needBody();
                }
                return;
            }
            ByteBuffer part = in.slice(in.position(), n);
            keep(part);
            in.position(in.position() + n);
            a.bodyWriting = true;
            a.pumping = true;
            a.connection.write(a.bodyCallback, part);
            a.pumping = false;
            if (a.bodyWriting) {
                return; // the callback goes on
            }
            // Written in place: go on in this loop rather than deeper in the callback's stack.
        }
    }

    // ---- Finishing ---------------------------------------------------------------------------

    private boolean finish(Outcome how) {
        if (finished) {
            return false;
        }
        finished = true;
        outcome = how;
        endNanos = engine.now();
        route.exit();
        engine.exchangeEnded();
        Listeners.tell(route.options.listener(), this, LOG);
        return true;
    }

    void finishError(int status, String reason, Outcome how) {
        if (committed) {
            if (finish(Outcome.BROKEN)) {
                client.abort(new IOException(reason));
            }
            return;
        }
        clientStatus = status;
        responseBytes = reason.length() + 1L;
        if (finish(how)) {
            client.sendError(status, reason, bodyDone() && status != 400);
        }
    }

    /** The client connection failed or closed while this exchange ran. */
    synchronized void clientGone(Throwable cause) {
        Attempt a = attempt;
        if (a != null && !a.done) {
            a.done = true;
            engine.deadlines().remove(a);
            a.selection.close();
            a.closeConnection();
        }
        if (finish(Outcome.CLIENT_ABORTED)) {
            client.abort(cause);
        }
    }

    // ---- ProxyRecord -------------------------------------------------------------------------

    @Override
    public String prefix() {
        return route.prefix;
    }

    @Override
    public int status() {
        return clientStatus;
    }

    @Override
    public long responseBytes() {
        return responseBytes;
    }

    @Override
    public Backend backend() {
        return retries.lastBackend();
    }

    @Override
    public int attempts() {
        return retries.attempts();
    }

    @Override
    public long latencyNanos() {
        return (endNanos == 0 ? engine.now() : endNanos) - retries.startNanos();
    }

    @Override
    public Outcome outcome() {
        return outcome;
    }

    @Override
    public String toString() {
        return "EngineExchange{" + method() + ' ' + path() + ", attempts=" + retries.attempts() + '}';
    }

    // ---- One attempt -------------------------------------------------------------------------

    /** One attempt on one backend: its connection, its deadline, its selection. */
    final class Attempt implements Deadlines.Entry, Promise<Connection> {
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

        Attempt(Selection selection, long startNanos) {
            this.selection = selection;
            this.startNanos = startNanos;
            this.headCallback = new Callback() {
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
            this.bodyCallback = headCallback;
        }

        boolean headRequest() {
            return isHead();
        }

        int maxResponseHeaderSize() {
            return route.options.maxResponseHeaderSize();
        }

        /** Under the exchange's lock: takes or opens a connection and sends the request. */
        void begin() {
            deadline = Math.min(startNanos + route.attemptTimeoutNanos, retries.deadline());
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
            c.idleTimeout(route.idleTimeoutMillis);
            bodyWriting = true;
            c.write(headCallback, requestBuffers(selection.backend()));
        }

        /** The connection opened (on the client connector's thread). */
        @Override
        public void succeeded(Connection result) {
            BackendConnection c = (BackendConnection) result;
            synchronized (Exchange.this) {
                if (done) {
                    // Timed out or abandoned meanwhile: keep the connection for the next request.
                    c.served = 1;
                    engine.pool.release(c, route.options.maxConnectionsPerBackend());
                    return;
                }
                connecting = false;
                deadline = Math.min(startNanos + route.attemptTimeoutNanos, retries.deadline());
                sendOn(c);
            }
        }

        /** The connection could not open. */
        @Override
        public void failed(Throwable x) {
            synchronized (Exchange.this) {
                if (done) {
                    return;
                }
                done = true;
                engine.deadlines().remove(this);
                engine.pool.forgetAddress(selection.backend());
                Exchange.this.failed(this, FailureKind.CONNECT);
            }
        }

        @Override
        public long deadline() {
            return headers ? Long.MAX_VALUE : deadline;
        }

        @Override
        public void expire() {
            synchronized (Exchange.this) {
                if (done || headers) {
                    return;
                }
                done = true;
                boolean wasConnecting = connecting;
                closeConnection();
                Exchange.this.failed(this, wasConnecting ? FailureKind.CONNECT : FailureKind.TIMEOUT);
            }
        }

        void closeConnection() {
            BackendConnection c = connection;
            if (c != null) {
                c.attempt = null;
                c.getEndPoint().close();
            }
        }

        private void bodyWritten() {
            synchronized (Exchange.this) {
                bodyWriting = false;
                if (!pumping && !done) {
                    pumpBody();
                }
            }
        }

        private void bodyFailed(Throwable x) {
            synchronized (Exchange.this) {
                bodyWriting = false;
                // The read side sees the connection close and decides (a response may already be on its way).
                if (connection != null) {
                    connection.getEndPoint().close(x);
                }
            }
        }

        /** The response head arrived: the client head to write, or null when it is not forwarded. */
        ByteBuffer responseHead(BackendConnection c, ResponseHead head) {
            synchronized (Exchange.this) {
                if (done || connection != c) {
                    c.getEndPoint().close();
                    return null;
                }
                headers = true;
                engine.deadlines().remove(this);
                headersNanos = engine.now();
                status = head.status;
                Selection next = retries.next(
                        route.retry.shouldRetryStatus(status, method(), retries.attempts(), replayable()),
                        route.retry.shouldRetryStatus(status, method(), 1, replayable()), headersNanos, Exchange.this,
                        selection.backend());
                if (next != null) {
                    done = true;
                    selection.onFailure(status, headersNanos - startNanos);
                    closeConnection();
                    send(next, headersNanos);
                    return null;
                }
                committed = true;
                clientStatus = status;
                boolean close = !clientKeepAlive() || engine.isShutdown() || head.framing == Head.UNTIL_CLOSE;
                responseClose = close;
                return responseHeadBytes(head, selection.backend(), close);
            }
        }

        /** Writes a response part to the client. */
        void forward(BackendConnection c, ByteBuffer head, ByteBuffer body, boolean last, Callback callback) {
            responseBytes += body.remaining();
            if (head != null) {
                client.write(callback, head, body);
            } else {
                client.write(callback, body);
            }
        }

        void responseComplete(BackendConnection c, boolean reusable) {
            boolean keepAlive;
            synchronized (Exchange.this) {
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
                boolean sent = bodyDone() && !bodyWriting;
                if (reusable && sent) {
                    engine.pool.release(c, route.options.maxConnectionsPerBackend());
                } else {
                    closeConnection();
                }
                keepAlive = sent && !responseClose;
                finish(Outcome.PROXIED);
            }
            client.responseDone(keepAlive);
        }

        void clientWriteFailed(BackendConnection c, Throwable x) {
            clientGone(x);
        }

        void invalidResponse(BackendConnection c, String why) {
            synchronized (Exchange.this) {
                if (done) {
                    return;
                }
                done = true;
                engine.deadlines().remove(this);
                closeConnection();
                if (headers || why != Retries.REASON_OTHER) {
                    // Not retried: the backend answered, badly (as on the Jetty path).
                    selection.onFailure(FailureKind.OTHER, engine.now() - startNanos);
                    finishError(502, retries.reason(why), Outcome.FAILED);
                } else {
                    Exchange.this.failed(this, FailureKind.OTHER);
                }
            }
        }

        void backendFailed(BackendConnection c, Throwable cause) {
            backendClosed(c, cause);
            c.getEndPoint().close();
        }

        /** The backend connection closed (or failed) while this attempt used it. */
        void backendClosed(BackendConnection c, Throwable cause) {
            synchronized (Exchange.this) {
                if (done || connection != c) {
                    return;
                }
                done = true;
                engine.deadlines().remove(this);
                c.attempt = null;
                FailureKind kind = cause instanceof TimeoutException ? FailureKind.TIMEOUT
                        : cause == null ? FailureKind.RESET : FailureKind.of(cause);
                if (headers) {
                    selection.onFailure(kind, engine.now() - startNanos);
                    finishError(502, Retries.REASON_RESET, Outcome.FAILED);
                    return;
                }
                if (c.served > 0 && !c.received && !retriedFresh && retries.mayResend(method(), replayable())) {
                    // A kept-alive connection the backend had closed: the request never reached it.
                    Attempt again = new Attempt(selection, startNanos);
                    again.retriedFresh = true;
                    attempt = again;
                    again.deadline = deadline;
                    again.connecting = true;
                    engine.deadlines().add(again);
                    engine.pool.connect(selection.backend(), again, again);
                    return;
                }
                Exchange.this.failed(this, kind);
            }
        }

        @Override
        public String toString() {
            return "Attempt{" + selection.backend().id() + (done ? ", done" : "") + '}';
        }
    }
}
