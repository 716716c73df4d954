package dev.jlb.health;

import dev.jlb.internal.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Response-time health: marks a backend {@link dev.jlb.BackendState#DEGRADED} (or ejects it) while it
 * answers much slower than an absolute limit or than its peers. Off by default ({@link #disabled()});
 * {@code LatencyHealth.builder().build()} enables it with the relative rule below.
 *
 * <p><b>What is measured.</b> Each backend keeps an exponentially weighted moving average (EWMA) of
 * its response times: every successful {@link dev.jlb.Selection} with a known latency (status below
 * 500) and every passed active health check moves it 1/8 of the way towards the new sample. Nothing
 * on the request path reads the clock: the latency is the one the caller reports.
 *
 * <p><b>The rules.</b> Every {@code interval}, among the eligible backends with at least
 * {@code minimumSamples} samples, a backend is slow when its average exceeds
 * <ul>
 *   <li>the {@code absoluteLimit}, when set (default: none), or</li>
 *   <li>{@code relativeFactor} (default 3.0) times the median average of the <em>other</em> judged
 *       backends (at least one other is needed), but only when it is also above
 *       {@code relativeFloor} (default 20ms): three times a 0.3 ms median is noise, not a sick
 *       backend.</li>
 * </ul>
 * A slow backend recovers when its average falls under 80% of the limit it broke (hysteresis, so
 * that a backend near the limit does not flap).
 *
 * <p><b>The action.</b> {@link Action#DEGRADE} (the default) keeps the backend eligible with its
 * effective weight multiplied by {@code degradedWeightFactor} (default 0.1): it still gets a trickle
 * of requests, so its average keeps being measured and it recovers by itself. Every weighted strategy
 * honours the reduced weight; plain round robin ignores weights. {@link Action#EJECT} ejects it like
 * an outlier (same backoff, same maximum ejected share, see {@link OutlierDetection}); its average is
 * forgotten when the ejection ends, so it is judged again on fresh samples. None of Envoy, gRPC or
 * Armeria acts on latency; HAProxy and nginx Plus only through their own agents.
 *
 * <p>Immutable and thread-safe.
 */
public final class LatencyHealth {

    /** What happens to a slow backend. */
    public enum Action {
        /** Keep it eligible with a reduced effective weight. */
        DEGRADE,
        /** Eject it like an outlier, for the outlier ejection time. */
        EJECT
    }

    /** Default relative factor: 3.0 times the median of the others. */
    public static final double DEFAULT_RELATIVE_FACTOR = 3.0;
    /** Default floor under which the relative rule never flags a backend: 20 ms. */
    public static final Duration DEFAULT_RELATIVE_FLOOR = Duration.ofMillis(20);
    /** Default samples a backend needs before it is judged: 10. */
    public static final int DEFAULT_MINIMUM_SAMPLES = 10;
    /** Default time between two evaluations: 1 second. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Default factor applied to a degraded backend's weight: 0.1. */
    public static final double DEFAULT_DEGRADED_WEIGHT_FACTOR = 0.1;
    /** The largest {@link Builder#relativeFactor} accepted. */
    public static final double MAX_RELATIVE_FACTOR = 1000;
    /** The largest {@link Builder#minimumSamples} accepted. */
    public static final int MAX_MINIMUM_SAMPLES = 1_000_000;

    private static final LatencyHealth DISABLED = new LatencyHealth(false, null, DEFAULT_RELATIVE_FACTOR,
            DEFAULT_RELATIVE_FLOOR, DEFAULT_MINIMUM_SAMPLES, DEFAULT_INTERVAL, Action.DEGRADE,
            DEFAULT_DEGRADED_WEIGHT_FACTOR);

    private final boolean enabled;
    private final Duration absoluteLimit;
    private final double relativeFactor;
    private final Duration relativeFloor;
    private final int minimumSamples;
    private final Duration interval;
    private final Action action;
    private final double degradedWeightFactor;

    private LatencyHealth(boolean enabled, Duration absoluteLimit, double relativeFactor, Duration relativeFloor,
            int minimumSamples, Duration interval, Action action, double degradedWeightFactor) {
        this.enabled = enabled;
        this.absoluteLimit = absoluteLimit;
        this.relativeFactor = relativeFactor;
        this.relativeFloor = relativeFloor;
        this.minimumSamples = minimumSamples;
        this.interval = interval;
        this.action = action;
        this.degradedWeightFactor = degradedWeightFactor;
    }

    /**
     * A builder starting from the defaults (relative rule on, absolute limit off, action DEGRADE).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return no response-time health: the load balancer's default} */
    public static LatencyHealth disabled() {
        return DISABLED;
    }

    /** {@return whether latency health judges backends at all} */
    public boolean isEnabled() {
        return enabled;
    }

    /** {@return the absolute limit on a backend's average latency; empty when not set} */
    public Optional<Duration> absoluteLimit() {
        return Optional.ofNullable(absoluteLimit);
    }

    /** {@return the factor over the others' median that makes a backend slow; 0 when the relative rule is off} */
    public double relativeFactor() {
        return relativeFactor;
    }

    /** {@return the relative rule never flags a backend whose average is at or below this} */
    public Duration relativeFloor() {
        return relativeFloor;
    }

    /**
     * Samples a backend needs before it is judged.
     *
     * @return the int
     */
    public int minimumSamples() {
        return minimumSamples;
    }

    /** {@return the time between two evaluations} */
    public Duration interval() {
        return interval;
    }

    /** {@return what happens to a slow backend} */
    public Action action() {
        return action;
    }

    /** {@return the factor applied to a degraded backend's weight} */
    public double degradedWeightFactor() {
        return degradedWeightFactor;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LatencyHealth)) {
            return false;
        }
        LatencyHealth that = (LatencyHealth) o;
        return enabled == that.enabled && Objects.equals(absoluteLimit, that.absoluteLimit)
                && Double.compare(relativeFactor, that.relativeFactor) == 0 && relativeFloor.equals(that.relativeFloor)
                && minimumSamples == that.minimumSamples && interval.equals(that.interval) && action == that.action
                && Double.compare(degradedWeightFactor, that.degradedWeightFactor) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, absoluteLimit, relativeFactor, relativeFloor, minimumSamples, interval, action,
                degradedWeightFactor);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "LatencyHealth{disabled}";
        }
        return "LatencyHealth{" + (absoluteLimit == null ? "" : "absoluteLimit=" + Durations.format(absoluteLimit) + ", ")
                + (relativeFactor == 0 ? "relative=off" : "relativeFactor=" + relativeFactor + ", relativeFloor="
                        + Durations.format(relativeFloor))
                + ", minimumSamples=" + minimumSamples + ", interval=" + Durations.format(interval) + ", action=" + action
                + (action == Action.DEGRADE ? ", degradedWeightFactor=" + degradedWeightFactor : "") + '}';
    }

    /** Builds a {@link LatencyHealth}; every setter documents its default. Not thread-safe. */
    public static final class Builder {
        private Duration absoluteLimit;
        private double relativeFactor = DEFAULT_RELATIVE_FACTOR;
        private Duration relativeFloor = DEFAULT_RELATIVE_FLOOR;
        private int minimumSamples = DEFAULT_MINIMUM_SAMPLES;
        private Duration interval = DEFAULT_INTERVAL;
        private Action action = Action.DEGRADE;
        private double degradedWeightFactor = DEFAULT_DEGRADED_WEIGHT_FACTOR;

        Builder() {
        }

        /**
         * A backend whose average latency exceeds this is slow (default: no absolute limit); {@code > 0}.
         *
         * @param absoluteLimit the absolute limit
         * @return this builder
         */
        public Builder absoluteLimit(Duration absoluteLimit) {
            this.absoluteLimit = Durations.requirePositive(absoluteLimit, "absoluteLimit");
            return this;
        }

        /**
         * A backend slower than this many times the others' median is slow (default 3.0); {@code > 1.0}
         * and {@code <= MAX_RELATIVE_FACTOR}.
         *
         * @param relativeFactor the relative factor
         * @return this builder
         */
        public Builder relativeFactor(double relativeFactor) {
            if (!(relativeFactor > 1.0)) {
                throw new IllegalArgumentException("relativeFactor: " + relativeFactor + " (expected: > 1.0)");
            }
            if (relativeFactor > MAX_RELATIVE_FACTOR) {
                throw new IllegalArgumentException("relativeFactor: " + relativeFactor + " (expected: <= "
                        + MAX_RELATIVE_FACTOR + ")");
            }
            this.relativeFactor = relativeFactor;
            return this;
        }

        /**
         * Turns the relative rule off; then an {@link #absoluteLimit(Duration)} is required.
         *
         * @return this builder
         */
        public Builder withoutRelativeLimit() {
            this.relativeFactor = 0;
            return this;
        }

        /**
         * The relative rule never flags a backend whose average is at or below this (default 20ms); {@code >= 0}.
         *
         * @param relativeFloor the relative floor
         * @return this builder
         */
        public Builder relativeFloor(Duration relativeFloor) {
            Objects.requireNonNull(relativeFloor, "relativeFloor");
            if (relativeFloor.isNegative()) {
                throw new IllegalArgumentException("relativeFloor: " + Durations.format(relativeFloor) + " (expected: >= 0)");
            }
            this.relativeFloor = relativeFloor;
            return this;
        }

        /**
         * Samples (requests and passed checks) a backend needs before it is judged (default 10);
         * {@code >= 1} and {@code <= MAX_MINIMUM_SAMPLES}.
         *
         * @param minimumSamples the minimum samples
         * @return this builder
         */
        public Builder minimumSamples(int minimumSamples) {
            if (minimumSamples < 1) {
                throw new IllegalArgumentException("minimumSamples: " + minimumSamples + " (expected: >= 1)");
            }
            if (minimumSamples > MAX_MINIMUM_SAMPLES) {
                throw new IllegalArgumentException("minimumSamples: " + minimumSamples + " (expected: <= "
                        + MAX_MINIMUM_SAMPLES + ")");
            }
            this.minimumSamples = minimumSamples;
            return this;
        }

        /**
         * The time between two evaluations (default 1s); {@code > 0}.
         *
         * @param interval the interval
         * @return this builder
         */
        public Builder interval(Duration interval) {
            this.interval = Durations.requirePositive(interval, "interval");
            return this;
        }

        /**
         * What happens to a slow backend (default {@link Action#DEGRADE}).
         *
         * @param action the action
         * @return this builder
         */
        public Builder action(Action action) {
            this.action = Objects.requireNonNull(action, "action");
            return this;
        }

        /**
         * The factor applied to a degraded backend's weight (default 0.1); {@code > 0.0} and {@code < 1.0}.
         *
         * @param degradedWeightFactor the degraded weight factor
         * @return this builder
         */
        public Builder degradedWeightFactor(double degradedWeightFactor) {
            if (!(degradedWeightFactor > 0.0)) {
                throw new IllegalArgumentException("degradedWeightFactor: " + degradedWeightFactor + " (expected: > 0.0)");
            }
            if (!(degradedWeightFactor < 1.0)) {
                throw new IllegalArgumentException("degradedWeightFactor: " + degradedWeightFactor + " (expected: < 1.0)");
            }
            this.degradedWeightFactor = degradedWeightFactor;
            return this;
        }

        /**
         * Builds it.
         *
         * @return the latency health
         * @throws IllegalArgumentException when the relative rule is off and no absolute limit is set
         */
        public LatencyHealth build() {
            if (relativeFactor == 0 && absoluteLimit == null) {
                throw new IllegalArgumentException(
                        "absoluteLimit: none (expected: a limit when the relative rule is off)");
            }
            return new LatencyHealth(true, absoluteLimit, relativeFactor, relativeFloor, minimumSamples, interval,
                    action, degradedWeightFactor);
        }

        @Override
        public String toString() {
            return "LatencyHealth.Builder{action=" + action + '}';
        }
    }
}
