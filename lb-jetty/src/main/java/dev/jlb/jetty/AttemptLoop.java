package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import dev.jlb.jetty.internal.Listeners;
import dev.jlb.jetty.internal.Retries;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request on its way through jlb, whatever the adapter and the transport: it selects a
 * backend, has the {@link Upstream} send an {@link Attempt}, and after each attempt's outcome makes
 * the one decision of {@link #retryAfter}: another backend (excluding those tried) while the
 * {@link RetryPolicy}, the total timeout and the retry budget allow and nothing went to the
 * client, or the answer to the client. That decision and the attempts' bookkeeping are
 * {@link Retries}' (shared with the engine); this loop adds gRPC's rules, explanations
 * ({@link Decision}) and the hedge of a hedged request ({@link Hedging}). Every selection is
 * completed exactly once on every path; the client always gets a response or, once the response
 * was committed, a broken connection; the listener is told once ({@link #finishComplete},
 * {@link #finishError}, {@link #finishAbort}), with the loop as its {@link LoopRecord}.
 *
 * <p>The adapter's {@link ClientSide} is the request view (the strategies' {@code RequestContext})
 * and the response sink; the {@link HeaderRewriter} writes the backend request's headers (this
 * loop is the {@code Consumer} Jetty's client calls for them). No Jetty client type appears here.
 *
 * <p>Threading: attempts run one after another; the events of one attempt are serialized by the
 * transport, except its timer, which only ever aborts the attempt. A hedged request has two
 * attempts at once: its retry decision and its {@link Hedging} then serialize on this object. The
 * exchange ends once (a compare-and-set); the {@link LoopRecord} view is read by the listener
 * once the exchange ended.
 */
final class AttemptLoop extends LoopRecord implements Consumer<HttpFields.Mutable>, LoadBalancer.Waiter {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptLoop.class);

    static final String REASON_PROXY = Retries.REASON_PROXY;

    private static final AtomicIntegerFieldUpdater<AttemptLoop> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(AttemptLoop.class, "finished");

    private final Upstream upstream;
    ReplayableBody body;
    // Attempts sent again because a reused connection turned out closed (see StaleConnections).
    private int staleRetries;
    private volatile Attempt attempt;
    private String requestId;
    private volatile int finished;
    /** The client's sticky cookie that named a current member, or null (sticky sessions off, none, unknown). */
    private StickyTokens.Entry stickyHeld;
    /** The gRPC rules of this request (see {@link GrpcCall}), or null when it is not a gRPC call. */
    GrpcCall grpc;
    /** Whether the client's connection is closed after jlb's own error response (its framing is not trusted). */
    private boolean closeAfterError;
    /** Whether response trailers are relayed: a gRPC call, or a client that said {@code TE: trailers}. */
    boolean trailers;
    /** The explained decision, or null: the request did not ask for one (or may not). */
    private Decision decision;
    /** The {@code X-Jlb-Decision} value the client got, once it went out. */
    private String decisionHeader;
    /** The hedge, or null when this request is not hedged (the common case). Set before the first attempt goes. */
    private Hedging hedge;

    AttemptLoop(ProxyCore core, ClientSide client, Upstream upstream, long startNanos) {
        super(core, client, startNanos, LOG);
        this.upstream = upstream;
    }

    /** Starts proxying. {@code content} is the client's body, or null when the request has none. */
    void start(Content.Source content, long contentLength, String contentType) {
        decision = Decision.of(core, client);
        if (RequestChecks.untrustedFraming(client.protocol(), client.header("Transfer-Encoding"))) {
            closeAfterError = true;
            finishError(HttpStatus.BAD_REQUEST_400, RequestChecks.REASON_FRAMING, Outcome.REFUSED);
            return;
        }
        int refused = RequestChecks.refusal(client.method(), client.path(), core.options);
        if (refused != 0) {
            finishError(refused, RequestChecks.reason(client.method()), Outcome.REFUSED);
            return;
        }
        if (content != null) {
            body = new ReplayableBody(content, contentLength, contentType, core.bufferLimit);
        }
        long startNanos = retries.startNanos();
        grpc = GrpcCall.of(contentType, client.header("grpc-timeout"), startNanos);
        retries.deadline(GrpcCall.deadline(grpc, retries.deadline()));
        trailers = grpc != null || ProxyHeaders.asksForTrailers(client.header("TE"));
        retries.onRequest();
        Selection selection;
        try {
            StickyTokens sticky = core.sticky;
            if (core.queued) {
                // The route's overload queue: selected or refused, now or when a lease completes.
                core.loadBalancer.selectOrWait(context(), sticky == null ? null : stickyBackend(sticky), this);
                return;
            }
            selection = sticky == null ? core.loadBalancer.select(context())
                    : core.loadBalancer.selectPreferring(context(), stickyBackend(sticky));
        } catch (NoBackendAvailableException e) {
            finishError(HttpStatus.SERVICE_UNAVAILABLE_503, e.getMessage(), Outcome.NO_BACKEND);
            return;
        } catch (Throwable e) {
            LOG.warn("jlb: selecting a backend failed for {}", this, e);
            finishError(HttpStatus.SERVICE_UNAVAILABLE_503, "service unavailable: no backend could be selected",
                    Outcome.PROXY_ERROR);
            return;
        }
        send(selection, startNanos);
    }

    /** {@link LoadBalancer#selectOrWait}'s lease: the first attempt starts. */
    @Override
    public void selected(Selection selection) {
        send(selection, System.nanoTime());
    }

    /** {@link LoadBalancer#selectOrWait}'s refusal: a 503 with the reason. */
    @Override
    public void refused(NoBackendAvailableException e) {
        finishError(HttpStatus.SERVICE_UNAVAILABLE_503, e.getMessage(), Outcome.NO_BACKEND);
    }

    /** Sends an attempt on {@code selection}, which this loop then owns. */
    void send(Selection selection, long now) {
        long remaining = retries.deadline() - now;
        long hedgeNanos = retries.attempts() == 0 && hedge == null
                ? Hedging.delay(core, client.method(), body != null, grpc != null, now) : -1;
        if (hedgeNanos > 0) {
            hedge = new Hedging(this);
        }
        Hedging h = hedge;
        if (h != null) {
            h.sending(selection.backend());
        } else {
            retries.sent(selection.backend());
        }
        Decision d = decision;
        if (d != null) {
            d.selected(selection.backend(), stickyHeld != null && stickyHeld.backend.equals(selection.backend()));
        }
        Attempt next;
        try {
            next = upstream.newAttempt(this, selection, now,
                    selection.backend().uri().toString() + client.targetPath());
        } catch (Throwable x) {
            LOG.warn("jlb: could not build the request to {} for {}", selection.backend(), this, x);
            selection.close();
            finishError(HttpStatus.BAD_GATEWAY_502, REASON_PROXY, Outcome.PROXY_ERROR);
            return;
        }
        attempt = next;
        if (h != null) {
            h.sent(next);
        }
        try {
            next.watch(core.timeouts(), now + GrpcCall.attemptNanos(grpc, core.attemptTimeoutNanos, remaining));
            next.send();
            if (hedgeNanos > 0) {
                h.arm(now + hedgeNanos);
            }
        } catch (Throwable x) {
            // The transport reports failures to the attempt; a throw here means it is stopped or broken.
            LOG.warn("jlb: could not send the request to {} for {}", selection.backend(), this, x);
            next.cancelTimer();
            selection.close();
            finishError(HttpStatus.BAD_GATEWAY_502, REASON_PROXY, Outcome.PROXY_ERROR);
        }
    }

    /**
     * Sends the request again to {@code failed}'s backend after a reused connection turned out closed
     * before any response byte: no failure counted, no attempt of the retry policy used, at most
     * {@link StaleConnections#MAX_RETRIES} times, for methods the policy may repeat with a replayable
     * body. False when it may not (the caller then treats the failure as any other).
     */
    boolean resendAfterStale(Selection failed, long now) {
        if (staleRetries >= StaleConnections.MAX_RETRIES || !retries.mayResend(client.method(), replayable())
                || !retries.timeLeft(now)) {
            return false;
        }
        Selection again = StaleConnections.sameBackend(core.loadBalancer, context(), failed.backend());
        if (again == null) {
            return false;
        }
        failed.close();
        staleRetries++;
        retries.resent();
        LOG.debug("jlb: {} closed a reused connection before answering; sending again for {}",
                failed.backend().id(), this);
        send(again, now);
        return true;
    }

    /** Writes the backend request's headers (called by the transport for each attempt). */
    @Override
    public void accept(HttpFields.Mutable out) {
        requestId = core.headers.copyRequestHeaders(client, requestId, trailers, out);
        if (decision != null) {
            out.remove(Decision.REQUEST_HEADER); // it may hold the token: for jlb, not for backends
        }
    }

    /**
     * The one "what next" after an attempt's outcome, a response status and its {@code headers}
     * ({@code kind} null) or a failure (whether the request had {@code begun} on a connection):
     * the selection of another backend to retry on, or null when the client is to get this
     * outcome (then the request is counted in {@code retriesExhausted} if the policy would have
     * retried it but attempts or the budget ran out).
     */
    Selection retryAfter(int status, HttpFields headers, FailureKind kind, boolean begun, long now, Backend failed) {
        if (hedge != null) {
            synchronized (this) { // two attempts of a hedged request may end at once
                return decideRetry(status, headers, kind, begun, now, failed);
            }
        }
        return decideRetry(status, headers, kind, begun, now, failed);
    }

    private Selection decideRetry(int status, HttpFields headers, FailureKind kind, boolean begun, long now,
            Backend failed) {
        Selection candidate = retries.next(wouldRetry(status, headers, kind, begun, retries.attempts()),
                wouldRetry(status, headers, kind, begun, 1), now, context(), failed);
        Decision d = decision;
        if (d != null) {
            String refusal = retries.refusal();
            d.attempted(failed, status, kind, candidate != null ? "retry(" + Decision.retryReason(status, kind) + ")"
                    : refusal == null ? null : "no_retry(" + refusal + ")");
        }
        return candidate;
    }

    /** What the strategies see of the request: the client side, or the decision that carries an explanation. */
    RequestContext context() {
        Decision d = decision;
        return d == null ? client : d;
    }

    /**
     * Adds the {@code X-Jlb-Decision} header to the response about to be forwarded, for an explained
     * request, and records the decision now: before the client can have the response and ask the
     * admin API for it.
     */
    void explainResponse() {
        Decision d = decision;
        if (d != null) {
            decisionHeader = d.header();
            client.putOwnResponseHeader(Decision.RESPONSE_HEADER, decisionHeader);
            d.record(core.decisions, clientStatus, decisionHeader);
        }
    }

    /** Whether the retry policy (and a gRPC call's rules) would retry this outcome after {@code attemptsMade}. */
    boolean wouldRetry(int status, HttpFields headers, FailureKind kind, boolean begun, int attemptsMade) {
        RetryPolicy retry = core.retry;
        String method = client.method();
        boolean replayable = replayable();
        if (kind != null) {
            return retry.shouldRetryFailure(kind, method, attemptsMade, replayable)
                    && GrpcCall.allowsFailureRetry(grpc, begun, body);
        }
        boolean policy = retry.shouldRetryStatus(status, method, attemptsMade, replayable);
        return GrpcCall.allowsStatusRetry(grpc, policy, status, headers, retry, attemptsMade, body);
    }

    boolean replayable() {
        return body == null || body.replayable();
    }

    /** Whether reading the client's body failed (then a failed attempt is the client's doing). */
    boolean clientBodyFailed() {
        return body != null && body.clientFailure() != null;
    }

    /** The backend named by the client's sticky cookie, or null; remembers the cookie for {@link #issueStickyCookie}. */
    private Backend stickyBackend(StickyTokens sticky) {
        StickyTokens.Entry held = client.findStickyCookie(sticky);
        stickyHeld = held;
        return held == null ? null : held.backend;
    }

    /** Sets the sticky cookie for the backend whose response goes to the client, unless the client holds it. */
    void issueStickyCookie(Backend answered) {
        StickyTokens sticky = core.sticky;
        if (sticky == null) {
            return;
        }
        String value = sticky.setCookie(answered, stickyHeld, "https".equalsIgnoreCase(client.scheme()),
                client.mountPath());
        if (value != null) {
            client.addOwnResponseHeader(HttpHeader.SET_COOKIE, value);
        }
    }

    /**
     * The client went away or failed while an attempt was in flight (called by adapters that learn
     * of it before a write fails): aborts the attempt; its selection completes as cancelled.
     */
    void clientFailed(Throwable cause) {
        Hedging h = hedge;
        if (h != null) {
            h.clientFailed(cause);
            return;
        }
        Attempt current = attempt;
        if (current != null) {
            current.abort(new ClientGoneException(cause));
        }
    }

    /** The hedge, or null when this request is not hedged (then its attempts claim their answer there). */
    Hedging hedge() {
        return hedge;
    }

    /** The explained decision, or null. */
    Decision decision() {
        return decision;
    }

    /** Whether the exchange has ended (the client got, or is getting, its answer). */
    boolean isFinished() {
        return finished != 0;
    }

    // ---- Finishing ------------------------------------------------------------------------------

    private boolean finish() {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return false;
        }
        Hedging h = hedge;
        if (h != null) {
            h.disarm();
        }
        return true;
    }

    void finishComplete() {
        if (finish()) {
            ended(Outcome.PROXIED);
            try {
                client.complete();
            } catch (Throwable x) {
                LOG.debug("jlb: completing the response failed for {}", this, x);
                abortQuietly(x);
            }
        }
    }

    /**
     * Ends the exchange with an error: {@code status} and a one-line {@code reason} when nothing was
     * sent to the client yet, else a broken response.
     */
    void finishError(int status, String reason, Outcome how) {
        if (finish()) {
            try {
                if (client.isCommitted()) {
                    ended(how == Outcome.PROXY_ERROR ? how : Outcome.BROKEN);
                    client.abort(new IOException(reason));
                } else {
                    clientStatus = status;
                    responseBytes = reason.length() + 1L;
                    ended(how);
                    if (grpc != null) {
                        client.sendGrpcStatus(status, GrpcCall.localStatus(status), reason);
                    } else {
                        client.sendError(status, reason, closeAfterError, decisionHeader);
                    }
                }
            } catch (Throwable x) {
                LOG.debug("jlb: sending {} failed for {}", status, this, x);
                abortQuietly(x);
            }
        }
    }

    /** Ends the exchange because the client went away. */
    void finishAbort(Throwable cause) {
        if (finish()) {
            ended(Outcome.CLIENT_ABORTED);
            abortQuietly(cause);
        }
    }

    /**
     * Records how the exchange ended and tells the listener, before the response is completed or
     * aborted: a servlet request may be recycled once its async cycle completes.
     */
    private void ended(Outcome how) {
        stop(how);
        Decision d = decision;
        if (d != null && decisionHeader == null) {
            // An answer of jlb's own (or a broken one): the header goes with it, recorded first.
            d.ended(how);
            decisionHeader = d.header();
            d.record(core.decisions, clientStatus, decisionHeader);
        }
        Listeners.tell(core.options.listener(), this, LOG);
    }

    private void abortQuietly(Throwable cause) {
        try {
            client.abort(cause);
        } catch (Throwable x) {
            LOG.debug("jlb: aborting the response failed for {}", this, x);
        }
    }

    @Override
    public String toString() {
        return "AttemptLoop{" + client.method() + ' ' + client.path() + ", attempts=" + retries.attempts()
                + (requestId == null ? "" : ", id=" + requestId) + '}';
    }
}
