package dev.jlb.health;

import dev.jlb.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Passive health: ejects a backend that fails too many real requests in a row, for a time that
 * grows each time it is ejected again. On by default, with the defaults below;
 * {@link #disabled()} turns it off.
 *
 * <p><b>What counts.</b> Every completed {@link dev.jlb.Selection} feeds the backend's streak of
 * consecutive failures. Connect failures, timeouts, resets and responses with a status from 500 to
 * 599 (whether reported through {@code onSuccess} or {@code onFailure}) add one; any other
 * completed response resets the streak to zero. Cancelled selections and failures of kind
 * {@link dev.jlb.FailureKind#OTHER} (errors on jlb's side) leave it unchanged, and so do failures
 * reported with a status below 500 (a retried 429, say).
 *
 * <p><b>Ejection and backoff.</b> When the streak reaches {@code consecutiveFailures}, the backend
 * becomes {@link dev.jlb.BackendState#EJECTED} for {@code baseEjectionTime x n}, capped at
 * {@code maxEjectionTime}, where {@code n} is how many times it has been ejected recently (1 the
 * first time). {@code n} decays by one for each {@code baseEjectionTime} the backend then stays in
 * the pool, so a backend that has recovered for a while starts again from the base time. When
 * the time is over the backend returns (event {@code EJECTED -> HEALTHY}, reason
 * {@code "ejection of 30s ended"}), with its streak at zero. A passed active health check does not
 * end an ejection early: passive health catches what the health endpoint does not show.
 *
 * <p><b>The maximum ejected share.</b> An ejection happens only if, <em>after</em> it, at most
 * {@code maxEjectionPercent} percent of the pool's backends that are not draining are ejected.
 * The share is counted after the ejection, and no backend is exempt: with 50% (the default), a pool
 * of 1 never ejects its backend, 2 or 3 backends allow 1 ejection, 4 or 5 allow 2, 10 allow 5. A
 * backend that reaches the threshold while the share is used up stays in the pool and is tried
 * again after each further {@code consecutiveFailures} failures. This is the rule users of Envoy
 * asked for: Envoy long counted the share <em>before</em> the ejection and always allowed one, so
 * 50% of 3 hosts let it eject 2 (envoyproxy/envoy#27066, changed in 2023), and gRPC still allows
 * one ejection past the maximum. jlb never exceeds the percentage. Backends ejected for latency
 * ({@link LatencyHealth.Action#EJECT}) count towards the same share. Backends that fail their
 * active health check are {@code UNHEALTHY}, not ejected, and do not count.
 *
 * <p>Immutable and thread-safe.
 */
public final class OutlierDetection {

    /** Default consecutive failures that eject a backend: 5. */
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
    /** Default base ejection time: 30 seconds. */
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    /** Default cap on the ejection time: 300 seconds. */
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    /** Default maximum share of the pool ejected at once: 50 percent. */
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;

    private static final OutlierDetection DEFAULTS = builder().build();
    private static final OutlierDetection DISABLED = new OutlierDetection(false, DEFAULT_CONSECUTIVE_FAILURES,
            DEFAULT_BASE_EJECTION_TIME, DEFAULT_MAX_EJECTION_TIME, DEFAULT_MAX_EJECTION_PERCENT);

    private final boolean enabled;
    private final int consecutiveFailures;
    private final Duration baseEjectionTime;
    private final Duration maxEjectionTime;
    private final int maxEjectionPercent;

    private OutlierDetection(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
            Duration maxEjectionTime, int maxEjectionPercent) {
        this.enabled = enabled;
        this.consecutiveFailures = consecutiveFailures;
        this.baseEjectionTime = baseEjectionTime;
        this.maxEjectionTime = maxEjectionTime;
        this.maxEjectionPercent = maxEjectionPercent;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Outlier detection with every default: the load balancer's default. */
    public static OutlierDetection defaults() {
        return DEFAULTS;
    }

    /** No passive ejection. */
    public static OutlierDetection disabled() {
        return DISABLED;
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Consecutive failures that eject a backend. */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** The ejection time of a first ejection; the n-th recent one lasts n times as long. */
    public Duration baseEjectionTime() {
        return baseEjectionTime;
    }

    /** The cap on one ejection's time. */
    public Duration maxEjectionTime() {
        return maxEjectionTime;
    }

    /** The largest share of the non-draining backends that may be ejected at once, in percent. */
    public int maxEjectionPercent() {
        return maxEjectionPercent;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OutlierDetection)) {
            return false;
        }
        OutlierDetection that = (OutlierDetection) o;
        return enabled == that.enabled && consecutiveFailures == that.consecutiveFailures
                && baseEjectionTime.equals(that.baseEjectionTime) && maxEjectionTime.equals(that.maxEjectionTime)
                && maxEjectionPercent == that.maxEjectionPercent;
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, consecutiveFailures, baseEjectionTime, maxEjectionTime, maxEjectionPercent);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "OutlierDetection{disabled}";
        }
        return "OutlierDetection{consecutiveFailures=" + consecutiveFailures + ", baseEjectionTime="
                + Durations.format(baseEjectionTime) + ", maxEjectionTime=" + Durations.format(maxEjectionTime)
                + ", maxEjectionPercent=" + maxEjectionPercent + '}';
    }

    /** Builds an {@link OutlierDetection}; every setter documents its default. Not thread-safe. */
    public static final class Builder {
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
        private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
        private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;

        Builder() {
        }

        /** Consecutive failures that eject a backend (default 5); {@code >= 1}. */
        public Builder consecutiveFailures(int consecutiveFailures) {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: >= 1)");
            }
            this.consecutiveFailures = consecutiveFailures;
            return this;
        }

        /** The ejection time of a first ejection (default 30s); {@code > 0}. */
        public Builder baseEjectionTime(Duration baseEjectionTime) {
            this.baseEjectionTime = Durations.requirePositive(baseEjectionTime, "baseEjectionTime");
            return this;
        }

        /** The cap on one ejection's time (default 300s); {@code > 0} and, checked by {@link #build()}, {@code >= baseEjectionTime}. */
        public Builder maxEjectionTime(Duration maxEjectionTime) {
            this.maxEjectionTime = Durations.requirePositive(maxEjectionTime, "maxEjectionTime");
            return this;
        }

        /** The largest share of the pool ejected at once, in percent (default 50); in {@code [0, 100]}, 0 never ejects. */
        public Builder maxEjectionPercent(int maxEjectionPercent) {
            if (maxEjectionPercent < 0) {
                throw new IllegalArgumentException("maxEjectionPercent: " + maxEjectionPercent + " (expected: >= 0)");
            }
            if (maxEjectionPercent > 100) {
                throw new IllegalArgumentException("maxEjectionPercent: " + maxEjectionPercent + " (expected: <= 100)");
            }
            this.maxEjectionPercent = maxEjectionPercent;
            return this;
        }

        /**
         * Builds it.
         *
         * @throws IllegalArgumentException when {@code maxEjectionTime < baseEjectionTime}
         */
        public OutlierDetection build() {
            if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
                throw new IllegalArgumentException("maxEjectionTime: " + Durations.format(maxEjectionTime)
                        + " (expected: >= baseEjectionTime " + Durations.format(baseEjectionTime) + ")");
            }
            return new OutlierDetection(true, consecutiveFailures, baseEjectionTime, maxEjectionTime,
                    maxEjectionPercent);
        }

        @Override
        public String toString() {
            return "OutlierDetection.Builder{consecutiveFailures=" + consecutiveFailures + '}';
        }
    }
}
