package dev.jlb.jetty.config;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.discovery.DiscoveredMembership;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changed between two versions of one route, and how it is applied: backends added, removed
 * and re-weighted, and the load balancer's settings, change in place on the running
 * {@link LoadBalancer} ({@link #applyTo}), keeping the statistics and health state of what stays;
 * changed {@linkplain RouteConfig#proxy() proxy options} need a new handler on the same load
 * balancer; a new name (logs and metrics are named after it) needs a new load balancer.
 *
 * <pre>{@code
 * RouteDiff diff = RouteDiff.of(running, reloaded);
 * diff.applyTo(lb);                      // backends, strategy, health settings, in place
 * if (diff.proxyChanged()) { ... }       // a new handler with reloaded.proxy()
 * }</pre>
 *
 * <p>Backends are compared by identity ({@link Backend#equals}: scheme, host, port) and then by
 * weight; their order does not matter ({@link dev.jlb.Pool#replaceAll} keeps the pool's order).
 * Immutable and thread-safe.
 */
public final class RouteDiff {

    private final RouteConfig before;
    private final RouteConfig after;
    private final List<Backend> added = new ArrayList<>();
    private final List<Backend> removed = new ArrayList<>();
    private final List<Backend> reweighted = new ArrayList<>();

    private RouteDiff(RouteConfig before, RouteConfig after) {
        this.before = before;
        this.after = after;
        Map<Backend, Backend> old = new HashMap<>();
        before.backends().forEach(b -> old.put(b, b));
        Set<Backend> kept = new HashSet<>();
        for (Backend b : after.backends()) {
            Backend was = old.get(b);
            if (was == null) {
                added.add(b);
            } else {
                kept.add(b);
                if (was.weight() != b.weight()) {
                    reweighted.add(b);
                }
            }
        }
        before.backends().stream().filter(b -> !kept.contains(b)).forEach(removed::add);
    }

    /**
     * The changes from {@code before} (the running route) to {@code after} (the reloaded one).
     *
     * @param before the before
     * @param after the after
     * @return the changes from {@code before} (the running route) to {@code after} (the reloaded one)
     */
    public static RouteDiff of(RouteConfig before, RouteConfig after) {
        return new RouteDiff(Objects.requireNonNull(before, "before"), Objects.requireNonNull(after, "after"));
    }

    /**
     * Backends of {@code after} that {@code before} did not have.
     *
     * @return the list
     */
    public List<Backend> added() {
        return List.copyOf(added);
    }

    /**
     * Backends of {@code before} that {@code after} does not have.
     *
     * @return the list
     */
    public List<Backend> removed() {
        return List.copyOf(removed);
    }

    /**
     * Backends of both whose weight changed, with their new weight.
     *
     * @return the list
     */
    public List<Backend> reweighted() {
        return List.copyOf(reweighted);
    }

    /** {@return whether the route's backend list changed} */
    public boolean backendsChanged() {
        return !added.isEmpty() || !removed.isEmpty() || !reweighted.isEmpty();
    }

    /** {@return whether the discovery entries changed (added, removed, or an option of one)} */
    public boolean discoveriesChanged() {
        return !before.discoveries().equals(after.discoveries());
    }

    /**
     * {@return discovery entries of {@code after} that {@code before} did not have (a changed one counts here and in removed)}
     */
    public List<DiscoveryConfig> discoveriesAdded() {
        return after.discoveries().stream().filter(d -> !before.discoveries().contains(d)).toList();
    }

    /** {@return discovery entries of {@code before} that {@code after} does not have} */
    public List<DiscoveryConfig> discoveriesRemoved() {
        return before.discoveries().stream().filter(d -> !after.discoveries().contains(d)).toList();
    }

    /** {@return whether the route's strategy changed} */
    public boolean strategyChanged() {
        return !before.strategy().equals(after.strategy());
    }

    /** {@return whether the active check changed, or the TLS it reaches https backends with} */
    public boolean healthCheckChanged() {
        return !before.healthCheck().equals(after.healthCheck())
                || !before.proxy().backendTls().equals(after.proxy().backendTls());
    }

    /** {@return whether the outlier detection settings changed} */
    public boolean outlierDetectionChanged() {
        return !before.outlierDetection().equals(after.outlierDetection());
    }

    /** {@return whether the latency health settings changed} */
    public boolean latencyHealthChanged() {
        return !before.latencyHealth().equals(after.latencyHealth());
    }

    /** {@return whether the slow start settings changed} */
    public boolean slowStartChanged() {
        return !before.slowStart().equals(after.slowStart());
    }

    /** {@return whether the panic settings changed} */
    public boolean panicChanged() {
        return before.panicMode() != after.panicMode()
                || Double.compare(before.panicThreshold(), after.panicThreshold()) != 0;
    }

    /** {@return whether the proxy options changed: the route needs a new handler (on the same load balancer)} */
    public boolean proxyChanged() {
        return !before.proxy().equals(after.proxy());
    }

    /** {@return whether the name changed: the route needs a new load balancer, named after it} */
    public boolean renamed() {
        return !before.name().equals(after.name());
    }

    /** {@return whether the overload limits changed: fixed for a load balancer's life, they need a new one} */
    public boolean overloadChanged() {
        return !before.overload().equals(after.overload());
    }

    /** {@return whether nothing changed} */
    public boolean isEmpty() {
        return inPlaceChanges().isEmpty() && !proxyChanged() && !renamed() && !overloadChanged();
    }

    /**
     * Applies what changes in place to a running load balancer built from {@code before}: backends and
     * weights (one atomic change; statistics of the backends that stay are kept), strategy, active
     * health check, outlier detection, latency health, slow start and panic. Each setting that did
     * not change is left alone, so its state (streaks, ejections, ramps) stays. Requests in flight
     * are not affected.
     *
     * @param lb the lb
     * @return whether anything was applied
     */
    public boolean applyTo(LoadBalancer lb) {
        Objects.requireNonNull(lb, "lb");
        DiscoveredMembership discovery = lb.discovery();
        if (backendsChanged()) {
            // What the discoveries found stays: only the listed backends are the file's to replace.
            Set<Backend> found = discovery.owned();
            List<Backend> members = new ArrayList<>(after.backends());
            lb.pool().backends().stream().filter(b -> found.contains(b) && !after.backends().contains(b))
                    .forEach(members::add);
            lb.pool().replaceAll(members);
        }
        for (DiscoveryConfig gone : discoveriesRemoved()) {
            discovery.find(gone.source()).ifPresent(discovery::detach);
        }
        for (DiscoveryConfig added : discoveriesAdded()) {
            discovery.attach(added.create());
        }
        if (strategyChanged()) {
            lb.updateStrategy(after.strategy().create());
        }
        if (healthCheckChanged()) {
            lb.updateHealthCheck(ConfigBinder.healthCheck(after));
        }
        if (outlierDetectionChanged()) {
            lb.updateOutlierDetection(after.outlierDetection());
        }
        if (latencyHealthChanged()) {
            lb.updateLatencyHealth(after.latencyHealth());
        }
        if (slowStartChanged()) {
            lb.updateSlowStart(after.slowStart());
        }
        if (panicChanged()) {
            lb.updatePanic(after.panicMode(), after.panicThreshold());
        }
        return !inPlaceChanges().isEmpty();
    }

    /**
     * The changes {@link #applyTo} makes, one line each for logs: {@code backends added [c:1],
     * removed [b:1], re-weighted [a:1*4]}, {@code strategy p2c}, {@code health check tcp connect
     * every 10s}, {@code outlier detection}, {@code latency health}, {@code slow start}, {@code panic}.
     *
     * @return the list
     */
    public List<String> inPlaceChanges() {
        List<String> lines = new ArrayList<>();
        if (backendsChanged()) {
            List<String> parts = new ArrayList<>();
            if (!added.isEmpty()) {
                parts.add("added " + RouteConfig.backendList(added));
            }
            if (!removed.isEmpty()) {
                parts.add("removed " + RouteConfig.backendList(removed));
            }
            if (!reweighted.isEmpty()) {
                parts.add("re-weighted " + RouteConfig.backendList(reweighted));
            }
            lines.add("backends " + String.join(", ", parts));
        }
        if (discoveriesChanged()) {
            List<String> parts = new ArrayList<>();
            if (!discoveriesAdded().isEmpty()) {
                parts.add("added " + discoveriesAdded());
            }
            if (!discoveriesRemoved().isEmpty()) {
                parts.add("removed " + discoveriesRemoved());
            }
            lines.add("discoveries " + String.join(", ", parts));
        }
        if (strategyChanged()) {
            lines.add("strategy " + after.strategy());
        }
        if (healthCheckChanged()) {
            lines.add("health check " + RouteConfig.healthCheckSummary(after.healthCheck()));
        }
        if (outlierDetectionChanged()) {
            lines.add("outlier detection");
        }
        if (latencyHealthChanged()) {
            lines.add("latency health");
        }
        if (slowStartChanged()) {
            lines.add("slow start");
        }
        if (panicChanged()) {
            lines.add("panic");
        }
        return lines;
    }

    /**
     * {@return every change, for logs: {@link #inPlaceChanges()}, then {@code proxy settings} when the proxy options changed}
     */
    public List<String> changes() {
        List<String> lines = inPlaceChanges();
        if (proxyChanged()) {
            lines.add("proxy settings");
        }
        return lines;
    }

    @Override
    public String toString() {
        List<String> lines = changes();
        if (renamed()) {
            lines.add(0, "renamed " + before.name() + " -> " + after.name());
        }
        return "RouteDiff{" + after.path() + (lines.isEmpty() ? ": no change" : ": " + String.join(", ", lines)) + '}';
    }
}
