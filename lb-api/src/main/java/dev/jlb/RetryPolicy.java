package dev.jlb;

import dev.jlb.internal.Durations;
import java.time.Duration;
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
 * to the client, and a route's retries stay within its <em>retry budget</em> ({@link RetryBudget}).
 *
 * <p><b>Retry budget.</b> When backends fail together (an overload, a bad deploy), retries multiply
 * the load exactly when there is least room for it. As Finagle's retry budgets do, retries over the
 * last {@link #budgetWindow()} may add up to {@link #budgetPercent()} percent of the requests in that
 * window, plus {@link #budgetMinRetriesPerSecond()} per second so that a quiet route can still
 * retry. Default: 20%, 10 per second, over 10 seconds. A budget over time, rather than over the
 * requests in flight (Envoy's), lets a burst through: when one of five backends crashes under load,
 * the fifth of the requests in flight on it fail at the same moment, and all of them are retried;
 * what it refuses is a sustained storm. A request the budget refuses gets the failed attempt's
 * answer, with {@code (retry budget exhausted)} in the reason when jlb writes the error itself.
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

    /** Retries as a percent of a route's requests over the budget's window (20, as Finagle's default budget). */
    public static final int DEFAULT_BUDGET_PERCENT = 20;

    /** Retries per second that the budget allows on top, however little traffic (10, as Finagle's). */
    public static final int DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND = 10;

    /** The window over which the budget counts requests and retries (10 s, as Finagle's). */
    public static final Duration DEFAULT_BUDGET_WINDOW = Duration.ofSeconds(10);

    /** The shortest budget window accepted (1 s). */
    public static final Duration MIN_BUDGET_WINDOW = Duration.ofSeconds(1);

    /** The longest budget window accepted (1 h). */
    public static final Duration MAX_BUDGET_WINDOW = Duration.ofHours(1);

    private static final RetryPolicy DEFAULTS = new Builder().build();
    private static final RetryPolicy NONE = new Builder().maxAttempts(1).build();

    private final int maxAttempts;
    private final boolean[] retryableStatus; // indexed by status, 100..599
    private final Set<Integer> retryableStatuses;
    private final boolean retryNonIdempotent;
    private final int bufferLimitBytes;
    private final int budgetPercent;
    private final int budgetMinRetriesPerSecond;
    private final Duration budgetWindow;
    private final Duration hedgeAfter;
    private final double hedgePercentile;

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
        this.budgetMinRetriesPerSecond = builder.budgetMinRetriesPerSecond;
        this.budgetWindow = builder.budgetWindow;
        this.hedgeAfter = builder.hedgeAfter;
        this.hedgePercentile = builder.hedgePercentile;
    }

    /**
     * {@return the policy with every default: 3 attempts, statuses 502, 503, 504, idempotent methods, 64 KiB bodies}
     */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** {@return a policy that never retries (one attempt)} */
    public static RetryPolicy none() {
        return NONE;
    }

    /**
     * A new builder, starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from this policy's settings.
     *
     * @return this builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.maxAttempts = maxAttempts;
        builder.retryableStatuses.clear();
        builder.retryableStatuses.addAll(retryableStatuses);
        builder.retryNonIdempotent = retryNonIdempotent;
        builder.bufferLimitBytes = bufferLimitBytes;
        builder.budgetPercent = budgetPercent;
        builder.budgetMinRetriesPerSecond = budgetMinRetriesPerSecond;
        builder.budgetWindow = budgetWindow;
        builder.hedgeAfter = hedgeAfter;
        builder.hedgePercentile = hedgePercentile;
        return builder;
    }

    /**
     * Attempts in total, the first one included (default {@value #DEFAULT_MAX_ATTEMPTS}); 1 means no retry.
     *
     * @return the int
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** {@return the response statuses that make an attempt fail and be retried (default 502, 503, 504), sorted} */
    public Set<Integer> retryableStatuses() {
        return retryableStatuses;
    }

    /**
     * Whether {@code status} is one of {@link #retryableStatuses()}.
     *
     * @param status the status
     * @return whether {@code status} is one of {@link #retryableStatuses()}
     */
    public boolean isRetryableStatus(int status) {
        return status >= 100 && status < 600 && retryableStatus[status];
    }

    /**
     * Whether methods that are not idempotent (POST, PATCH, ...) are retried after the backend may
     * have seen them (default {@value #DEFAULT_RETRY_NON_IDEMPOTENT}). Every method is retried after a
     * connect failure either way.
     *
     * @return the boolean
     */
    public boolean retryNonIdempotent() {
        return retryNonIdempotent;
    }

    /**
     * The largest request body kept in memory so that a retry can re-send it (default
     * {@value #DEFAULT_BUFFER_LIMIT_BYTES}). A larger body is streamed and is never re-sent once a
     * byte of it went to a backend.
     *
     * @return the int
     */
    public int bufferLimitBytes() {
        return bufferLimitBytes;
    }

    /**
     * Retries a route may send over {@link #budgetWindow()}, as a percent of its requests in that
     * window (default {@value #DEFAULT_BUDGET_PERCENT}); 0 when the policy has no budget.
     *
     * @return the int
     */
    public int budgetPercent() {
        return budgetPercent;
    }

    /**
     * Retries per second the budget allows on top of {@link #budgetPercent()}, however little
     * traffic (default {@value #DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND}); 0 without a budget.
     *
     * @return the int
     */
    public int budgetMinRetriesPerSecond() {
        return budgetMinRetriesPerSecond;
    }

    /** {@return the sliding window over which the budget counts (default 10 s)} */
    public Duration budgetWindow() {
        return budgetWindow;
    }

    /** {@return whether retries are limited by a budget} */
    public boolean hasBudget() {
        return budgetPercent > 0;
    }

    /**
     * A new budget with this policy's settings, for one route: its state (requests and retries in
     * the window) is what a route shares between its requests. Without a budget, one that allows
     * every retry.
     *
     * @return the retry budget
     */
    public RetryBudget newRetryBudget() {
        return RetryBudget.of(this);
    }

    /** {@return whether this policy ever retries ({@code maxAttempts > 1})} */
    public boolean retries() {
        return maxAttempts > 1;
    }

    /**
     * Whether an HTTP method is idempotent for retries: GET, HEAD, OPTIONS, TRACE, PUT and DELETE
     * (RFC 9110, section 9.2.2), compared case-sensitively as HTTP methods are.
     *
     * @param method the method
     * @return the boolean
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
     * @return whether an attempt that failed without a response may be retried
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
     * @return the boolean
     */
    public boolean shouldRetryStatus(int status, String method, int attemptsMade, boolean bodyReplayable) {
        return attemptsMade < maxAttempts && bodyReplayable && isRetryableStatus(status)
                && (retryNonIdempotent || isIdempotent(method));
    }

    /**
     * The fixed delay after which an idempotent request without a body that has no response
     * headers yet is also sent to another backend (a hedge); null when hedging is off or set by
     * {@link #hedgePercentile()}.
     *
     * @return the hedge delay, or null
     */
    public Duration hedgeAfter() {
        return hedgeAfter;
    }

    /**
     * The percentile (such as 95 for p95) of the route's recent time to response headers after
     * which a hedge goes; 0 when hedging is off or set by {@link #hedgeAfter()}.
     *
     * @return the percentile in {@code (0, 100)}, or 0
     */
    public double hedgePercentile() {
        return hedgePercentile;
    }

    /** {@return whether hedged requests are on (a delay or a percentile is set, and more than one attempt)} */
    public boolean hedges() {
        return maxAttempts > 1 && (hedgeAfter != null || hedgePercentile > 0);
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
                && budgetPercent == that.budgetPercent && budgetMinRetriesPerSecond == that.budgetMinRetriesPerSecond
                && budgetWindow.equals(that.budgetWindow) && Objects.equals(hedgeAfter, that.hedgeAfter)
                && Double.compare(hedgePercentile, that.hedgePercentile) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, retryableStatuses, retryNonIdempotent, bufferLimitBytes, budgetPercent,
                budgetMinRetriesPerSecond, budgetWindow, hedgeAfter, hedgePercentile);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", retryableStatuses=" + retryableStatuses
                + ", retryNonIdempotent=" + retryNonIdempotent + ", bufferLimitBytes=" + bufferLimitBytes
                + ", budget=" + (budgetPercent == 0 ? "none" : budgetPercent + "% + " + budgetMinRetriesPerSecond
                        + "/s over " + Durations.format(budgetWindow))
                + (hedgeAfter != null ? ", hedgeAfter=" + Durations.format(hedgeAfter) : "")
                + (hedgePercentile > 0 ? ", hedgeAfter=p" + percentile(hedgePercentile) : "") + '}';
    }

    private static String percentile(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
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
        private int budgetMinRetriesPerSecond = DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND;
        private Duration budgetWindow = DEFAULT_BUDGET_WINDOW;
        private Duration hedgeAfter;
        private double hedgePercentile;

        Builder() {
        }

        /**
         * Attempts in total, the first one included (default {@value #DEFAULT_MAX_ATTEMPTS}); 1
         * disables retries. The configuration file's {@code max_retry_limit} maps here.
         *
         * @param maxAttempts the max attempts
         * @return this builder
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
         * @param statuses the statuses
         * @return this builder
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

        /**
         * As {@link #retryableStatuses(int...)}.
         *
         * @param statuses the statuses
         * @return this builder
         */
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
         *
         * @param retryNonIdempotent the retry non idempotent
         * @return this builder
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
         * @param bufferLimitBytes the buffer limit bytes
         * @return this builder
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
         * The retry budget over the default window of 10 s: retries may add up to {@code percent}
         * percent of the route's requests, plus {@code minRetriesPerSecond} per second (defaults
         * {@value #DEFAULT_BUDGET_PERCENT} and {@value #DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND}).
         *
         * @param percent the percent
         * @param minRetriesPerSecond the min retries per second
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= percent <= 100} and
         * {@code 0 <= minRetriesPerSecond <= 1,000,000}
         */
        public Builder retryBudget(int percent, int minRetriesPerSecond) {
            return retryBudget(percent, minRetriesPerSecond, DEFAULT_BUDGET_WINDOW);
        }

        /**
         * The retry budget: over a sliding {@code window}, retries may add up to {@code percent}
         * percent of the route's requests, plus {@code minRetriesPerSecond} per second. See
         * {@link RetryBudget}.
         *
         * @param percent the percent
         * @param minRetriesPerSecond the min retries per second
         * @param window the window
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= percent <= 100},
         * {@code 0 <= minRetriesPerSecond <= 1,000,000} and {@code 1s <= window <= 1h}
         */
        public Builder retryBudget(int percent, int minRetriesPerSecond, Duration window) {
            if (percent < 1) {
                throw new IllegalArgumentException("retryBudget percent: " + percent + " (expected: >= 1)");
            }
            if (percent > 100) {
                throw new IllegalArgumentException("retryBudget percent: " + percent + " (expected: <= 100)");
            }
            if (minRetriesPerSecond < 0 || minRetriesPerSecond > 1_000_000) {
                throw new IllegalArgumentException("retryBudget minRetriesPerSecond: " + minRetriesPerSecond
                        + (minRetriesPerSecond < 0 ? " (expected: >= 0)" : " (expected: <= 1000000)"));
            }
            Objects.requireNonNull(window, "window");
            if (window.compareTo(MIN_BUDGET_WINDOW) < 0 || window.compareTo(MAX_BUDGET_WINDOW) > 0) {
                throw new IllegalArgumentException("retryBudget window: " + Durations.format(window)
                        + (window.compareTo(MIN_BUDGET_WINDOW) < 0 ? " (expected: >= " + Durations.format(MIN_BUDGET_WINDOW) + ")"
                                : " (expected: <= " + Durations.format(MAX_BUDGET_WINDOW) + ")"));
            }
            this.budgetPercent = percent;
            this.budgetMinRetriesPerSecond = minRetriesPerSecond;
            this.budgetWindow = window;
            return this;
        }

        /**
         * No retry budget: every retry the other rules allow goes, however many fail.
         *
         * @return this builder
         */
        public Builder noRetryBudget() {
            this.budgetPercent = 0;
            this.budgetMinRetriesPerSecond = 0;
            this.budgetWindow = DEFAULT_BUDGET_WINDOW;
            return this;
        }

        /**
         * Hedged requests after a fixed delay: an idempotent request without a body that has no
         * response headers {@code delay} after it was sent goes to a second backend as well; the
         * first response wins and the other attempt is cancelled. A hedge is an attempt (it counts
         * against {@link #maxAttempts}) and a retry for the retry budget. Replaces a percentile.
         *
         * @param delay the delay, {@code > 0} and {@code <= 1h}
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder hedgeAfter(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative() || delay.isZero() || delay.compareTo(MAX_BUDGET_WINDOW) > 0) {
                throw new IllegalArgumentException("hedgeAfter: " + Durations.format(delay)
                        + (delay.compareTo(MAX_BUDGET_WINDOW) > 0 ? " (expected: <= 1h)" : " (expected: > 0s)"));
            }
            this.hedgeAfter = delay;
            this.hedgePercentile = 0;
            return this;
        }

        /**
         * Hedged requests after a percentile of the route's recent time to response headers (see
         * {@link #hedgeAfter(Duration)}), such as 95: about 5% of requests get a hedge. Replaces a
         * fixed delay.
         *
         * @param percentile in {@code (0, 100)}
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder hedgeAfterPercentile(double percentile) {
            if (!(percentile > 0 && percentile < 100)) {
                throw new IllegalArgumentException("hedgeAfter: p" + percentile + " (expected: a percentile such as p95,"
                        + " in (0, 100))");
            }
            this.hedgePercentile = percentile;
            this.hedgeAfter = null;
            return this;
        }

        /**
         * No hedged requests (the default).
         *
         * @return this builder
         */
        public Builder noHedging() {
            this.hedgeAfter = null;
            this.hedgePercentile = 0;
            return this;
        }

        /** {@return the policy with this builder's settings} */
        public RetryPolicy build() {
            return new RetryPolicy(this);
        }

        @Override
        public String toString() {
            return "RetryPolicy.Builder" + build().toString().substring("RetryPolicy".length());
        }
    }
}
