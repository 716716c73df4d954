package dev.jlb.jetty.config;

import dev.jlb.Backend;
import dev.jlb.RetryPolicy;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.SlowStart;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.config.PassiveHealthSection.Panic;
import dev.jlb.jetty.discovery.DnsResolverOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a {@link Node} tree into a {@link JlbConfig}, reporting every problem to {@link Problems}.
 * The file's two forms and its routes are read here; each section of a route is read by its own
 * class ({@link BackendSection}, {@link StrategySection}, {@link HealthCheckSection},
 * {@link PassiveHealthSection}, {@link ProxySection}, {@link StickySection}; {@link ServerSection}
 * for the listeners) into the option types of the core and the adapter, whose builders judge the
 * values. Reading goes on after a bad value so that one pass finds all of them; the model is only
 * built when there is none.
 */
final class ConfigValidator {

    /** The Go original's keys that describe its single route. */
    private static final List<String> GO_ROUTE_KEYS =
            List.of("servers", "server_weights", "strategy", "health_check_interval", "max_retry_limit");

    private final Problems problems;
    /** Environment variables by name (null when unset): {@code System::getenv}, or a test's. */
    private final Function<String, String> environment;
    /** The top-level dns: section, read before the routes. */
    private DnsResolverOptions resolver = DnsResolverOptions.DEFAULTS;
    /** The top-level kubernetes: section, read before the routes. */
    private KubernetesSettings kubernetes = KubernetesSettings.DEFAULTS;

    private ConfigValidator(Problems problems, Function<String, String> environment) {
        this.problems = problems;
        this.environment = environment;
    }

    /** The configuration, or null when {@code problems} received at least one problem. */
    static JlbConfig validate(Node root, Problems problems) {
        return validate(root, problems, System::getenv);
    }

    /** As {@link #validate(Node, Problems)}, reading environment variables from {@code environment}. */
    static JlbConfig validate(Node root, Problems problems, Function<String, String> environment) {
        return new ConfigValidator(problems, environment).config(root);
    }

    private JlbConfig config(Node root) {
        if (!(root instanceof MapNode)) {
            problems.invalid(root, "", "a mapping with servers or routes");
            return null;
        }
        MapReader top = new MapReader((MapNode) root, "", problems);
        ServerConfig server = ServerSection.server(top, environment);
        resolver = DnsSection.resolver(top);
        kubernetes = KubernetesSection.settings(top);
        List<RouteConfig> routes = List.of();
        if (top.has("routes")) {
            for (String key : GO_ROUTE_KEYS) {
                Node n = top.node(key);
                if (n != null) {
                    top.invalid(key, n, key.equals("servers")
                            ? "either servers (the single route " + RouteConfig.GO_PATH + ") or routes, not both"
                            : "only with servers; with routes, set it in each route");
                }
            }
            routes = routes(top, server);
        } else if (top.has("servers")) {
            routes = List.of(goRoute(top, server));
        } else {
            GO_ROUTE_KEYS.forEach(top::has);
            problems.add(top.line(), "routes", "missing (expected: a list of routes, or servers for the single route "
                    + RouteConfig.GO_PATH + ")");
        }
        AdminConfig admin = ServerSection.admin(top);
        top.finish();
        return problems.isEmpty() ? new JlbConfig(server, routes, admin) : null;
    }

    /** The Go original's single route at {@value RouteConfig#GO_PATH}: its keys, the defaults otherwise. */
    private RouteConfig goRoute(MapReader top, ServerConfig server) {
        List<Backend> backends = BackendSection.goBackends(top);
        StrategyConfig strategy = StrategySection.strategy(top, "strategy");
        ActiveHealthCheck healthCheck = HealthCheckSection.goHealthCheck(top);
        RetryPolicy.Builder retry = RetryPolicy.builder();
        // As the issue that brought it back defines it: the most attempts per request in total, the
        // first included (the Go original parsed the key and never used it).
        top.integer("max_retry_limit", retry::maxAttempts);
        ProxyOptions proxy = ProxyOptions.builder().prefix(RouteConfig.GO_PATH).retry(retry.build())
                .maxConnectionsPerBackend(server.maxConnectionsPerBackend())
                .maxRequestsQueuedPerBackend(server.maxRequestsQueuedPerBackend())
                .maxResponseHeaderSize(server.maxResponseHeaderSize()).build();
        return new RouteConfig(RouteConfig.GO_PATH, RouteConfig.GO_PATH, backends, strategy, healthCheck,
                OutlierDetection.defaults(), LatencyHealth.disabled(), SlowStart.disabled(), Panic.DEFAULT.mode(),
                Panic.DEFAULT.threshold(), proxy);
    }

    private List<RouteConfig> routes(MapReader top, ServerConfig server) {
        ListNode list = top.list("routes", "a list of routes");
        if (list == null) {
            return List.of();
        }
        if (list.items().isEmpty()) {
            top.invalid("routes", list, "at least one route");
        }
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Integer> paths = new HashMap<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            String path = "routes[" + i + "]";
            Node item = list.items().get(i);
            if (!(item instanceof MapNode m)) {
                problems.invalid(item, path, "a mapping with path and backends");
                continue;
            }
            MapReader r = new MapReader(m, path, problems);
            RouteConfig route = route(r, server);
            if (route == null) {
                continue;
            }
            Integer first = paths.putIfAbsent(route.path(), r.node("path").line());
            if (first != null) {
                r.invalid("path", r.node("path"), "each path once; first at line " + first);
            }
            Node nameNode = r.node("name") != null ? r.node("name") : r.node("path");
            first = names.putIfAbsent(route.name(), nameNode.line());
            if (first != null && r.node("name") != null) {
                r.invalid("name", nameNode, "each name once; first at line " + first);
            } else if (first != null) {
                r.invalid("path", nameNode, "a name of its own: the route's name defaults to its path, and "
                        + route.name() + " is the name at line " + first);
            }
            routes.add(route);
        }
        return routes;
    }

    private RouteConfig route(MapReader r, ServerConfig server) {
        String path = routePath(r);
        String name = r.string("name", path, "a name");
        if (name != null && name.isBlank()) {
            r.invalid("name", r.node("name"), "a name that is not blank");
        }
        List<DiscoveryConfig> discoveries = new ArrayList<>();
        List<Backend> backends = BackendSection.backends(r, resolver, kubernetes, discoveries);
        StrategyConfig strategy = StrategySection.strategy(r, "strategy");
        ActiveHealthCheck healthCheck = HealthCheckSection.healthCheck(r);
        OutlierDetection outlierDetection = PassiveHealthSection.outlierDetection(r);
        LatencyHealth latencyHealth = PassiveHealthSection.latencyHealth(r);
        SlowStart slowStart = PassiveHealthSection.slowStart(r);
        Panic panic = PassiveHealthSection.panic(r);
        dev.jlb.OverloadProtection overload = OverloadSection.overload(r);
        ProxyOptions proxy = ProxySection.proxy(r, path, server)
                .stickyCookie(StickySection.sticky(r, environment))
                .backendTls(TlsSection.backendTls(r, environment))
                .build();
        r.finish();
        if (path == null) {
            return null;
        }
        return new RouteConfig(name == null || name.isBlank() ? path : name.strip(), path, backends, strategy,
                healthCheck, outlierDetection, latencyHealth, slowStart, panic.mode(), panic.threshold(), proxy,
                overload, discoveries);
    }

    /** The normalized path prefix, or null when missing or bad (reported). */
    private String routePath(MapReader r) {
        Node n = r.node("path");
        String expected = "a path prefix such as /api";
        if (n == null) {
            problems.add(r.line(), r.path("path"), "missing (expected: " + expected + ")");
            return null;
        }
        String p = r.stringValue("path", n, expected);
        if (p == null) {
            return null;
        }
        if (!p.startsWith("/")) {
            r.invalid("path", n, "a path prefix starting with /, such as /api");
            return null;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c <= ' ' || c == '?' || c == '#' || c == '*' || c == '\\' || c == 0x7f) {
                r.invalid("path", n, "a path prefix without spaces, ?, #, * or \\, such as /api");
                return null;
            }
        }
        if (p.contains("//") || p.contains("/./") || p.contains("/../") || p.endsWith("/.") || p.endsWith("/..")) {
            r.invalid("path", n, "a normalized path prefix (no //, . or .. segments)");
            return null;
        }
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
