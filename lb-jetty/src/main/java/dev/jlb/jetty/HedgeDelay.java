package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LatencyDistribution;
import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * How long a route's request waits for response headers before a hedge goes: the policy's fixed
 * delay, or its percentile of the route's recent time to response headers. For a percentile, each
 * backend's distribution over the last refresh interval (1 s, at least {@value #MIN_SAMPLES}
 * latencies) gives its quantile, and the lowest of them is the delay: a request whose backend is
 * slower than the route's fastest backend usually is gets a hedge. Until a backend has enough
 * latencies there is no hedge. Thread-safe; the request path reads one volatile field, and one
 * request per second refreshes it.
 */
final class HedgeDelay {
    static final int MIN_SAMPLES = 100;
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final LoadBalancer loadBalancer;
    private final long fixedNanos;
    private final double quantile;
    private volatile long delayNanos = -1;
    private volatile long refreshedAt;
    private boolean refreshed;
    /** Guarded by this: each backend's distribution at the last refresh. */
    private final Map<Backend, LatencyDistribution> previous = new HashMap<>();

    HedgeDelay(LoadBalancer loadBalancer, RetryPolicy retry) {
        this.loadBalancer = loadBalancer;
        this.fixedNanos = retry.hedgeAfter() == null ? -1 : retry.hedgeAfter().toNanos();
        this.quantile = retry.hedgePercentile() / 100;
    }

    /** The delay in nanoseconds at {@code now}, or -1 for no hedge. */
    long nanos(long now) {
        if (fixedNanos > 0) {
            return fixedNanos;
        }
        if (!refreshed || now - refreshedAt >= REFRESH_NANOS) {
            refresh(now);
        }
        return delayNanos;
    }

    private synchronized void refresh(long now) {
        if (refreshed && now - refreshedAt < REFRESH_NANOS) {
            return;
        }
        long lowest = -1;
        Map<Backend, LatencyDistribution> seen = new HashMap<>();
        for (BackendStats b : loadBalancer.stats().backends()) {
            LatencyDistribution all = b.latency();
            LatencyDistribution before = previous.get(b.backend());
            LatencyDistribution recent = before == null ? all : all.since(before);
            seen.put(b.backend(), all);
            if (recent.count() >= MIN_SAMPLES) {
                long q = recent.quantileNanos(quantile);
                if (q > 0 && (lowest < 0 || q < lowest)) {
                    lowest = q;
                }
            }
        }
        previous.clear();
        previous.putAll(seen);
        // Too few latencies in the last second: keep the last delay rather than stop hedging.
        if (lowest > 0 || !refreshed) {
            delayNanos = lowest;
        }
        refreshedAt = now;
        refreshed = true;
    }
}
