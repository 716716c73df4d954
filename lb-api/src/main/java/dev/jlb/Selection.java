package dev.jlb;

/**
 * A lease on one backend for one request attempt, returned by
 * {@link LoadBalancer#select(RequestContext)}.
 *
 * <p>Selecting incremented the backend's in-flight count; completing the selection decrements it
 * exactly once and records the outcome in the backend's statistics and passive health. Complete it
 * with one of {@code onSuccess}, {@code onFailure} or {@link #close()}; the first completion wins and
 * every later one is a no-op, whichever thread calls it. Use try-with-resources so that every path
 * (including exceptions) completes it:
 *
 * <pre>{@code
 * try (Selection selection = loadBalancer.select(context)) {
 *     int status = send(selection.backend(), request);
 *     if (status >= 500) selection.onFailure(status, -1); else selection.onSuccess(status, -1);
 * }
 * }</pre>
 *
 * <p>Latencies are in nanoseconds, measured by the caller (jlb does not read the clock on the
 * request path); pass a negative value when unknown. They feed the backend's latency average
 * ({@link dev.jlb.health.LatencyHealth}). Passive health ({@link dev.jlb.health.OutlierDetection})
 * counts connect failures, timeouts, resets and statuses 500..599 as failures, even a 5xx reported
 * through {@code onSuccess}. Thread-safe.
 */
public interface Selection extends AutoCloseable {

    /** {@return the selected backend} */
    Backend backend();

    /** {@return whether this selection was a retry, that is, made with a non-empty exclusion set} */
    boolean isRetry();

    /** {@return whether the selection has been completed} */
    boolean isDone();

    /** Completes as a success with no status or latency information. */
    default void onSuccess() {
        onSuccess(0, -1);
    }

    /**
     * Completes as a success: the backend answered with {@code status} (0 when not HTTP) after
     * {@code latencyNanos} (negative when unknown).
     *
     * @param status the status
     * @param latencyNanos the latency nanos
     */
    void onSuccess(int status, long latencyNanos);

    /**
     * Completes as a transport failure, classified with {@link FailureKind#of(Throwable)}.
     *
     * @param cause the cause
     */
    default void onFailure(Throwable cause) {
        onFailure(FailureKind.of(cause), -1);
    }

    /**
     * Completes as a failure of the given kind after {@code latencyNanos} (negative when unknown).
     *
     * @param kind the kind
     * @param latencyNanos the latency nanos
     */
    void onFailure(FailureKind kind, long latencyNanos);

    /**
     * Completes as a failure because the backend answered with an error status (a 5xx, or any
     * status the caller retries on), after {@code latencyNanos} (negative when unknown).
     *
     * @param status the status
     * @param latencyNanos the latency nanos
     */
    void onFailure(int status, long latencyNanos);

    /**
     * Completes as cancelled when not completed yet: the attempt ended for a reason that says
     * nothing about the backend (the client went away, the balancer is shutting down). Counted
     * neither as a success nor as a failure. A no-op after any other completion.
     */
    @Override
    void close();
}
