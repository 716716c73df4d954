package dev.jlb.health;

import dev.jlb.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Slow start: a backend that joins the pool, or comes back to it (healthy again, no longer ejected,
 * re-weighted from 0), ramps its effective weight linearly from {@code floor x weight} to its full
 * weight over {@code window}, in {@value #STEPS} equal steps, so that a cold JVM or an empty cache is
 * not flooded at once. Off by default ({@link #disabled()}).
 *
 * <p>The backends the load balancer is built with start at full weight (ramping all of them
 * together would change nothing). Slow start acts through the effective weight, so weighted round
 * robin, random, power of two choices and least connections honour it; plain round robin ignores
 * weights. While any backend ramps, the load balancer expresses effective weights in hundredths
 * (every weight is multiplied by 100), see {@link dev.jlb.BackendStats#effectiveWeight()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class SlowStart {

    /** The default floor: a ramping backend starts at 10% of its weight. */
    public static final double DEFAULT_FLOOR = 0.1;
    /** The number of equal steps of a ramp. */
    public static final int STEPS = 10;

    private static final SlowStart DISABLED = new SlowStart(null, DEFAULT_FLOOR);

    private final Duration window;
    private final double floor;

    private SlowStart(Duration window, double floor) {
        this.window = window;
        this.floor = floor;
    }

    /**
     * Slow start over {@code window} from the default floor ({@value #DEFAULT_FLOOR}).
     *
     * @param window the window
     * @return the slow start
     */
    public static SlowStart of(Duration window) {
        return of(window, DEFAULT_FLOOR);
    }

    /**
     * Slow start over {@code window} from {@code floor x weight}.
     *
     * @param window the ramp's duration, {@code > 0}
     * @param floor the share of its weight a ramping backend starts with, {@code > 0.0} and {@code < 1.0}
     * @return the slow start
     */
    public static SlowStart of(Duration window, double floor) {
        Durations.requirePositive(window, "window");
        return new SlowStart(window, checkFloor(floor));
    }

    /**
     * Checks a floor, as {@link #of(Duration, double)} does.
     *
     * @param floor the floor
     * @return the double
     * @throws IllegalArgumentException {@code floor: <f> (expected: > 0.0)} or {@code (expected: < 1.0)}
     */
    public static double checkFloor(double floor) {
        if (!(floor > 0.0)) {
            throw new IllegalArgumentException("floor: " + floor + " (expected: > 0.0)");
        }
        if (!(floor < 1.0)) {
            throw new IllegalArgumentException("floor: " + floor + " (expected: < 1.0)");
        }
        return floor;
    }

    /** {@return no slow start: the load balancer's default} */
    public static SlowStart disabled() {
        return DISABLED;
    }

    /** {@return whether new and recovered backends ramp up at all} */
    public boolean isEnabled() {
        return window != null;
    }

    /** {@return the ramp's duration; {@link Duration#ZERO} when disabled} */
    public Duration window() {
        return window == null ? Duration.ZERO : window;
    }

    /** {@return the share of its weight a ramping backend starts with} */
    public double floor() {
        return floor;
    }

    /**
     * The share of its weight a backend gets {@code elapsedNanos} after it started ramping: the floor
     * during the first step, then {@code floor + (1 - floor) x step / STEPS}, and 1.0 from the end
     * of the window on (and always, when disabled).
     *
     * @param elapsedNanos the elapsed nanos
     * @return the double
     */
    public double factor(long elapsedNanos) {
        if (window == null) {
            return 1.0;
        }
        long step = step(elapsedNanos);
        return step >= STEPS ? 1.0 : floor + (1.0 - floor) * step / STEPS;
    }

    /** The step reached after {@code elapsedNanos}, 0..STEPS. */
    long step(long elapsedNanos) {
        if (elapsedNanos <= 0) {
            return 0;
        }
        long windowNanos = window.toNanos();
        if (elapsedNanos >= windowNanos) {
            return STEPS;
        }
        return (long) ((double) elapsedNanos * STEPS / windowNanos);
    }

    /**
     * The elapsed time at which the next step after {@code elapsedNanos} starts; {@code -1} when the
     * ramp is over or slow start is disabled.
     *
     * @param elapsedNanos the elapsed nanos
     * @return the elapsed time at which the next step after {@code elapsedNanos} starts
     */
    public long nextStepNanos(long elapsedNanos) {
        if (window == null) {
            return -1;
        }
        long step = step(elapsedNanos);
        if (step >= STEPS) {
            return -1;
        }
        long windowNanos = window.toNanos();
        // The smallest elapsed time whose step is step + 1 (exact with the division above).
        long next = (long) Math.ceil((double) windowNanos * (step + 1) / STEPS);
        while (step(next) <= step) {
            next++;
        }
        return next;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SlowStart && Objects.equals(window, ((SlowStart) o).window)
                && Double.compare(floor, ((SlowStart) o).floor) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(window, floor);
    }

    @Override
    public String toString() {
        return window == null ? "SlowStart{disabled}"
                : "SlowStart{window=" + Durations.format(window) + ", floor=" + floor + '}';
    }
}
