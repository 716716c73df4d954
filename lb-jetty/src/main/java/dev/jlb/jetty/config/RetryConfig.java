package dev.jlb.jetty.config;

import dev.jlb.RetryPolicy;
import java.time.Duration;
import java.util.List;

/**
 * Retries of a route (the {@code retry:} section; the Go original's {@code max_retry_limit: N}
 * gives {@code attempts = N}, the first attempt included). Immutable.
 *
 * @param attempts the most attempts per request, the first included (default {@value #DEFAULT_ATTEMPTS}; 1 = no retry)
 * @param statuses backend statuses (500..599) that are retried on another backend (default 502, 503, 504)
 * @param nonIdempotent whether POST and PATCH are retried after the backend may have seen them (default false)
 * @param bufferLimitBytes request bodies up to this size are buffered so that a retry can re-send them (default 64KiB, at most 64MiB)
 * @param budgetPercent retries over the budget window, as a percent of the route's requests in it (default 20; 0 = no budget)
 * @param budgetMinRetriesPerSecond retries per second the budget allows on top, however little traffic (default 10)
 * @param budgetWindow the sliding window of the retry budget (default 10s)
 */
public record RetryConfig(int attempts, List<Integer> statuses, boolean nonIdempotent, int bufferLimitBytes,
        int budgetPercent, int budgetMinRetriesPerSecond, Duration budgetWindow) {

    public static final int DEFAULT_ATTEMPTS = RetryPolicy.DEFAULT_MAX_ATTEMPTS;
    public static final List<Integer> DEFAULT_STATUSES = List.copyOf(RetryPolicy.DEFAULT_RETRYABLE_STATUSES);
    public static final int DEFAULT_BUFFER_LIMIT_BYTES = RetryPolicy.DEFAULT_BUFFER_LIMIT_BYTES;

    public static final int DEFAULT_BUDGET_PERCENT = RetryPolicy.DEFAULT_BUDGET_PERCENT;
    public static final int DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND = RetryPolicy.DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND;
    public static final Duration DEFAULT_BUDGET_WINDOW = RetryPolicy.DEFAULT_BUDGET_WINDOW;

    public static final RetryConfig DEFAULT = new RetryConfig(DEFAULT_ATTEMPTS, DEFAULT_STATUSES, false,
            DEFAULT_BUFFER_LIMIT_BYTES);

    /** A retry section with the default retry budget. */
    public RetryConfig(int attempts, List<Integer> statuses, boolean nonIdempotent, int bufferLimitBytes) {
        this(attempts, statuses, nonIdempotent, bufferLimitBytes, DEFAULT_BUDGET_PERCENT,
                DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND, DEFAULT_BUDGET_WINDOW);
    }

    public RetryConfig {
        statuses = List.copyOf(statuses);
        java.util.Objects.requireNonNull(budgetWindow, "budgetWindow");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts: " + attempts + " (expected: >= 1)");
        }
    }
}
