package dev.jlb.jetty.config;

import dev.jlb.LoadBalancer;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.tls.BackendTls;
import java.util.Objects;

/**
 * Binds a validated route to jlb's API: a {@link LoadBalancer.Builder} and the {@link ProxyOptions}
 * of a {@link LoadBalancingHandler}, a servlet or a filter. A reloaded file is applied with
 * {@link RouteDiff}.
 *
 * <pre>{@code
 * JlbConfig config = ConfigLoader.load(Path.of("config.yaml"));
 * RouteConfig route = config.routes().get(0);
 * LoadBalancer lb = ConfigBinder.loadBalancer(route).build();
 * Handler handler = new LoadBalancingHandler(lb, ConfigBinder.proxyOptions(route, config.server()));
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigBinder {

    private ConfigBinder() {
    }

    /**
     * A builder with the route's name, backends, discoveries (created, started by {@code build()}),
     * strategy and health settings; callers may add a listener, a ticker or a scheduler before
     * {@code build()}.
     *
     * @param route the route
     * @return a new builder
     */
    public static LoadBalancer.Builder loadBalancer(RouteConfig route) {
        Objects.requireNonNull(route, "route");
        LoadBalancer.Builder builder = LoadBalancer.builder();
        route.discoveries().forEach(d -> builder.discovery(d.create()));
        return builder
                .name(route.name())
                .backends(route.backends())
                .strategy(route.strategy().create())
                .healthCheck(healthCheck(route))
                .outlierDetection(route.outlierDetection())
                .latencyHealth(route.latencyHealth())
                .slowStart(route.slowStart())
                .panic(route.panicMode(), route.panicThreshold())
                .overload(route.overload());
    }

    /**
     * The route's active health check, reaching {@code https://} backends with the route's
     * {@link ProxyOptions#backendTls() backend TLS}, as its requests do.
     *
     * @param route the route
     * @return the active health check
     */
    public static ActiveHealthCheck healthCheck(RouteConfig route) {
        BackendTls tls = route.proxy().backendTls();
        if (tls.equals(BackendTls.defaults()) || !route.healthCheck().isEnabled()) {
            return route.healthCheck();
        }
        return route.healthCheck().withTls(tls.sslContext(), tls.sslParameters());
    }

    /**
     * The route's {@link RouteConfig#proxy() proxy options} with the connection pool sizes of
     * {@code server} (a route read from a file has its own server's already).
     *
     * @param route the route
     * @param server the server
     * @return the proxy options
     */
    public static ProxyOptions proxyOptions(RouteConfig route, ServerConfig server) {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(server, "server");
        return route.proxy().toBuilder()
                .maxConnectionsPerBackend(server.maxConnectionsPerBackend())
                .maxRequestsQueuedPerBackend(server.maxRequestsQueuedPerBackend())
                .maxResponseHeaderSize(server.maxResponseHeaderSize())
                .build();
    }
}
