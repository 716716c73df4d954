package dev.jlb.jetty.admin;

import static dev.jlb.jetty.admin.AdminFailure.abbreviate;

import dev.jlb.LoadBalancer;
import dev.jlb.StatsWindow;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The routes the admin API serves, by name, read from the supplier on every call (so a supplier
 * over a live registry is always current), and the recent-figures window of each: finding a route by
 * the name in a path (404 when none), and keeping one {@link StatsWindow} per load balancer, pruned
 * once load balancers have gone away.
 *
 * <p>Thread-safe: the windows are guarded by their map; the supplier must be safe to call from any
 * request thread.
 */
final class AdminRoutes {

    private final Supplier<? extends Collection<? extends LoadBalancer>> routes;
    private final Duration window;
    /** One window per load balancer; pruned when load balancers go away. Guarded by itself. */
    private final Map<LoadBalancer, StatsWindow> windows = new IdentityHashMap<>();

    AdminRoutes(Supplier<? extends Collection<? extends LoadBalancer>> routes, Duration window) {
        this.routes = Objects.requireNonNull(routes, "routes");
        this.window = Objects.requireNonNull(window, "window");
    }

    /** A supplier of fixed routes, refused when two have the same name. */
    static Supplier<Collection<? extends LoadBalancer>> fixed(Collection<? extends LoadBalancer> routes) {
        List<LoadBalancer> copy = List.copyOf(routes);
        Set<String> names = new HashSet<>();
        for (LoadBalancer lb : copy) {
            if (!names.add(lb.name())) {
                throw new IllegalArgumentException("routes: two named " + lb.name() + " (expected: unique names)");
            }
        }
        return () -> copy;
    }

    /** The current routes by name, in the supplier's order; the first of two with one name wins. */
    Map<String, LoadBalancer> byName() {
        Map<String, LoadBalancer> byName = new LinkedHashMap<>();
        for (LoadBalancer lb : routes.get()) {
            byName.putIfAbsent(lb.name(), lb);
        }
        return byName;
    }

    /** The route named {@code name}, or {@code /name} (so /lb is also lb; the route / is the empty name). */
    LoadBalancer route(String name) {
        Map<String, LoadBalancer> all = byName();
        LoadBalancer lb = all.get(name);
        if (lb == null && !name.startsWith("/")) {
            lb = all.get("/" + name);
        }
        if (lb == null) {
            throw new AdminFailure(404, "route: " + abbreviate(name) + " (expected: one of " + all.keySet() + ")");
        }
        return lb;
    }

    /** The recent-figures window of {@code lb}, started on first use. */
    StatsWindow window(LoadBalancer lb) {
        synchronized (windows) {
            StatsWindow w = windows.get(lb);
            if (w == null) {
                if (windows.size() > 16) {
                    windows.keySet().retainAll(byName().values());
                }
                w = new StatsWindow(lb, window);
                windows.put(lb, w);
            }
            return w;
        }
    }
}
