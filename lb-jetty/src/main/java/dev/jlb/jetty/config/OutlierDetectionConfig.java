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
 */
public record OutlierDetectionConfig(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
        Duration maxEjectionTime, int maxEjectionPercent) {

    public static final int DEFAULT_CONSECUTIVE_FAILURES = OutlierDetection.DEFAULT_CONSECUTIVE_FAILURES;
    public static final Duration DEFAULT_BASE_EJECTION_TIME = OutlierDetection.DEFAULT_BASE_EJECTION_TIME;
    public static final Duration DEFAULT_MAX_EJECTION_TIME = OutlierDetection.DEFAULT_MAX_EJECTION_TIME;
    public static final int DEFAULT_MAX_EJECTION_PERCENT = OutlierDetection.DEFAULT_MAX_EJECTION_PERCENT;

    /** The defaults (enabled). */
    public static final OutlierDetectionConfig DEFAULT = new OutlierDetectionConfig(true, DEFAULT_CONSECUTIVE_FAILURES,
            DEFAULT_BASE_EJECTION_TIME, DEFAULT_MAX_EJECTION_TIME, DEFAULT_MAX_EJECTION_PERCENT);

    public OutlierDetectionConfig {
        Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
        Objects.requireNonNull(maxEjectionTime, "maxEjectionTime");
    }
}
