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
 * {@code "ejection of 30s ended"}), with its streak at zero.
 *
 * <p><b>Un-ejection by a passed active health check</b> ({@link Builder#unejectOnHealthCheckPass},
 * on by default; Envoy's {@code successful_active_health_check_uneject_host}, also on by default
 * there). With an {@link ActiveHealthCheck} configured, an ejection for consecutive failures ends
 * early when one active check of the backend
 * <ul>
 *   <li>passes, and is a check that judges answers ({@link HealthCheck#checksResponses()}: the HTTP
 *       check, or a custom probe that says so). A passed TCP check never ends an ejection: a
 *       backend that answers every request with 503 still accepts connections, and under a TCP check
 *       every second it would be un-ejected and ejected again every second, failing
 *       {@code consecutiveFailures} requests each time;</li>
 *   <li>was <em>started after the ejection began</em> (a check already in flight when the backend
 *       was ejected does not count, whatever it answers), and</li>
 *   <li>leaves the backend healthy in the active checker's eyes: either the checker already held it
 *       healthy (fewer than {@code fall} failed checks in a row since do not matter), or this pass is the
 *       {@code rise}-th in a row that makes an unhealthy backend healthy again. A pass that only
 *       counts towards {@code rise} does not un-eject.</li>
 * </ul>
 * This is Envoy's rule (a successful check after which the host is not failing active health
 * checking un-ejects it) plus the conditions on the kind of check and on when it started, which
 * Envoy does not have (it un-ejects on a passed TCP check too). The backend returns
 * at once, with its streak at zero, and the ejection still counts for the backoff: the level decays
 * from the moment it returned, exactly as after an ejection that ran its time. The event reads
 * {@code EJECTED -> HEALTHY (active health check passed: status 200; un-ejected)}, or, when the
 * pass also ends {@code UNHEALTHY}, {@code UNHEALTHY -> HEALTHY (health check passed 2 times:
 * status 200; un-ejected)}. Ejections for latency ({@link LatencyHealth.Action#EJECT}) are not
 * ended early: a health endpoint that answers says nothing about the latency of real requests.
 * Without an active health check, with a TCP check, or with the option off, an ejection always runs
 * its time (a backend killed and restarted under a TCP check thus returns when its ejection ends). The
 * price of the default: a backend whose health endpoint passes while its real requests fail comes
 * back at its next check and fails another {@code consecutiveFailures} requests before it is
 * ejected again, about once per check interval instead of once per ejection time. Turn the option
 * off when the health endpoint does not reflect what real requests see.
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
    /** Whether a passed active health check ends an ejection by default: true (as in Envoy). */
    public static final boolean DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS = true;
    /** The largest {@link Builder#consecutiveFailures} accepted. */
    public static final int MAX_CONSECUTIVE_FAILURES = 1000;

    private static final OutlierDetection DEFAULTS = builder().build();
    private static final OutlierDetection DISABLED = new OutlierDetection(false, DEFAULT_CONSECUTIVE_FAILURES,
            DEFAULT_BASE_EJECTION_TIME, DEFAULT_MAX_EJECTION_TIME, DEFAULT_MAX_EJECTION_PERCENT,
            DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS);

    private final boolean enabled;
    private final int consecutiveFailures;
    private final Duration baseEjectionTime;
    private final Duration maxEjectionTime;
    private final int maxEjectionPercent;
    private final boolean unejectOnHealthCheckPass;

    private OutlierDetection(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
            Duration maxEjectionTime, int maxEjectionPercent, boolean unejectOnHealthCheckPass) {
        this.enabled = enabled;
        this.consecutiveFailures = consecutiveFailures;
        this.baseEjectionTime = baseEjectionTime;
        this.maxEjectionTime = maxEjectionTime;
        this.maxEjectionPercent = maxEjectionPercent;
        this.unejectOnHealthCheckPass = unejectOnHealthCheckPass;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return outlier detection with every default: the load balancer's default} */
    public static OutlierDetection defaults() {
        return DEFAULTS;
    }

    /** {@return no passive ejection} */
    public static OutlierDetection disabled() {
        return DISABLED;
    }

    /** {@return whether outlier detection ejects backends at all} */
    public boolean isEnabled() {
        return enabled;
    }

    /** {@return consecutive failures that eject a backend} */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** {@return the ejection time of a first ejection; the n-th recent one lasts n times as long} */
    public Duration baseEjectionTime() {
        return baseEjectionTime;
    }

    /** {@return the cap on one ejection's time} */
    public Duration maxEjectionTime() {
        return maxEjectionTime;
    }

    /** {@return the largest share of the non-draining backends that may be ejected at once, in percent} */
    public int maxEjectionPercent() {
        return maxEjectionPercent;
    }

    /**
     * Whether a passed active health check that judges answers (HTTP, not TCP) and started after an
     * ejection ends it early (see the class comment for the exact rule). Has no effect without such a
     * check.
     *
     * @return the boolean
     */
    public boolean unejectOnHealthCheckPass() {
        return unejectOnHealthCheckPass;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OutlierDetection)) {
            return false;
        }
        OutlierDetection that = (OutlierDetection) o;
        return enabled == that.enabled && consecutiveFailures == that.consecutiveFailures
                && baseEjectionTime.equals(that.baseEjectionTime) && maxEjectionTime.equals(that.maxEjectionTime)
                && maxEjectionPercent == that.maxEjectionPercent
                && unejectOnHealthCheckPass == that.unejectOnHealthCheckPass;
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, consecutiveFailures, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
                unejectOnHealthCheckPass);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "OutlierDetection{disabled}";
        }
        return "OutlierDetection{consecutiveFailures=" + consecutiveFailures + ", baseEjectionTime="
                + Durations.format(baseEjectionTime) + ", maxEjectionTime=" + Durations.format(maxEjectionTime)
                + ", maxEjectionPercent=" + maxEjectionPercent + ", unejectOnHealthCheckPass="
                + unejectOnHealthCheckPass + '}';
    }

    /** Builds an {@link OutlierDetection}; every setter documents its default. Not thread-safe. */
    public static final class Builder {
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
        private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
        private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;
        private boolean unejectOnHealthCheckPass = DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS;

        Builder() {
        }

        /**
         * Consecutive failures that eject a backend (default 5); {@code >= 1} and {@code <= MAX_CONSECUTIVE_FAILURES}.
         *
         * @param consecutiveFailures the consecutive failures
         * @return this builder
         */
        public Builder consecutiveFailures(int consecutiveFailures) {
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: >= 1)");
            }
            if (consecutiveFailures > MAX_CONSECUTIVE_FAILURES) {
                throw new IllegalArgumentException("consecutiveFailures: " + consecutiveFailures + " (expected: <= "
                        + MAX_CONSECUTIVE_FAILURES + ")");
            }
            this.consecutiveFailures = consecutiveFailures;
            return this;
        }

        /**
         * The ejection time of a first ejection (default 30s); {@code > 0}.
         *
         * @param baseEjectionTime the base ejection time
         * @return this builder
         */
        public Builder baseEjectionTime(Duration baseEjectionTime) {
            this.baseEjectionTime = Durations.requirePositive(baseEjectionTime, "baseEjectionTime");
            return this;
        }

        /**
         * The cap on one ejection's time (default 300s); {@code > 0} and, checked by {@link #build()}, {@code >= baseEjectionTime}.
         *
         * @param maxEjectionTime the max ejection time
         * @return this builder
         */
        public Builder maxEjectionTime(Duration maxEjectionTime) {
            this.maxEjectionTime = Durations.requirePositive(maxEjectionTime, "maxEjectionTime");
            return this;
        }

        /**
         * The largest share of the pool ejected at once, in percent (default 50); in {@code [0, 100]}, 0 never ejects.
         *
         * @param maxEjectionPercent the max ejection percent
         * @return this builder
         */
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
         * Whether a passed active health check ends an ejection for consecutive failures early
         * (default {@value OutlierDetection#DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS}); Envoy's
         * {@code successful_active_health_check_uneject_host}. The check must judge answers (the HTTP
         * check does, the TCP check does not: {@link HealthCheck#checksResponses()}), have started
         * after the ejection began and leave the backend healthy for the active checker (its
         * {@code rise} reached, or it was healthy already); the ejection still counts for the backoff.
         * No effect without such a check, and none on ejections for latency. See the class comment.
         *
         * @param unejectOnHealthCheckPass the uneject on health check pass
         * @return this builder
         */
        public Builder unejectOnHealthCheckPass(boolean unejectOnHealthCheckPass) {
            this.unejectOnHealthCheckPass = unejectOnHealthCheckPass;
            return this;
        }

        /**
         * Builds it.
         *
         * @return the outlier detection
         * @throws IllegalArgumentException when {@code maxEjectionTime < baseEjectionTime}
         */
        public OutlierDetection build() {
            if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
                throw new IllegalArgumentException("maxEjectionTime: " + Durations.format(maxEjectionTime)
                        + " (expected: >= baseEjectionTime (" + Durations.format(baseEjectionTime) + "))");
            }
            return new OutlierDetection(true, consecutiveFailures, baseEjectionTime, maxEjectionTime,
                    maxEjectionPercent, unejectOnHealthCheckPass);
        }

        @Override
        public String toString() {
            return "OutlierDetection.Builder{consecutiveFailures=" + consecutiveFailures + '}';
        }
    }
}
