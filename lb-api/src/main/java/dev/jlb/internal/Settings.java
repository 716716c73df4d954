package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.PoolListener;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.Ticker;
import dev.jlb.discovery.Discovery;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/** Everything {@link dev.jlb.LoadBalancer.Builder} collected, validated. Internal. */
public record Settings(
        String name,
        List<Backend> backends,
        Strategy strategy,
        Ticker ticker,
        RandomSource random,
        List<PoolListener> listeners,
        ActiveHealthCheck healthCheck,
        OutlierDetection outlierDetection,
        LatencyHealth latencyHealth,
        SlowStart slowStart,
        PanicMode panicMode,
        double panicThreshold,
        /** Null: the load balancer creates (and owns) its own. */
        ScheduledExecutorService scheduler,
        dev.jlb.OverloadProtection overload, List<Discovery> discoveries) {
}
