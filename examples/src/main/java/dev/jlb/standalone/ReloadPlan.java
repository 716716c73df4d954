package dev.jlb.standalone;

import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.jetty.config.RouteDiff;
import dev.jlb.jetty.config.ServerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one reload of a {@link Standalone} changes (see its class comment), decided from the running
 * routes and the new configuration: the server settings taken (those that need a restart are kept,
 * with a warning), and per route whether it runs on as it is, is updated in place on its load
 * balancer, gets a new handler, is added, gets a new load balancer or is removed; with one line per
 * change applied. The routes it starts are stopped again when one cannot start.
 *
 * <p>Threading: one per reload, used by the balancer holding its lock; not thread-safe.
 */
final class ReloadPlan {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    /** One line per change applied. */
    final List<String> changes = new ArrayList<>();
    /** The routes after the reload, by path, in the new configuration's order. */
    final Map<String, RouteRuntime> kept = new LinkedHashMap<>();
    /** The running routes whose handler is replaced or removed: stopped once drained. */
    final List<RouteRuntime> retired = new ArrayList<>();
    /** The load balancers of retired routes that are closed with them. */
    final List<LoadBalancer> toClose = new ArrayList<>();

    /**
     * The server settings this reload takes: what can change while running is taken (the idle
     * timeout is set on {@code listeners}); what cannot stays as it runs, with a warning.
     */
    ServerConfig server(ServerConfig now, ServerConfig wanted, Listeners listeners) {
        warnIfChanged(changes, "server.address", now.address(), wanted.address());
        warnIfChanged(changes, "server.port", now.port(), wanted.port());
        warnIfChanged(changes, "server.threads", now.threads(), wanted.threads());
        warnIfChanged(changes, "server.selectors", now.selectors(), wanted.selectors());
        warnIfChanged(changes, "server.accept_queue", now.acceptQueue(), wanted.acceptQueue());
        warnIfChanged(changes, "server.header_timeout", now.headerTimeout(), wanted.headerTimeout());
        warnIfChanged(changes, "server.h2c", now.h2c(), wanted.h2c());
        if (!java.util.Objects.equals(now.tls(), wanted.tls())) {
            LOG.warn("server.tls: changed; needs a restart (certificate files are reloaded when they change)");
        }
        if (!now.idleTimeout().equals(wanted.idleTimeout())) {
            listeners.setIdleTimeout(wanted.idleTimeout().toMillis());
            changes.add("server.idle_timeout: " + DurationFormat.format(wanted.idleTimeout()));
        }
        // What can change while running is taken; what cannot stays as it runs.
        ServerConfig applied = new ServerConfig(now.address(), now.port(), now.threads(), now.selectors(),
                now.acceptQueue(), wanted.idleTimeout(), wanted.maxConnectionsPerBackend(),
                wanted.maxRequestsQueuedPerBackend(), wanted.shutdownGracePeriod(), wanted.accessLog(),
                now.headerTimeout(), wanted.maxResponseHeaderSize(), now.tls(), now.h2c());
        if (wanted.accessLog() != now.accessLog()) {
            changes.add("server.access_log: " + wanted.accessLog());
        }
        if (!wanted.shutdownGracePeriod().equals(now.shutdownGracePeriod())) {
            changes.add("server.shutdown_grace_period: " + DurationFormat.format(wanted.shutdownGracePeriod()));
        }
        return applied;
    }

    /**
     * Decides every route of {@code next} against the running {@code routes}, starting the new
     * handlers (and load balancers) with {@code factory} and applying backend, strategy and health
     * changes to the load balancers that stay.
     *
     * @throws Exception when a new route or handler cannot start: the handlers (and load balancers)
     *     this call started are stopped; the running routes are untouched
     */
    void routes(Map<String, RouteRuntime> routes, List<RouteConfig> next, ServerConfig applied,
            RouteFactory factory) throws Exception {
        try {
            for (RouteConfig route : next) {
                RouteRuntime old = routes.get(route.path());
                if (old == null) {
                    kept.put(route.path(), factory.start(route, applied, null));
                    changes.add("route " + route.path() + ": added, " + route.summary());
                    continue;
                }
                if (!old.config().name().equals(route.name())
                        || !old.config().overload().equals(route.overload())) {
                    kept.put(route.path(), factory.start(route, applied, null));
                    retired.add(old);
                    toClose.add(old.loadBalancer());
                    changes.add("route " + route.path() + ": " + (old.config().name().equals(route.name())
                            ? "overload limits " + route.overload() + " (a new load balancer)"
                            : "renamed " + old.config().name() + " -> " + route.name()));
                    continue;
                }
                RouteDiff diff = RouteDiff.of(old.config(), route);
                diff.applyTo(old.loadBalancer());
                if (diff.proxyChanged() || old.accessLog() != applied.accessLog()) {
                    kept.put(route.path(), factory.start(route, applied, old.loadBalancer()));
                    retired.add(old);
                } else {
                    kept.put(route.path(), new RouteRuntime(route, old.loadBalancer(), old.options(), old.accessLog(),
                            new Router.Route(route, old.route().handler()), old.engineRoute()));
                }
                if (!diff.changes().isEmpty()) {
                    changes.add("route " + route.path() + ": " + String.join(", ", diff.changes()));
                }
            }
        } catch (Exception | Error e) {
            // Undo this reload's new handlers (and load balancers); the running routes are untouched.
            for (RouteRuntime rt : kept.values()) {
                RouteRuntime old = routes.get(rt.config().path());
                if (old == null || old.route().handler() != rt.route().handler()) {
                    RouteFactory.stopQuietly(rt.route().handler());
                    if (old == null || old.loadBalancer() != rt.loadBalancer()) {
                        rt.loadBalancer().close();
                    }
                }
            }
            throw e;
        }
        for (RouteRuntime old : routes.values()) {
            if (!kept.containsKey(old.config().path())) {
                retired.add(old);
                toClose.add(old.loadBalancer());
                changes.add("route " + old.config().path() + ": removed");
            }
        }
    }

    private static void warnIfChanged(List<String> changes, String key, Object now, Object wanted) {
        if (!now.equals(wanted)) {
            LOG.warn("{}: {} -> {} needs a restart; keeping {}", key, now, wanted, now);
        }
    }
}
