package dev.jlb.jetty.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Response-time health: a backend much slower than its limit or than the others is degraded or
 * ejected (the {@code latency_health:} section). Immutable.
 *
 * @param enabled whether latency is judged at all (default false)
 * @param absoluteLimit a latency above which a backend is slow; {@link Duration#ZERO} for no absolute limit
 * @param relativeFactor a backend slower than this many times the median of the others is slow;
 *     0 for no relative limit (default {@value #DEFAULT_RELATIVE_FACTOR})
 * @param action what happens to a slow backend (default {@link Action#DEGRADE})
 */
public record LatencyHealthConfig(boolean enabled, Duration absoluteLimit, double relativeFactor, Action action) {

    /** What happens to a slow backend. */
    public enum Action {
        /** Its effective weight drops. */
        DEGRADE,
        /** It is ejected like an outlier. */
        EJECT
    }

    public static final double DEFAULT_RELATIVE_FACTOR = 3.0;

    /** Off. */
    public static final LatencyHealthConfig DEFAULT = new LatencyHealthConfig(false, Duration.ZERO,
            DEFAULT_RELATIVE_FACTOR, Action.DEGRADE);

    public LatencyHealthConfig {
        Objects.requireNonNull(absoluteLimit, "absoluteLimit");
        Objects.requireNonNull(action, "action");
    }
}
