package dev.jlb.jetty.config;

import dev.jlb.health.PanicMode;
import java.util.Objects;

/**
 * What a route does when too few of its backends are eligible (the {@code panic:} section).
 * Immutable.
 *
 * @param mode route to every non-drained backend, or answer 503 (default {@link Mode#ROUTE_ALL})
 * @param thresholdPercent the eligible share, in percent, under which panic starts (default {@link #DEFAULT_THRESHOLD_PERCENT})
 */
public record PanicConfig(Mode mode, int thresholdPercent) {

    /** The behaviour under the threshold. */
    public enum Mode {
        /** Route across all non-drained backends, healthy or not, as Envoy does. */
        ROUTE_ALL,
        /** Answer 503 at once. */
        FAIL_FAST
    }

    public static final int DEFAULT_THRESHOLD_PERCENT = (int) Math.round(PanicMode.DEFAULT_THRESHOLD * 100);

    public static final PanicConfig DEFAULT = new PanicConfig(Mode.ROUTE_ALL, DEFAULT_THRESHOLD_PERCENT);

    public PanicConfig {
        Objects.requireNonNull(mode, "mode");
    }
}
