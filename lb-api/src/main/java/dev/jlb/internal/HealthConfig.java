package dev.jlb.internal;

import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;

/** Every health setting of one pool, swapped as a whole under the pool's lock. Immutable. */
record HealthConfig(
        ActiveHealthCheck active,
        OutlierDetection outlier,
        LatencyHealth latency,
        SlowStart slowStart,
        PanicMode panicMode,
        double panicThreshold) {

    HealthConfig withActive(ActiveHealthCheck value) {
        return new HealthConfig(value, outlier, latency, slowStart, panicMode, panicThreshold);
    }

    HealthConfig withOutlier(OutlierDetection value) {
        return new HealthConfig(active, value, latency, slowStart, panicMode, panicThreshold);
    }

    HealthConfig withLatency(LatencyHealth value) {
        return new HealthConfig(active, outlier, value, slowStart, panicMode, panicThreshold);
    }

    HealthConfig withSlowStart(SlowStart value) {
        return new HealthConfig(active, outlier, latency, value, panicMode, panicThreshold);
    }

    HealthConfig withPanic(PanicMode mode, double threshold) {
        return new HealthConfig(active, outlier, latency, slowStart, mode, threshold);
    }
}
