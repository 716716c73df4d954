package dev.jlb.jetty.internal;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.RetryBudget;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * The attempts of one client request and the one decision after each attempt's outcome: another
 * backend (excluding those tried) while the {@link RetryPolicy}, the total timeout and the route's
 * {@link RetryBudget} allow, or the answer to the client, counted in
 * {@link LoadBalancer#recordRetriesExhausted()} when the policy would have retried it. Every data
 * path's attempt loop (the Jetty model's and the engine's) keeps its attempts here, so that both
 * decide alike; it knows no transport and no Jetty type. Not API: it may change in any release.
 *
 * <p>The caller says what the policy makes of the outcome ({@link #next}'s {@code wanted} and
 * {@code retryable}), since a data path may add rules of its own (a gRPC call's); what happens
 * then is decided here, and so are the words of the error answer ({@link #failureReason},
 * {@link #reason}).
 *
 * <p>Threading: not thread-safe. One object per request, used by one thread at a time: under the
 * exchange's lock, or by the exchange's serialized events. Its counts are read by the request's
 * listener once the exchange ended.
 */
public final class Retries {

    /** The 502 reason when no attempt could connect to a backend. */
    public static final String REASON_CONNECT = "bad gateway: could not connect to a backend";
    /** The 502 reason when the backend closed the connection before its response headers. */
    public static final String REASON_RESET = "bad gateway: the backend closed the connection before a response";
    /** The 504 reason when no response headers came before the attempt or total timeout. */
    public static final String REASON_TIMEOUT = "gateway timeout: no response from a backend in time";
    /** The 502 reason of a response that is not valid HTTP, or of another failure. */
    public static final String REASON_OTHER = "bad gateway: invalid response from a backend";
    /** The 502 reason when jlb itself failed while handling a backend's answer. */
    public static final String REASON_PROXY = "bad gateway: the proxy failed to handle the backend response";
    /** The 502 reason of a {@code 101} the request did not ask for. */
    public static final String REASON_UPGRADE =
            "bad gateway: the backend switched protocols (101) without being asked to";

    /** {@link #refusal()}: the policy would retry, but the total timeout (or a gRPC deadline) passed. */
    public static final String TOTAL_TIMEOUT = "total timeout";
    /** {@link #refusal()}: the policy would retry, but the route's retry budget refused it. */
    public static final String RETRY_BUDGET = "retry budget";
    /** {@link #refusal()}: the policy would retry, but every eligible backend was tried. */
    public static final String NO_BACKEND_LEFT = "no backend left";
    /** {@link #refusal()}: the policy would retry the outcome, but its attempts (or the budget) ran out. */
    public static final String ATTEMPTS_EXHAUSTED = "attempts exhausted";

    /**
     * What the requests of one route (one adapter, one engine route) share for their retries: the
     * load balancer, the policy, the retry budget and the total timeout. Immutable and thread-safe
     * (the budget is thread-safe).
     */
    public static final class Route {
        private final LoadBalancer loadBalancer;
        private final RetryPolicy policy;
        private final long totalTimeoutNanos;
        /** Whether the retry budget is in force: the policy retries and has a budget. */
        private final boolean budgeted;
        /** The route's retry budget (its requests and retries), shared by its requests. */
        private final RetryBudget budget;

        /**
         * The retry rules of a route.
         *
         * @param loadBalancer selects the backends to retry on
         * @param policy when an outcome is retried
         * @param totalTimeoutNanos how long after its start a request may still be retried
         */
        public Route(LoadBalancer loadBalancer, RetryPolicy policy, long totalTimeoutNanos) {
            this.loadBalancer = loadBalancer;
            this.policy = Objects.requireNonNull(policy, "policy");
            this.totalTimeoutNanos = totalTimeoutNanos;
            this.budgeted = policy.retries() && policy.hasBudget();
            this.budget = policy.newRetryBudget();
        }

        @Override
        public String toString() {
            return "Retries.Route{" + policy + (budgeted ? ", budgeted" : "") + '}';
        }
    }

    private final Route route;
    private final Logger log;
    private final Object exchange;
    private final long startNanos;
    private long deadlineNanos;
    private int attempts;
    private Backend lastBackend;
    private List<Backend> tried;
    private boolean budgetRefused;
    private String refusal;

    /**
     * The retries of a request that started at {@code startNanos}.
     *
     * @param route the route's rules
     * @param startNanos when the request started
     * @param log where a failed selection for a retry is logged
     * @param exchange the request, as named in that log line
     */
    public Retries(Route route, long startNanos, Logger log, Object exchange) {
        this.route = route;
        this.startNanos = startNanos;
        this.deadlineNanos = startNanos + route.totalTimeoutNanos;
        this.log = log;
        this.exchange = exchange;
    }

    /** The request is proxied: it deposits its share of a retry in the route's budget. */
    public void onRequest() {
        if (route.budgeted) {
            route.budget.onRequest(startNanos);
        }
    }

    /**
     * An attempt goes to {@code backend}: one more attempt, and the last backend tried.
     *
     * @param backend the backend
     */
    public void sent(Backend backend) {
        attempts++;
        lastBackend = backend;
    }

    /**
     * The last attempt is sent again to its backend without counting as an attempt (a reused
     * connection was found closed before it reached the backend).
     */
    public void resent() {
        attempts--;
    }

    /**
     * The one "what next" after an attempt's outcome: the selection of another backend, or null
     * when the client is to get this outcome. A retry goes when the policy wants one, the total
     * timeout has not passed, the retry budget allows it and a backend not tried yet is eligible.
     * Otherwise, if the policy would retry this outcome but attempts or the budget ran out, the
     * request is counted in {@link LoadBalancer#recordRetriesExhausted()}; {@link #refusal()} says
     * why a retry the policy wanted did not go.
     *
     * @param wanted whether the policy retries this outcome after the {@link #attempts()} made
     * @param retryable whether the policy retries this outcome at all (after one attempt)
     * @param now the time, in nanoseconds
     * @param request what the strategies see of the request
     * @param failed the backend of the attempt that ended
     * @return the next attempt's selection, which the caller then owns, or null
     */
    public Selection next(boolean wanted, boolean retryable, long now, RequestContext request, Backend failed) {
        refusal = null;
        if (wanted) {
            if (!timeLeft(now)) {
                refusal = TOTAL_TIMEOUT;
            } else if (!budgetAllowsRetry(now)) {
                refusal = RETRY_BUDGET;
            } else {
                Selection candidate = selectNext(request, failed);
                if (candidate != null) {
                    return candidate;
                }
                refusal = NO_BACKEND_LEFT;
            }
        }
        int max = route.policy.maxAttempts();
        if (retryable && max > 1 && (attempts >= max || budgetRefused)) {
            route.loadBalancer.recordRetriesExhausted();
            if (refusal == null) {
                refusal = ATTEMPTS_EXHAUSTED;
            }
        }
        return null;
    }

    /**
     * Another attempt alongside the one in flight (a hedge), on a backend not tried yet: when the
     * policy's attempts, the total timeout and the retry budget allow it.
     *
     * @param now the time, in nanoseconds
     * @param request what the strategies see of the request
     * @param inFlight the backend of the attempt in flight
     * @return the hedge's selection, which the caller then owns, or null
     */
    public Selection hedge(long now, RequestContext request, Backend inFlight) {
        if (attempts >= route.policy.maxAttempts() || !timeLeft(now) || !budgetAllowsRetry(now)) {
            return null;
        }
        return selectNext(request, inFlight);
    }

    /**
     * {@return why the last {@link #next} that returned null did not retry (one of the constants
     * here), or null when the policy would not have retried that outcome}
     */
    public String refusal() {
        return refusal;
    }

    /**
     * Selects a backend not tried yet, after {@code failed}: null when none is eligible (or the
     * selection failed, which is logged).
     */
    private Selection selectNext(RequestContext request, Backend failed) {
        if (tried == null) {
            tried = new ArrayList<>(route.policy.maxAttempts());
        }
        tried.add(failed);
        try {
            return route.loadBalancer.select(request, tried);
        } catch (NoBackendAvailableException e) {
            return null;
        } catch (Throwable e) {
            log.warn("jlb: selecting a backend for a retry failed for {}", exchange, e);
            return null;
        }
    }

    /**
     * Whether the route's retry budget lets this request be retried once more, withdrawing the
     * retry when it does (a refusal shows in {@link #reason}).
     */
    private boolean budgetAllowsRetry(long now) {
        if (!route.budgeted || route.budget.tryRetry(now)) {
            return true;
        }
        budgetRefused = true;
        return false;
    }

    /**
     * Whether the policy lets a request with this method be sent twice: the body can be sent again
     * and the method is idempotent, or the policy retries any method.
     *
     * @param method the request's method
     * @param replayable whether its body, if any, can be sent again byte for byte
     * @return whether it may be sent again
     */
    public boolean mayResend(String method, boolean replayable) {
        return replayable && (RetryPolicy.isIdempotent(method) || route.policy.retryNonIdempotent());
    }

    /**
     * Whether the request may still be retried at {@code now}: its deadline has not passed.
     *
     * @param now the time, in nanoseconds
     * @return whether there is time left
     */
    public boolean timeLeft(long now) {
        return now - deadlineNanos < 0;
    }

    /**
     * {@return when the request's response headers must have arrived: its start plus the total
     * timeout, unless {@linkplain #deadline(long) replaced}}
     */
    public long deadline() {
        return deadlineNanos;
    }

    /**
     * Replaces the request's deadline (a gRPC call's own).
     *
     * @param nanoTime the new deadline
     */
    public void deadline(long nanoTime) {
        deadlineNanos = nanoTime;
    }

    /** {@return when the request started, in nanoseconds} */
    public long startNanos() {
        return startNanos;
    }

    /** {@return the attempts made so far (0 before the first)} */
    public int attempts() {
        return attempts;
    }

    /** {@return the last backend an attempt went to, or null before the first} */
    public Backend lastBackend() {
        return lastBackend;
    }

    /**
     * The client-facing reason of an error answer: {@code reason} with the number of attempts, and
     * whether the retry budget refused one.
     *
     * @param reason the one-line reason of the last outcome
     * @return the reason the client gets
     */
    public String reason(String reason) {
        String withAttempts = attempts > 1 ? reason + " (" + attempts + " attempts)" : reason;
        return budgetRefused ? withAttempts + " (retry budget exhausted)" : withAttempts;
    }

    /**
     * The reason of the error answer after an attempt failed with {@code kind}.
     *
     * @param kind how the last attempt failed
     * @return the one-line reason (before {@link #reason} adds the attempts)
     */
    public static String failureReason(FailureKind kind) {
        return kind == FailureKind.TIMEOUT ? REASON_TIMEOUT
                : kind == FailureKind.CONNECT ? REASON_CONNECT
                : kind == FailureKind.RESET ? REASON_RESET : REASON_OTHER;
    }

    /**
     * The status of the error answer after an attempt failed with {@code kind}: 504 after a
     * timeout, else 502.
     *
     * @param kind how the last attempt failed
     * @return the status
     */
    public static int failureStatus(FailureKind kind) {
        return kind == FailureKind.TIMEOUT ? 504 : 502;
    }

    /**
     * The 502 reason of response headers over the route's limit.
     *
     * @param limit the limit, in bytes ({@code max_response_header_size})
     * @return the reason
     */
    public static String tooLarge(int limit) {
        return "bad gateway: the backend's response headers exceed " + limit + " bytes";
    }

    @Override
    public String toString() {
        return "Retries{attempts=" + attempts + (budgetRefused ? ", budget refused" : "") + '}';
    }
}
