package dev.jlb.jetty.metrics;

import dev.jlb.BackendState;
import dev.jlb.NoBackendAvailableException.Reason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The route's meters of a {@link LoadBalancerMetrics} (the {@code jlb.route.*} rows of its table):
 * their names, descriptions and tags. Each reads the route's current statistics through the binder
 * ({@link LoadBalancerMetrics#route()}), which is the meters' state object (Micrometer holds it weakly).
 *
 * <p>Threading: {@link #register} is called once, by {@code bindTo} under the binder's lock; the
 * meters are read by the registry's threads, each read taking the binder's lock.
 */
final class RouteMeters {

    private RouteMeters() {
    }

    /** Registers the route's meters of {@code metrics} in {@code registry} and adds them to {@code out}. */
    static void register(LoadBalancerMetrics metrics, Tags routeTags, MeterRegistry registry, List<Meter> out) {
        out.add(counter("jlb.route.requests", "Requests routed: first attempts completed plus requests "
                + "refused for lack of a backend", routeTags, m -> m.route().requests(), metrics, registry));
        for (Reason reason : Reason.values()) {
            if (reason == Reason.ALL_EXCLUDED) {
                continue; // only retries exclude backends: always 0 here
            }
            out.add(counter("jlb.route.no.backend", "Requests refused (503) because no backend was available",
                    routeTags.and("reason", reason.name().toLowerCase(Locale.ROOT)),
                    m -> m.route().noBackend(reason), metrics, registry));
        }
        out.add(counter("jlb.route.retries", "Retry attempts (completed)", routeTags,
                m -> m.route().retries(), metrics, registry));
        out.add(counter("jlb.route.retries.exhausted", "Requests that failed retryably with no attempt left",
                routeTags, m -> m.route().retriesExhausted(), metrics, registry));
        out.add(gauge("jlb.route.in.flight", "Attempts in flight", routeTags, null,
                m -> m.route().inFlight(), metrics, registry));
        out.add(gauge("jlb.route.queued", "Requests waiting in the overload queue", routeTags, null,
                m -> m.route().queued(), metrics, registry));
        out.add(counter("jlb.route.queued.total", "Requests that waited in the overload queue", routeTags,
                m -> m.route().queuedTotal(), metrics, registry));
        out.add(gauge("jlb.route.panic", "1 while the pool is in panic, else 0", routeTags, null,
                m -> m.route().inPanic() ? 1 : 0, metrics, registry));
        for (BackendState state : BackendState.values()) {
            out.add(gauge("jlb.route.backends", "Backends in each state",
                    routeTags.and("state", state.name().toLowerCase(Locale.ROOT)), null,
                    m -> m.route().backends().stream().filter(b -> b.state() == state).count(), metrics, registry));
        }
    }

    private static FunctionCounter counter(String name, String description, Iterable<Tag> tags,
            ToDoubleFunction<LoadBalancerMetrics> f, LoadBalancerMetrics metrics, MeterRegistry registry) {
        return FunctionCounter.builder(name, metrics, f).description(description).tags(tags).register(registry);
    }

    private static Gauge gauge(String name, String description, Iterable<Tag> tags, String unit,
            ToDoubleFunction<LoadBalancerMetrics> f, LoadBalancerMetrics metrics, MeterRegistry registry) {
        return Gauge.builder(name, metrics, f).description(description).tags(tags).baseUnit(unit).register(registry);
    }
}
