package dev.jlb.jetty.metrics;

import dev.jlb.discovery.Discovery;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The discovery meters of a {@link LoadBalancerMetrics} (the {@code jlb.discovery.*} rows of its
 * table), by discovery: those of discoveries attached since the last {@link #sync} are registered,
 * those of detached ones removed. Each meter reads its discovery's own statistics.
 *
 * <p>Threading: guarded by the binder's lock; every method is called holding it.
 */
final class DiscoveryMeters {

    private final Tags routeTags;
    private final Map<Discovery, List<Meter>> meters = new HashMap<>();

    DiscoveryMeters(Tags routeTags) {
        this.routeTags = routeTags;
    }

    /** Makes the meters in {@code registry} those of {@code now}, the discoveries attached. */
    void sync(List<Discovery> now, MeterRegistry registry) {
        List<Meter> gone = new ArrayList<>();
        meters.entrySet().removeIf(e -> {
            if (now.contains(e.getKey())) {
                return false;
            }
            gone.addAll(e.getValue());
            return true;
        });
        gone.forEach(registry::remove);
        for (Discovery d : now) {
            meters.computeIfAbsent(d, x -> register(x, registry));
        }
    }

    /** Removes every discovery meter from {@code registry}. */
    void removeAll(MeterRegistry registry) {
        meters.values().forEach(ms -> ms.forEach(registry::remove));
        meters.clear();
    }

    private List<Meter> register(Discovery d, MeterRegistry r) {
        Tags tags = routeTags.and("source", d.source());
        List<Meter> registered = new ArrayList<>();
        registered.add(FunctionCounter.builder("jlb.discovery.resolutions", d, x -> x.stats().resolutions())
                .description("Discovery lookups that got an answer").tags(tags).register(r));
        registered.add(FunctionCounter.builder("jlb.discovery.failures", d, x -> x.stats().failures())
                .description("Discovery lookups that failed").tags(tags).register(r));
        registered.add(Gauge.builder("jlb.discovery.backends", d, x -> x.stats().backends())
                .description("Backends in the discovery's last snapshot").tags(tags).register(r));
        registered.add(Gauge.builder("jlb.discovery.last.success", d, x -> {
            long at = x.stats().lastSuccessEpochMillis();
            return at < 0 ? Double.NaN : at / 1000.0;
        }).description("When the last discovery lookup succeeded, since the epoch").baseUnit("seconds").tags(tags)
                .register(r));
        return registered;
    }
}
