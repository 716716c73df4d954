package dev.jlb.jetty.config;

import dev.jlb.health.LatencyHealth;
import java.time.Duration;
import java.util.Objects;

/**
 * Response-time health: a backend much slower than an absolute limit or than the others is
 * degraded or ejected (the {@code latency_health:} section; present means enabled). Immutable.
 *
 * @param enabled whether latency is judged at all (default false)
 * @param absoluteLimit a latency above which a backend is slow; {@link Duration#ZERO} for no absolute limit (the default)
 * @param relativeFactor a backend slower than this many times the median of the others is slow;
 *     0 for no relative rule (default {@value #DEFAULT_RELATIVE_FACTOR})
 * @param relativeFloor the relative rule never flags a backend at or below this latency (default 20ms)
 * @param minimumSamples samples a backend needs before it is judged (default {@value #DEFAULT_MINIMUM_SAMPLES})
 * @param interval the time between two evaluations (default 1s)
 * @param action what happens to a slow backend (default {@link Action#DEGRADE})
 * @param degradedWeightPercent a degraded backend's share of its weight, in percent (default {@link #DEFAULT_DEGRADED_WEIGHT_PERCENT})
 */
public record LatencyHealthConfig(boolean enabled, Duration absoluteLimit, double relativeFactor,
        Duration relativeFloor, int minimumSamples, Duration interval, Action action, int degradedWeightPercent) {

    /** What happens to a slow backend. */
    public enum Action {
        /** Its effective weight drops. */
        DEGRADE,
        /** It is ejected like an outlier. */
        EJECT
    }

    public static final double DEFAULT_RELATIVE_FACTOR = LatencyHealth.DEFAULT_RELATIVE_FACTOR;
    public static final Duration DEFAULT_RELATIVE_FLOOR = LatencyHealth.DEFAULT_RELATIVE_FLOOR;
    public static final int DEFAULT_MINIMUM_SAMPLES = LatencyHealth.DEFAULT_MINIMUM_SAMPLES;
    public static final Duration DEFAULT_INTERVAL = LatencyHealth.DEFAULT_INTERVAL;
    public static final int DEFAULT_DEGRADED_WEIGHT_PERCENT =
            (int) Math.round(LatencyHealth.DEFAULT_DEGRADED_WEIGHT_FACTOR * 100);

    /** Off. */
    public static final LatencyHealthConfig DEFAULT = new LatencyHealthConfig(false, Duration.ZERO,
            DEFAULT_RELATIVE_FACTOR, DEFAULT_RELATIVE_FLOOR, DEFAULT_MINIMUM_SAMPLES, DEFAULT_INTERVAL, Action.DEGRADE,
            DEFAULT_DEGRADED_WEIGHT_PERCENT);

    public LatencyHealthConfig {
        Objects.requireNonNull(absoluteLimit, "absoluteLimit");
        Objects.requireNonNull(relativeFloor, "relativeFloor");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(action, "action");
    }
}
