package dev.jlb.jetty.metrics;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LatencyDistribution;
import dev.jlb.StatsWindow;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one backend of a {@link LoadBalancerMetrics} (the {@code jlb.backend.*} rows of its
 * table); they read the backend's last statistics seen in the binder's snapshot (kept once it is
 * gone), and the latency quantiles over the binder's window. This object is their state object.
 *
 * <p>Threading: registered under the binder's lock; read by the registry's threads, each read
 * taking the binder's lock, which also guards the last statistics and latency kept here.
 */
final class BackendMeters {

    private final LoadBalancerMetrics owner;
    private final Backend backend;
    private final Tags tags;
    private final List<Double> quantiles;
    private final List<Meter> meters = new ArrayList<>();
    /** Guarded by the owner. */
    private BackendStats last;
    private LatencyDistribution latency;

    BackendMeters(LoadBalancerMetrics owner, Backend backend, Tags routeTags, List<Double> quantiles) {
        this.owner = owner;
        this.backend = backend;
        this.tags = routeTags.and("backend", backend.id());
        this.quantiles = quantiles;
    }

    BackendStats stats() {
        synchronized (owner) {
            StatsReading reading = owner.reading();
            BackendStats current = reading.stats(backend);
            if (current != null) {
                last = current;
            }
            return last;
        }
    }

    /** A counter or gauge of the backend: 0 before its first statistics (it just joined). */
    double value(ToDoubleFunction<BackendStats> f) {
        BackendStats stats = stats();
        return stats == null ? 0 : f.applyAsDouble(stats);
    }

    double quantileSeconds(double q) {
        LatencyDistribution d;
        synchronized (owner) {
            StatsWindow.Recent r = owner.reading().recent();
            BackendStats stats = stats();
            if (latency == null && stats != null) {
                latency = r.latency(stats);
            }
            d = latency;
        }
        if (d == null || d.count() == 0) {
            return Double.NaN;
        }
        return d.quantileNanos(q) / 1e9;
    }

    /** Drops the latency computed from the previous snapshot; called under the owner's lock. */
    void forgetLatency() {
        latency = null;
    }

    void register(MeterRegistry registry) {
        counter("jlb.backend.requests", "Attempts completed, by outcome", tags.and("outcome", "success"),
                BackendStats::successes, registry);
        counter("jlb.backend.requests", "Attempts completed, by outcome", tags.and("outcome", "failure"),
                BackendStats::failures, registry);
        counter("jlb.backend.requests", "Attempts completed, by outcome", tags.and("outcome", "cancelled"),
                BackendStats::cancelled, registry);
        for (int c = 1; c <= 5; c++) {
            int statusClass = c;
            counter("jlb.backend.responses", "Responses by status class", tags.and("status", c + "xx"),
                    s -> s.responses(statusClass), registry);
        }
        counter("jlb.backend.connect.failures", "Attempts that could not connect", tags,
                BackendStats::connectFailures, registry);
        counter("jlb.backend.timeouts", "Attempts that timed out", tags, BackendStats::timeouts, registry);
        counter("jlb.backend.retries", "Retry attempts sent to this backend", tags, BackendStats::retries, registry);
        counter("jlb.backend.ejections", "Ejections by passive health", tags, BackendStats::ejections, registry);
        gauge("jlb.backend.in.flight", "Attempts in flight", tags, null, s -> s.inFlight(), registry);
        for (double q : quantiles) {
            meters.add(Gauge.builder("jlb.backend.latency", this, m -> m.quantileSeconds(q))
                    .description("Time to response headers, quantile over the latency window")
                    .tags(tags.and("quantile", LoadBalancerMetrics.quantileTag(q))).baseUnit("seconds")
                    .register(registry));
        }
        for (BackendState state : BackendState.values()) {
            gauge("jlb.backend.state", "1 for the backend's state, 0 for the others",
                    tags.and("state", state.name().toLowerCase(Locale.ROOT)), null,
                    s -> s.state() == state ? 1 : 0, registry);
        }
        gauge("jlb.backend.weight", "Configured weight (0: drained)", tags, null, s -> s.backend().weight(), registry);
        gauge("jlb.backend.effective.weight", "Weight in the current pick (0: not eligible)", tags, null,
                BackendStats::effectiveWeight, registry);
    }

    /** Removes this backend's meters from {@code registry}. */
    void removeFrom(MeterRegistry registry) {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
    }

    private void counter(String name, String description, Tags meterTags, ToDoubleFunction<BackendStats> f,
            MeterRegistry registry) {
        meters.add(FunctionCounter.builder(name, this, m -> m.value(f)).description(description).tags(meterTags)
                .register(registry));
    }

    private void gauge(String name, String description, Tags meterTags, String unit,
            ToDoubleFunction<BackendStats> f, MeterRegistry registry) {
        meters.add(Gauge.builder(name, this, m -> m.value(f)).description(description).tags(meterTags)
                .baseUnit(unit).register(registry));
    }
}
