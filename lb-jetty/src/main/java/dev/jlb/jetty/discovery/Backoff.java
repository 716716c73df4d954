package dev.jlb.jetty.discovery;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * What every discovery does after a failed try: names the failure for its statistics and log, and
 * waits {@code min * 2^(n-1)} after the n-th failure in a row, at most {@code max}, times a jitter
 * in [0.8, 1.2) so that instances started together do not retry together.
 *
 * <p>Immutable; thread-safe when the jitter source is (a {@link dev.jlb.RandomSource}'s is).
 */
final class Backoff {
    private final Duration min;
    private final Duration max;
    private final DoubleSupplier jitter;

    /**
     * @param min the first delay
     * @param max the longest delay ({@code >= min})
     * @param jitter values in [0, 1)
     */
    Backoff(Duration min, Duration max, DoubleSupplier jitter) {
        this.min = Objects.requireNonNull(min, "min");
        this.max = Objects.requireNonNull(max, "max");
        this.jitter = Objects.requireNonNull(jitter, "jitter");
    }

    /** The delay after {@code failures} (at least 1) failed tries in a row; draws one jitter value. */
    Duration delay(int failures) {
        long capped = Math.min(max.toMillis(), min.toMillis() << Math.min(20, failures - 1));
        return Duration.ofMillis((long) (capped * (0.8 + 0.4 * jitter.getAsDouble())));
    }

    /** A failure as the statistics' {@code lastError} and the log give it: its class's simple name and its message. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
