package dev.jlb.jetty.config;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.OverloadProtection;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import dev.jlb.jetty.ProxyHeaders;
import dev.jlb.jetty.ProxyOptions;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One route: a path prefix and the load balancer behind it, in the core's and the adapter's own
 * option types (the settings a {@link LoadBalancer.Builder} and a {@link ProxyOptions} take), so a
 * file means exactly what the same calls in code mean. Immutable; {@code equals} compares every
 * setting, backend weights included, so that a reload can tell what changed ({@link RouteDiff}).
 *
 * <p>A route's path matches the request path when it is equal to it or a prefix of it followed by
 * {@code /}: {@code /lb} matches {@code /lb}, {@code /lb/} and {@code /lb/a}, not {@code /lbx};
 * {@code /} matches everything.
 *
 * @param name the name in logs and metrics (default: the path)
 * @param path the path prefix, starting with {@code /}, without a trailing {@code /} (except {@code /} itself)
 * @param backends the backends with their weights, each once
 * @param strategy the strategy (default round robin)
 * @param healthCheck the active health check (default none)
 * @param outlierDetection passive ejection (default on)
 * @param latencyHealth response-time health (default off)
 * @param slowStart slow start (default off)
 * @param panicMode what happens when too few backends are eligible (default route to all)
 * @param panicThreshold the eligible share under which the route is in panic (default 0.5)
 * @param proxy how requests are proxied: the path as the prefix, prefix stripping, retries, timeouts,
 *     headers, sticky sessions and the connection pool sizes of the server section
 * @param overload limits on requests in flight and the queue behind them (default none); fixed
 *     for a load balancer's life, so a change on reload starts the route on a new one
 * @param discoveries the backend entries that are discoveries ({@code dns://}, {@code srv://}),
 *     each once; their backends join {@code backends} at run time
 */
public record RouteConfig(String name, String path, List<Backend> backends, StrategyConfig strategy,
        ActiveHealthCheck healthCheck, OutlierDetection outlierDetection, LatencyHealth latencyHealth,
        SlowStart slowStart, PanicMode panicMode, double panicThreshold, ProxyOptions proxy,
        OverloadProtection overload, List<DiscoveryConfig> discoveries) {

    /** The path of the Go original's single route. */
    public static final String GO_PATH = "/lb";

    /**
     * A route without discoveries.
     *
     * @param name the name
     * @param path the path
     * @param backends the backends
     * @param strategy the strategy
     * @param healthCheck the health check
     * @param outlierDetection the outlier detection
     * @param latencyHealth the latency health
     * @param slowStart the slow start
     * @param panicMode the panic mode
     * @param panicThreshold the panic threshold
     * @param proxy the proxy
     * @param overload the overload
     */
    public RouteConfig(String name, String path, List<Backend> backends, StrategyConfig strategy,
            ActiveHealthCheck healthCheck, OutlierDetection outlierDetection, LatencyHealth latencyHealth,
            SlowStart slowStart, PanicMode panicMode, double panicThreshold, ProxyOptions proxy,
            OverloadProtection overload) {
        this(name, path, backends, strategy, healthCheck, outlierDetection, latencyHealth, slowStart, panicMode,
                panicThreshold, proxy, overload, List.of());
    }

    /**
     * A route without overload limits.
     *
     * @param name the name
     * @param path the path
     * @param backends the backends
     * @param strategy the strategy
     * @param healthCheck the health check
     * @param outlierDetection the outlier detection
     * @param latencyHealth the latency health
     * @param slowStart the slow start
     * @param panicMode the panic mode
     * @param panicThreshold the panic threshold
     * @param proxy the proxy
     * @param discoveries the discoveries
     */
    public RouteConfig(String name, String path, List<Backend> backends, StrategyConfig strategy,
            ActiveHealthCheck healthCheck, OutlierDetection outlierDetection, LatencyHealth latencyHealth,
            SlowStart slowStart, PanicMode panicMode, double panicThreshold, ProxyOptions proxy,
            List<DiscoveryConfig> discoveries) {
        this(name, path, backends, strategy, healthCheck, outlierDetection, latencyHealth, slowStart, panicMode,
                panicThreshold, proxy, OverloadProtection.disabled(), discoveries);
    }

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param name the name in logs and metrics (default: the path)
     * @param path the path prefix, starting with {@code /}, without a trailing {@code /} (except {@code /} itself)
     * @param backends the backends with their weights, each once
     * @param strategy the strategy (default round robin)
     * @param healthCheck the active health check (default none)
     * @param outlierDetection passive ejection (default on)
     * @param latencyHealth response-time health (default off)
     * @param slowStart slow start (default off)
     * @param panicMode what happens when too few backends are eligible (default route to all)
     * @param panicThreshold the eligible share under which the route is in panic (default 0.5)
     * @param proxy how requests are proxied: the path as the prefix, prefix stripping, retries, timeouts, headers, sticky sessions and the connection pool sizes of the server section
     * @param overload limits on requests in flight and the queue behind them (default none); fixed for a load balancer's life, so a change on reload starts the route on a new one
     * @param discoveries the backend entries that are discoveries ({@code dns://}, {@code srv://}), each once; their backends join {@code backends} at run time
     */
    public RouteConfig {
        Objects.requireNonNull(name, "name");
        discoveries = List.copyOf(discoveries);
        Objects.requireNonNull(path, "path");
        backends = List.copyOf(backends);
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(outlierDetection, "outlierDetection");
        Objects.requireNonNull(latencyHealth, "latencyHealth");
        Objects.requireNonNull(slowStart, "slowStart");
        Objects.requireNonNull(panicMode, "panicMode");
        PanicMode.checkThreshold(panicThreshold);
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(overload, "overload");
    }

    /**
     * A route without overload limits or discoveries.
     *
     * @param name the name
     * @param path the path
     * @param backends the backends
     * @param strategy the strategy
     * @param healthCheck the health check
     * @param outlierDetection the outlier detection
     * @param latencyHealth the latency health
     * @param slowStart the slow start
     * @param panicMode the panic mode
     * @param panicThreshold the panic threshold
     * @param proxy the proxy
     */
    public RouteConfig(String name, String path, List<Backend> backends, StrategyConfig strategy,
            ActiveHealthCheck healthCheck, OutlierDetection outlierDetection, LatencyHealth latencyHealth,
            SlowStart slowStart, PanicMode panicMode, double panicThreshold, ProxyOptions proxy) {
        this(name, path, backends, strategy, healthCheck, outlierDetection, latencyHealth, slowStart, panicMode,
                panicThreshold, proxy, OverloadProtection.disabled(), List.of());
    }

    /**
     * Equal when every setting is equal, backend weights included ({@link Backend#equals} compares
     * identity only).
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RouteConfig r)) {
            return false;
        }
        return name.equals(r.name) && path.equals(r.path) && backends.equals(r.backends)
                && weights().equals(r.weights()) && strategy.equals(r.strategy) && healthCheck.equals(r.healthCheck)
                && outlierDetection.equals(r.outlierDetection) && latencyHealth.equals(r.latencyHealth)
                && slowStart.equals(r.slowStart) && panicMode == r.panicMode
                && Double.compare(panicThreshold, r.panicThreshold) == 0 && proxy.equals(r.proxy)
                && overload.equals(r.overload) && discoveries.equals(r.discoveries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, path, backends, weights(), strategy, healthCheck, outlierDetection, latencyHealth,
                slowStart, panicMode, panicThreshold, proxy, overload, discoveries);
    }

    private List<Integer> weights() {
        return backends.stream().map(Backend::weight).toList();
    }

    /**
     * True when this route serves {@code requestPath} (see the class comment).
     *
     * @param requestPath the request path
     * @return true when this route serves {@code requestPath} (see the class comment)
     */
    public boolean matches(String requestPath) {
        if (path.equals("/")) {
            return true;
        }
        return requestPath.startsWith(path)
                && (requestPath.length() == path.length() || requestPath.charAt(path.length()) == '/');
    }

    /**
     * Whether this route serves a request whose path the client sent as {@code rawPath} (still
     * percent-encoded), matched as the backend will receive it: without {@code .} and {@code ..}
     * segments, decoded, with path parameters kept in their segment, so that {@code /api;x/y} is not
     * under {@code /api} and {@code /api/a/../b} is.
     *
     * @param rawPath the request path as sent, without the query
     * @return true when this route serves it; false also for a path that climbs above the root
     */
    public boolean matchesTarget(String rawPath) {
        String decoded = ProxyHeaders.routingPath(rawPath);
        return decoded != null && matches(decoded);
    }

    /**
     * The route in one line, for logs: its backends ({@code host:port*weight}), strategy, health
     * check, outlier ejection, attempts and what else is on, such as {@code [a:1*2 b:1],
     * least-connections, health check tcp connect every 5s, outlier ejection after 5 failures, 3
     * attempts}.
     *
     * @return the string
     */
    public String summary() {
        return backendList(backends) + (discoveries.isEmpty() ? "" : " + " + discoveries) + ", " + strategy + ", health check " + healthCheckSummary(healthCheck)
                + (outlierDetection.isEnabled() ? ", outlier ejection after " + outlierDetection.consecutiveFailures()
                        + " failures" : "")
                + ", " + proxy.retry().maxAttempts() + " attempts" + (proxy.stripPrefix() ? ", prefix stripped" : "")
                + (proxy.stickyCookie().isEnabled() ? ", sticky cookie " + proxy.stickyCookie().name() : "")
                + (name.equals(path) ? "" : ", name " + name);
    }

    /** {@code [a:1*2 b:1]}: each backend's id, with its weight when it is not 1. */
    static String backendList(List<Backend> backends) {
        return backends.stream().map(b -> b.id() + (b.weight() == 1 ? "" : "*" + b.weight()))
                .collect(Collectors.joining(" ", "[", "]"));
    }

    /** {@code none}, or the probe and its interval: {@code tcp connect every 5s}. */
    static String healthCheckSummary(ActiveHealthCheck check) {
        return check.probe().map(p -> p + " every " + DurationFormat.format(check.interval())).orElse("none");
    }
}
