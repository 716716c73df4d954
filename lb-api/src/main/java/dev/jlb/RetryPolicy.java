package dev.jlb;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When a request that failed on one backend is sent again to another: the rules, as an immutable
 * value with pure decision methods that the adapters (the Jetty servlet, filter and handler) call.
 *
 * <p>An attempt is retried only when all of these hold:
 * <ul>
 *   <li>fewer than {@link #maxAttempts()} attempts were made (the first attempt counts);</li>
 *   <li>the request body, if any, can be sent again byte for byte ({@code bodyReplayable}: it was
 *       buffered because it fits in {@link #bufferLimitBytes()}, or not a byte of it was read yet);</li>
 *   <li>the failure is retryable:
 *     <ul>
 *       <li>{@link FailureKind#CONNECT} (the backend never saw the request): for every method;</li>
 *       <li>{@link FailureKind#RESET} or {@link FailureKind#TIMEOUT} (the backend may have seen
 *           it), or a status in {@link #retryableStatuses()}: only for idempotent methods
 *           ({@link #isIdempotent(String)}), unless {@link #retryNonIdempotent()} is set;</li>
 *       <li>{@link FailureKind#OTHER} (a malformed response, an unknown failure) and
 *           {@link FailureKind#STATUS}: never as a transport failure (statuses go through
 *           {@link #shouldRetryStatus}).</li>
 *     </ul>
 *   </li>
 * </ul>
 * The adapters add two rules of their own: nothing is retried once any part of the response went
 * to the client, and a route's requests being retried stay within its <em>retry budget</em>
 * ({@link #withinBudget(int, int)}).
 *
 * <p><b>Retry budget.</b> When backends fail together (an overload, a bad deploy), retries multiply
 * the load exactly when there is least room for it. As Envoy's retry budgets do, at most
 * {@link #budgetPercent()} percent of the requests in flight on a route may be retries at any moment,
 * but never fewer than {@link #minRetryConcurrency()} (so that a quiet route can still retry).
 * Default: 20% and 3. A request the budget refuses gets the failed attempt's answer, with
 * {@code (retry budget exhausted)} in the reason when jlb writes the error itself.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *         .maxAttempts(2)
 *         .retryableStatuses(502, 503)
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe. The decision methods take no lock and allocate nothing.
 */
public final class RetryPolicy {

    /** Attempts in total, the first one included, of a policy built without {@link Builder#maxAttempts}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /** The largest {@link Builder#maxAttempts} accepted. */
    public static final int MAX_ATTEMPTS_LIMIT = 100;

    /** Request bodies up to this many bytes are kept so that a retry can re-send them (64 KiB). */
    public static final int DEFAULT_BUFFER_LIMIT_BYTES = 64 * 1024;

    /** The largest {@link Builder#bufferLimitBytes} accepted (64 MiB). */
    public static final int MAX_BUFFER_LIMIT_BYTES = 64 * 1024 * 1024;

    /** Whether a policy built without {@link Builder#retryNonIdempotent} retries non-idempotent methods. */
    public static final boolean DEFAULT_RETRY_NON_IDEMPOTENT = false;

    /** The statuses retried by a policy built without {@link Builder#retryableStatuses}: 502, 503, 504. */
    public static final Set<Integer> DEFAULT_RETRYABLE_STATUSES = Collections.unmodifiableSet(new TreeSet<>(
            Arrays.asList(502, 503, 504)));

    /** Percent of a route's requests in flight that may be retries at once (20, as Envoy's default budget). */
    public static final int DEFAULT_BUDGET_PERCENT = 20;

    /** Retries in flight that the budget always allows, whatever the traffic (3, as Envoy's). */
    public static final int DEFAULT_MIN_RETRY_CONCURRENCY = 3;

    private static final RetryPolicy DEFAULTS = new Builder().build();
    private static final RetryPolicy NONE = new Builder().maxAttempts(1).build();

    private final int maxAttempts;
    private final boolean[] retryableStatus; // indexed by status, 100..599
    private final Set<Integer> retryableStatuses;
    private final boolean retryNonIdempotent;
    private final int bufferLimitBytes;
    private final int budgetPercent;
    private final int minRetryConcurrency;

    private RetryPolicy(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.retryableStatuses = Collections.unmodifiableSet(new TreeSet<>(builder.retryableStatuses));
        this.retryableStatus = new boolean[600];
        for (int status : retryableStatuses) {
            retryableStatus[status] = true;
        }
        this.retryNonIdempotent = builder.retryNonIdempotent;
        this.bufferLimitBytes = builder.bufferLimitBytes;
        this.budgetPercent = builder.budgetPercent;
        this.minRetryConcurrency = builder.minRetryConcurrency;
    }

    /** The policy with every default: 3 attempts, statuses 502, 503, 504, idempotent methods, 64 KiB bodies. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** A policy that never retries (one attempt). */
    public static RetryPolicy none() {
        return NONE;
    }

    /** A new builder, starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy's settings. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.maxAttempts = maxAttempts;
        builder.retryableStatuses.clear();
        builder.retryableStatuses.addAll(retryableStatuses);
        builder.retryNonIdempotent = retryNonIdempotent;
        builder.bufferLimitBytes = bufferLimitBytes;
        builder.budgetPercent = budgetPercent;
        builder.minRetryConcurrency = minRetryConcurrency;
        return builder;
    }

    /** Attempts in total, the first one included (default {@value #DEFAULT_MAX_ATTEMPTS}); 1 means no retry. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The response statuses that make an attempt fail and be retried (default 502, 503, 504), sorted. */
    public Set<Integer> retryableStatuses() {
        return retryableStatuses;
    }

    /** Whether {@code status} is one of {@link #retryableStatuses()}. */
    public boolean isRetryableStatus(int status) {
        return status >= 100 && status < 600 && retryableStatus[status];
    }

    /**
     * Whether methods that are not idempotent (POST, PATCH, ...) are retried after the backend may
     * have seen them (default {@value #DEFAULT_RETRY_NON_IDEMPOTENT}). Every method is retried after a
     * connect failure either way.
     */
    public boolean retryNonIdempotent() {
        return retryNonIdempotent;
    }

    /**
     * The largest request body kept in memory so that a retry can re-send it (default
     * {@value #DEFAULT_BUFFER_LIMIT_BYTES}). A larger body is streamed and is never re-sent once a
     * byte of it went to a backend.
     */
    public int bufferLimitBytes() {
        return bufferLimitBytes;
    }

    /**
     * Percent of the requests in flight on a route that may be retries at once (default
     * {@value #DEFAULT_BUDGET_PERCENT}); 0 when the policy has no budget.
     */
    public int budgetPercent() {
        return budgetPercent;
    }

    /** Retries in flight the budget always allows (default {@value #DEFAULT_MIN_RETRY_CONCURRENCY}). */
    public int minRetryConcurrency() {
        return minRetryConcurrency;
    }

    /** Whether retries are limited by a budget. */
    public boolean hasBudget() {
        return budgetPercent > 0;
    }

    /**
     * Whether one more request may start being retried on a route that has {@code activeRequests}
     * requests in flight, {@code activeRetries} of them being retried: true without a budget, else
     * when {@code activeRetries < max(minRetryConcurrency, activeRequests * budgetPercent / 100)}.
     */
    public boolean withinBudget(int activeRequests, int activeRetries) {
        if (budgetPercent == 0) {
            return true;
        }
        long allowed = Math.max(minRetryConcurrency, (long) activeRequests * budgetPercent / 100);
        return activeRetries < allowed;
    }

    /** Whether this policy ever retries ({@code maxAttempts > 1}). */
    public boolean retries() {
        return maxAttempts > 1;
    }

    /**
     * Whether an HTTP method is idempotent for retries: GET, HEAD, OPTIONS, TRACE, PUT and DELETE
     * (RFC 9110, section 9.2.2), compared case-sensitively as HTTP methods are.
     */
    public static boolean isIdempotent(String method) {
        if (method == null) {
            return false;
        }
        switch (method) {
            case "GET":
            case "HEAD":
            case "OPTIONS":
            case "TRACE":
            case "PUT":
            case "DELETE":
                return true;
            default:
                return false;
        }
    }

    /**
     * Whether an attempt that failed without a response may be retried.
     *
     * @param kind why the attempt failed
     * @param method the request's HTTP method
     * @param attemptsMade attempts made so far, the failed one included ({@code >= 1})
     * @param bodyReplayable whether the request body (if any) can be sent again byte for byte
     */
    public boolean shouldRetryFailure(FailureKind kind, String method, int attemptsMade, boolean bodyReplayable) {
        if (attemptsMade >= maxAttempts || !bodyReplayable || kind == null) {
            return false;
        }
        switch (kind) {
            case CONNECT:
                return true;
            case RESET:
            case TIMEOUT:
                return retryNonIdempotent || isIdempotent(method);
            default:
                return false;
        }
    }

    /**
     * Whether an attempt answered with {@code status} may be retried: the status is retryable, the
     * method may be retried after the backend saw it, attempts are left and the body is replayable.
     *
     * @param status the backend's response status
     * @param method the request's HTTP method
     * @param attemptsMade attempts made so far, the answered one included ({@code >= 1})
     * @param bodyReplayable whether the request body (if any) can be sent again byte for byte
     */
    public boolean shouldRetryStatus(int status, String method, int attemptsMade, boolean bodyReplayable) {
        return attemptsMade < maxAttempts && bodyReplayable && isRetryableStatus(status)
                && (retryNonIdempotent || isIdempotent(method));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RetryPolicy)) {
            return false;
        }
        RetryPolicy that = (RetryPolicy) o;
        return maxAttempts == that.maxAttempts && retryNonIdempotent == that.retryNonIdempotent
                && bufferLimitBytes == that.bufferLimitBytes && retryableStatuses.equals(that.retryableStatuses)
                && budgetPercent == that.budgetPercent && minRetryConcurrency == that.minRetryConcurrency;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, retryableStatuses, retryNonIdempotent, bufferLimitBytes, budgetPercent,
                minRetryConcurrency);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", retryableStatuses=" + retryableStatuses
                + ", retryNonIdempotent=" + retryNonIdempotent + ", bufferLimitBytes=" + bufferLimitBytes
                + ", budget=" + (budgetPercent == 0 ? "none" : budgetPercent + "% min " + minRetryConcurrency) + '}';
    }

    /**
     * Builds a {@link RetryPolicy}, starting from the defaults. Each setter validates its argument at
     * once. Not thread-safe.
     */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private final Set<Integer> retryableStatuses = new TreeSet<>(DEFAULT_RETRYABLE_STATUSES);
        private boolean retryNonIdempotent = DEFAULT_RETRY_NON_IDEMPOTENT;
        private int bufferLimitBytes = DEFAULT_BUFFER_LIMIT_BYTES;
        private int budgetPercent = DEFAULT_BUDGET_PERCENT;
        private int minRetryConcurrency = DEFAULT_MIN_RETRY_CONCURRENCY;

        Builder() {
        }

        /**
         * Attempts in total, the first one included (default {@value #DEFAULT_MAX_ATTEMPTS}); 1
         * disables retries. The configuration file's {@code max_retry_limit} maps here.
         *
         * @throws IllegalArgumentException unless {@code 1 <= maxAttempts <= MAX_ATTEMPTS_LIMIT}
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
            }
            if (maxAttempts > MAX_ATTEMPTS_LIMIT) {
                throw new IllegalArgumentException(
                        "maxAttempts: " + maxAttempts + " (expected: <= " + MAX_ATTEMPTS_LIMIT + ")");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * The response statuses retried on another backend (default 502, 503, 504), replacing the
         * current set; none disables status retries.
         *
         * @throws IllegalArgumentException when a status is outside {@code 500..599}
         */
        public Builder retryableStatuses(int... statuses) {
            Objects.requireNonNull(statuses, "statuses");
            Set<Integer> set = new TreeSet<>();
            for (int status : statuses) {
                set.add(checkStatus(status));
            }
            retryableStatuses.clear();
            retryableStatuses.addAll(set);
            return this;
        }

        /** As {@link #retryableStatuses(int...)}. */
        public Builder retryableStatuses(Collection<Integer> statuses) {
            Objects.requireNonNull(statuses, "statuses");
            Set<Integer> set = new TreeSet<>();
            for (Integer status : statuses) {
                set.add(checkStatus(Objects.requireNonNull(status, "status")));
            }
            retryableStatuses.clear();
            retryableStatuses.addAll(set);
            return this;
        }

        private static int checkStatus(int status) {
            // Only server errors: a 4xx says the request is wrong, and would be just as wrong elsewhere.
            if (status < 500 || status > 599) {
                throw new IllegalArgumentException("retryableStatus: " + status + " (expected: 500..599)");
            }
            return status;
        }

        /**
         * Whether non-idempotent methods (POST, PATCH, ...) are retried after the backend may have
         * seen them (default {@value #DEFAULT_RETRY_NON_IDEMPOTENT}). Turn on only when the backends
         * de-duplicate such requests.
         */
        public Builder retryNonIdempotent(boolean retryNonIdempotent) {
            this.retryNonIdempotent = retryNonIdempotent;
            return this;
        }

        /**
         * The largest request body kept in memory for re-sending (default
         * {@value #DEFAULT_BUFFER_LIMIT_BYTES}); 0 keeps none (then only requests whose body was not
         * read yet, such as after a connect failure, are retried).
         *
         * @throws IllegalArgumentException unless {@code 0 <= bufferLimitBytes <= MAX_BUFFER_LIMIT_BYTES}
         */
        public Builder bufferLimitBytes(int bufferLimitBytes) {
            if (bufferLimitBytes < 0) {
                throw new IllegalArgumentException("bufferLimitBytes: " + bufferLimitBytes + " (expected: >= 0)");
            }
            if (bufferLimitBytes > MAX_BUFFER_LIMIT_BYTES) {
                throw new IllegalArgumentException("bufferLimitBytes: " + bufferLimitBytes + " (expected: <= "
                        + MAX_BUFFER_LIMIT_BYTES + ")");
            }
            this.bufferLimitBytes = bufferLimitBytes;
            return this;
        }

        /**
         * The retry budget: at most {@code percent} percent of a route's requests in flight may be
         * retries at once, but never fewer than {@code minRetryConcurrency} (defaults
         * {@value #DEFAULT_BUDGET_PERCENT} and {@value #DEFAULT_MIN_RETRY_CONCURRENCY}).
         *
         * @throws IllegalArgumentException unless {@code 1 <= percent <= 100} and {@code minRetryConcurrency >= 0}
         */
        public Builder retryBudget(int percent, int minRetryConcurrency) {
            if (percent < 1) {
                throw new IllegalArgumentException("retryBudget percent: " + percent + " (expected: >= 1)");
            }
            if (percent > 100) {
                throw new IllegalArgumentException("retryBudget percent: " + percent + " (expected: <= 100)");
            }
            if (minRetryConcurrency < 0) {
                throw new IllegalArgumentException(
                        "minRetryConcurrency: " + minRetryConcurrency + " (expected: >= 0)");
            }
            this.budgetPercent = percent;
            this.minRetryConcurrency = minRetryConcurrency;
            return this;
        }

        /** No retry budget: every retry the other rules allow goes, however many fail at once. */
        public Builder noRetryBudget() {
            this.budgetPercent = 0;
            this.minRetryConcurrency = 0;
            return this;
        }

        public RetryPolicy build() {
            return new RetryPolicy(this);
        }

        @Override
        public String toString() {
            return "RetryPolicy.Builder" + build().toString().substring("RetryPolicy".length());
        }
    }
}
