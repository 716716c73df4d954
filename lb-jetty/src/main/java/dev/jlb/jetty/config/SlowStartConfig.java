package dev.jlb.jetty.config;

import dev.jlb.health.SlowStart;
import java.time.Duration;
import java.util.Objects;

/**
 * Slow start: a backend that joins or comes back ramps its effective weight from a floor to its
 * full weight over a window (the {@code slow_start:} section). Off by default. Immutable.
 *
 * @param window the ramp's length; {@link Duration#ZERO} for off (the default)
 * @param floorPercent where the ramp starts, in percent of the weight, 1..99 (default {@link #DEFAULT_FLOOR_PERCENT})
 */
public record SlowStartConfig(Duration window, int floorPercent) {

    public static final int DEFAULT_FLOOR_PERCENT = (int) Math.round(SlowStart.DEFAULT_FLOOR * 100);

    /** Off. */
    public static final SlowStartConfig DISABLED = new SlowStartConfig(Duration.ZERO, DEFAULT_FLOOR_PERCENT);

    public SlowStartConfig {
        Objects.requireNonNull(window, "window");
    }

    public boolean enabled() {
        return !window.isZero();
    }
}
