package dev.jlb.health;

/**
 * What the load balancer does when too few backends are eligible: when the eligible share of the
 * non-draining backends falls <em>below</em> the panic threshold (default
 * {@value #DEFAULT_THRESHOLD}), the pool is in panic. Entering and leaving panic are
 * {@link dev.jlb.PoolEvent}s ({@code PANIC_ENTERED}, {@code PANIC_EXITED}) and log lines.
 *
 * <p>Why: when most backends look unhealthy at once, the cause is often the checks (a health
 * endpoint broken by a deploy, a network blip between jlb and the backends) rather than the
 * backends, and sending every request to the few that are left would overload them too. Threshold
 * {@code 0} turns panic off: then the balancer routes to whatever is eligible, and answers 503 when
 * nothing is.
 *
 * <p>With 50%: 2 backends of 4 eligible is not panic (50% is not below 50%), 1 of 3 is; 0 of any
 * number is.
 */
public enum PanicMode {

    /**
     * Route across every non-draining backend, healthy or not, with its configured weight, as Envoy
     * does (the default). Unhealthy and ejected backends keep their state; requests that fail on
     * them are retried elsewhere when the retry policy allows.
     */
    ROUTE_ALL,

    /**
     * Fail fast: every selection fails with a {@link dev.jlb.NoBackendAvailableException} of reason
     * {@code PANIC} (a 503 from the adapters) until enough backends are eligible again.
     */
    FAIL_FAST;

    /** The default panic threshold: 0.5. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /**
     * Checks a panic threshold.
     *
     * @param threshold the threshold
     * @return the double
     * @throws IllegalArgumentException {@code panicThreshold: <t> (expected: >= 0.0 and <= 1.0)}
     */
    public static double checkThreshold(double threshold) {
        if (!(threshold >= 0.0 && threshold <= 1.0)) {
            throw new IllegalArgumentException("panicThreshold: " + threshold + " (expected: >= 0.0 and <= 1.0)");
        }
        return threshold;
    }
}
