package dev.jlb.internal;

import java.time.Duration;

/** Formats durations the way jlb's messages and configuration files write them. Internal. */
public final class Durations {
    private Durations() {
    }

    /**
     * {@code 2s}, {@code 1500ms}, {@code 250us} or {@code 10ns}: the largest unit that represents the
     * value exactly, so that a message quotes what the user wrote.
     */
    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        int nanos = duration.getNano();
        if (nanos == 0) {
            return seconds + "s";
        }
        if (seconds > Long.MAX_VALUE / 1_000_000_000L - 1 || seconds < Long.MIN_VALUE / 1_000_000_000L + 1) {
            return duration.toString();
        }
        return formatNanos(duration.toNanos());
    }

    /** Formats a nanosecond count as {@link #format(Duration)} does. */
    public static String formatNanos(long nanos) {
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
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
