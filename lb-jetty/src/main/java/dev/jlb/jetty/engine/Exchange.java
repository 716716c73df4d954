package dev.jlb.jetty.engine;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.StickyTokens;
import dev.jlb.jetty.internal.Listeners;
import dev.jlb.jetty.internal.Retries;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.Callback;
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
 * {@link Attempt}, which owns one attempt's connection and deadline and reports its outcome here
 * ({@link #failed}, {@link #retryAfterStatus}, {@link #commit}, {@link #proxied}), so that the
 * loop can move onto a shared attempt loop. The exchange is the {@link ProxyRecord} its route's
 * listener is told once, when it finishes.
 *
 * <p>Threading: events come from the client's selector thread, the backend's, and the timer; they
 * serialize on this object (uncontended in the common path), which its attempts lock too.
 */
final class Exchange extends RequestWriter implements RequestContext, ProxyRecord, LoadBalancer.Waiter {

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

        /** Where the exchange takes the buffer of its request head (the connection keeps one for its requests). */
        ByteBufferPool headBuffers();

        /** The client connection's end point, next to which backend connections open (or null). */
        EndPoint clientEndPoint();

        /** Whether the client connection is TLS (the request's scheme is {@code https}). */
        boolean secure();
    }

    /** {@return the client connection's end point, or null} */
    EndPoint clientEndPoint() {
        return client.clientEndPoint();
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
        super(engine, route, head, path, query, client.peerAddress(), client.secure(), client.headBuffers());
        this.client = client;
        this.retries = new Retries(route.retries, startNanos, LOG, this);
    }

    // ---- Starting and retrying ---------------------------------------------------------------

    synchronized void start() {
        retries.onRequest();
        Selection selection;
        try {
            StickyTokens sticky = route.sticky;
            if (route.queued) {
                // The route's overload queue: selected or refused, now or when a lease completes.
                route.loadBalancer.selectOrWait(this, sticky == null ? null : stickyBackend(sticky), this);
                return;
            }
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

    /**
     * {@link LoadBalancer#selectOrWait}'s lease (now, or later on the thread that freed a place):
     * the first attempt starts, unless the client went away while the request waited.
     */
    @Override
    public synchronized void selected(Selection selection) {
        if (finished) {
            selection.close();
            return;
        }
        send(selection, engine.now());
    }

    /** {@link LoadBalancer#selectOrWait}'s refusal: a 503 with the reason. */
    @Override
    public synchronized void refused(NoBackendAvailableException e) {
        finishError(503, e.getMessage(), Outcome.NO_BACKEND);
    }

    /** Under this lock: sends an attempt on {@code selection}, which the attempt then owns. */
    void send(Selection selection, long now) {
        retries.sent(selection.backend());
        Attempt a = new Attempt(this, selection, now);
        attempt = a;
        a.begin();
    }

    /** When the request's total timeout passes, on the engine's clock. */
    long deadlineNanos() {
        return retries.deadline();
    }

    /** Under this lock: {@code again} sends the current attempt's request anew, on a fresh connection. */
    void replace(Attempt again) {
        attempt = again;
    }

    /** Whether the request may be sent again after a stale connection (the method and a replayable body). */
    boolean mayResend() {
        return retries.mayResend(method(), replayable());
    }

    /** An attempt failed before its response headers: retry, or answer with an error. Under this lock. */
    void failed(Attempt a, FailureKind kind) {
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

    /** The selection to retry a response with {@code status} on, or null when it goes to the client. Under this lock. */
    Selection retryAfterStatus(int status, long now, Backend answered) {
        return retries.next(route.retry.shouldRetryStatus(status, method(), retries.attempts(), replayable()),
                route.retry.shouldRetryStatus(status, method(), 1, replayable()), now, this, answered);
    }

    // ---- Response ----------------------------------------------------------------------------

    /**
     * The response {@code head} of {@code answered} goes to the client: its bytes, in a pooled
     * buffer the caller releases once their write completed or failed. Under this lock.
     */
    RetainableByteBuffer commit(ResponseHead head, Backend answered, ByteBufferPool heads) {
        committed = true;
        clientStatus = head.status;
        boolean close = !clientKeepAlive() || engine.isShutdown() || head.framing == Head.UNTIL_CLOSE;
        responseClose = close;
        return responseHead(head, answered, close, heads);
    }

    /** Writes a response part ({@code parts}: the client head first, when it goes too) of {@code bodyBytes} body bytes to the client. */
    void forward(ByteBuffer[] parts, int bodyBytes, Callback callback) {
        responseBytes += bodyBytes;
        client.write(callback, parts);
    }

    /**
     * Under this lock: the response went to the client in full ({@code sent}: and the request's
     * body to the backend); whether the client connection is kept alive.
     */
    boolean proxied(boolean sent) {
        boolean keepAlive = sent && !responseClose;
        finish(Outcome.PROXIED);
        return keepAlive;
    }

    /** Outside the lock, after {@link #proxied}: the client connection takes its next request, or closes. */
    void responseDone(boolean keepAlive) {
        client.responseDone(keepAlive);
    }

    /** Under this lock: the backend's response is not valid HTTP ({@code why}); a 502, not retried. */
    void badResponse(String why) {
        finishError(502, retries.reason(why), Outcome.FAILED);
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
                a.abandon();
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
        // Nothing reads the head after this (its attempts are done; the record was valid until now).
        releaseHead();
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
            a.abandon();
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
}
