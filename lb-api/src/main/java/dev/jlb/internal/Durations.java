package dev.jlb.internal;

import dev.jlb.DurationFormat;
import java.time.Duration;

/** Durations in jlb's messages: checks, and the shorthands of {@link DurationFormat}. Internal. */
public final class Durations {
    private Durations() {
    }

    /** {@link DurationFormat#format(Duration)}: the one way jlb writes a duration. */
    public static String format(Duration duration) {
        return DurationFormat.format(duration);
    }

    /** {@link DurationFormat#formatNanos(long)}. */
    public static String formatNanos(long nanos) {
        return DurationFormat.formatNanos(nanos);
    }

    /** A latency for a log line, rounded: {@code 41.7ms}, {@code 0.3ms}, {@code 2.1s}. */
    public static String approx(long nanos) {
        if (nanos >= 10_000_000_000L) {
            return Math.round(nanos / 1e9) + "s";
        }
        if (nanos >= 1_000_000_000L) {
            return Math.round(nanos / 1e8) / 10.0 + "s";
        }
        return Math.round(nanos / 1e5) / 10.0 + "ms";
    }

    /**
     * Checks that a duration is positive.
     *
     * @throws IllegalArgumentException {@code "<name>: <value> (expected: > 0)"} otherwise
     */
    public static Duration requirePositive(Duration duration, String name) {
        java.util.Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + ": " + format(duration) + " (expected: > 0)");
        }
        return duration;
    }
}
