package dev.jlb;

/**
 * A point-in-time view of one backend's live state and counters, from {@link Pool#stats()}.
 *
 * <p>Counters are totals since the backend joined the pool; they survive re-weighting, draining,
 * health changes and strategy changes. The values are read one after the other without a lock, so
 * under load they may be a few requests apart from each other. Immutable.
 */
public interface BackendStats {

    /** {@return the backend, with its configured weight} */
    Backend backend();

    /** {@return the backend's state} */
    BackendState state();

    /** {@return why the backend is in its state, as given in the last state-change event; may be empty} */
    String stateReason();

    /**
     * The weight the strategy sees in the current snapshot (0 when not eligible). Only ratios
     * between backends mean anything: normally it is the configured weight; while any backend ramps
     * up ({@link dev.jlb.health.SlowStart}) or is degraded ({@link dev.jlb.health.LatencyHealth}), every
     * eligible backend's weight is expressed in hundredths ({@code configured x 100 x }
     * {@link #weightFactor()}, at least 1), so that fractions of a weight can be given. In panic
     * mode ({@link dev.jlb.health.PanicMode#ROUTE_ALL}) every non-draining backend gets its configured
     * weight.
     *
     * @return the weight the strategy sees in the current snapshot (0 when not eligible)
     */
    int effectiveWeight();

    /**
     * The share of its configured weight the backend receives now, in {@code [0, 1]}: 1.0 normally,
     * less while slow start ramps it up or latency health degrades it, 0 when it is not eligible.
     *
     * @return the double
     */
    double weightFactor();

    /** {@return how many times passive health ejected this backend (consecutive failures or latency)} */
    long ejections();

    /** {@return the current streak of failed attempts counted by outlier detection} */
    int consecutiveFailures();

    /**
     * The moving average of the backend's response times in nanoseconds (requests and passed active
     * checks, see {@link dev.jlb.health.LatencyHealth}); -1 when nothing was measured yet.
     *
     * @return the long
     */
    long latencyEwmaNanos();

    /** {@return requests in flight now} */
    int inFlight();

    /**
     * Attempts sent to this backend (completed plus in flight).
     *
     * @return the long
     */
    long requests();

    /**
     * Attempts completed as a success.
     *
     * @return the long
     */
    long successes();

    /**
     * Attempts completed as a failure (of any {@link FailureKind}).
     *
     * @return the long
     */
    long failures();

    /**
     * Attempts completed as cancelled (client went away): neither success nor failure.
     *
     * @return the long
     */
    long cancelled();

    /**
     * Attempts that were retries of a request first sent elsewhere.
     *
     * @return the long
     */
    long retries();

    /**
     * Failures of kind {@link FailureKind#CONNECT}.
     *
     * @return the long
     */
    long connectFailures();

    /**
     * Failures of kind {@link FailureKind#TIMEOUT}.
     *
     * @return the long
     */
    long timeouts();

    /**
     * Responses by status class: {@code responses(2)} counts 2xx; {@code statusClass} in 1..5. Every
     * attempt that got a response counts, whether it completed as a success or as a failure (a 503
     * that was retried elsewhere counts here as a 5xx).
     *
     * @param statusClass the status class
     * @return responses by status class: {@code responses(2)} counts 2xx
     * @throws IllegalArgumentException when {@code statusClass} is outside 1..5
     */
    long responses(int statusClass);

    /**
     * The distribution of the latencies callers reported with a response ({@code onSuccess}, and
     * {@code onFailure} with a status), since the backend joined the pool. Connect failures,
     * timeouts and resets are not in it. The proxy adapters report the time to the response
     * headers of each attempt.
     *
     * @return the latency distribution
     */
    LatencyDistribution latency();

    @Override
    String toString();
}
