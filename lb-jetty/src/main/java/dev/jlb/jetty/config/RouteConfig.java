package dev.jlb.jetty.config;

import dev.jlb.Backend;
import java.util.List;
import java.util.Objects;

/**
 * One route: a path prefix and the load balancer behind it. Immutable.
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
 * @param panic what happens when too few backends are eligible
 * @param retry retries
 * @param timeouts timeouts
 * @param headers proxy headers
 * @param stripPrefix whether the path prefix is removed before the request goes to a backend (default false)
 * @param sticky sticky sessions by cookie (default off)
 */
public record RouteConfig(String name, String path, List<Backend> backends, StrategyConfig strategy,
        HealthCheckConfig healthCheck, OutlierDetectionConfig outlierDetection, LatencyHealthConfig latencyHealth,
        SlowStartConfig slowStart, PanicConfig panic, RetryConfig retry, TimeoutsConfig timeouts,
        HeadersConfig headers, boolean stripPrefix, StickyConfig sticky) {

    /** The path of the Go original's single route. */
    public static final String GO_PATH = "/lb";

    public RouteConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        backends = List.copyOf(backends);
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(outlierDetection, "outlierDetection");
        Objects.requireNonNull(latencyHealth, "latencyHealth");
        Objects.requireNonNull(slowStart, "slowStart");
        Objects.requireNonNull(panic, "panic");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(sticky, "sticky");
    }

    /** A route without sticky sessions. */
    public RouteConfig(String name, String path, List<Backend> backends, StrategyConfig strategy,
            HealthCheckConfig healthCheck, OutlierDetectionConfig outlierDetection, LatencyHealthConfig latencyHealth,
            SlowStartConfig slowStart, PanicConfig panic, RetryConfig retry, TimeoutsConfig timeouts,
            HeadersConfig headers, boolean stripPrefix) {
        this(name, path, backends, strategy, healthCheck, outlierDetection, latencyHealth, slowStart, panic, retry,
                timeouts, headers, stripPrefix, StickyConfig.DISABLED);
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
        return stripPrefix == r.stripPrefix && name.equals(r.name) && path.equals(r.path)
                && weights().equals(r.weights()) && backends.equals(r.backends)
                && strategy.equals(r.strategy) && healthCheck.equals(r.healthCheck)
                && outlierDetection.equals(r.outlierDetection) && latencyHealth.equals(r.latencyHealth)
                && slowStart.equals(r.slowStart) && panic.equals(r.panic) && retry.equals(r.retry)
                && timeouts.equals(r.timeouts) && headers.equals(r.headers) && sticky.equals(r.sticky);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, path, backends, weights(), strategy, healthCheck, outlierDetection, latencyHealth,
                slowStart, panic, retry, timeouts, headers, stripPrefix, sticky);
    }

    private List<Integer> weights() {
        return backends.stream().map(Backend::weight).toList();
    }

    /** True when this route serves {@code requestPath} (see the class comment). */
    public boolean matches(String requestPath) {
        if (path.equals("/")) {
            return true;
        }
        return requestPath.startsWith(path)
                && (requestPath.length() == path.length() || requestPath.charAt(path.length()) == '/');
    }
}
