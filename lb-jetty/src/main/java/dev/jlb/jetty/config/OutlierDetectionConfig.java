package dev.jlb.jetty.config;

import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import java.util.Objects;

/**
 * Passive health: ejecting a backend after consecutive failed requests (the
 * {@code outlier_detection:} section). On by default. Immutable.
 *
 * @param enabled whether failures eject (default true)
 * @param consecutiveFailures failed requests in a row that eject a backend (default {@value #DEFAULT_CONSECUTIVE_FAILURES})
 * @param baseEjectionTime the first ejection's length, multiplied by the number of ejections so far (default 30s)
 * @param maxEjectionTime the longest ejection (default 300s)
 * @param maxEjectionPercent the largest share of the pool ejected at once (default {@value #DEFAULT_MAX_EJECTION_PERCENT})
 * @param unejectOnHealthCheckPass whether a passed active health check ends an ejection early
 *     (default {@value #DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS}; see {@link OutlierDetection})
 */
public record OutlierDetectionConfig(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
        Duration maxEjectionTime, int maxEjectionPercent, boolean unejectOnHealthCheckPass) {

    public static final int DEFAULT_CONSECUTIVE_FAILURES = OutlierDetection.DEFAULT_CONSECUTIVE_FAILURES;
    public static final Duration DEFAULT_BASE_EJECTION_TIME = OutlierDetection.DEFAULT_BASE_EJECTION_TIME;
    public static final Duration DEFAULT_MAX_EJECTION_TIME = OutlierDetection.DEFAULT_MAX_EJECTION_TIME;
    public static final int DEFAULT_MAX_EJECTION_PERCENT = OutlierDetection.DEFAULT_MAX_EJECTION_PERCENT;
    public static final boolean DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS =
            OutlierDetection.DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS;

    /** The defaults (enabled). */
    public static final OutlierDetectionConfig DEFAULT = new OutlierDetectionConfig(true, DEFAULT_CONSECUTIVE_FAILURES,
            DEFAULT_BASE_EJECTION_TIME, DEFAULT_MAX_EJECTION_TIME, DEFAULT_MAX_EJECTION_PERCENT,
            DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS);

    public OutlierDetectionConfig {
        Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
        Objects.requireNonNull(maxEjectionTime, "maxEjectionTime");
    }

    /** Settings with the default {@code unejectOnHealthCheckPass}. */
    public OutlierDetectionConfig(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
            Duration maxEjectionTime, int maxEjectionPercent) {
        this(enabled, consecutiveFailures, baseEjectionTime, maxEjectionTime, maxEjectionPercent,
                DEFAULT_UNEJECT_ON_HEALTH_CHECK_PASS);
    }
}
