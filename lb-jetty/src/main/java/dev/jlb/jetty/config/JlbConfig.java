package dev.jlb.jetty.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A validated configuration: jlb's own HTTP server and its routes. Immutable; {@code equals}
 * compares every setting, so a reloaded file can be compared with the running one.
 *
 * <p>Load one with {@link ConfigLoader#load(Path)}. Both file forms give this model: the Go
 * original's single-route keys ({@code lb_port}, {@code servers}, {@code server_weights},
 * {@code strategy}, {@code health_check_interval}, {@code max_retry_limit}) become one route at
 * {@value RouteConfig#GO_PATH}; the native form lists {@code routes}.
 *
 * @param server the listener and server tuning
 * @param routes the routes, at least one, paths distinct; a request goes to the route with the
 *     longest matching path prefix
 * @param admin the admin listener (admin API, status page, metrics); {@link AdminConfig#DISABLED} without
 *     an {@code admin:} section
 */
public record JlbConfig(ServerConfig server, List<RouteConfig> routes, AdminConfig admin) {

    /**
     * A configuration without an admin listener.
     *
     * @param server the server
     * @param routes the routes
     */
    public JlbConfig(ServerConfig server, List<RouteConfig> routes) {
        this(server, routes, AdminConfig.DISABLED);
    }

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param server the listener and server tuning
     * @param routes the routes, at least one, paths distinct; a request goes to the route with the longest matching path prefix
     * @param admin the admin listener (admin API, status page, metrics); {@link AdminConfig#DISABLED} without an {@code admin:} section
     */
    public JlbConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(admin, "admin");
        routes = List.copyOf(Objects.requireNonNull(routes, "routes"));
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("routes: [] (expected: at least one route)");
        }
        Set<String> paths = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (RouteConfig route : routes) {
            if (!paths.add(route.path())) {
                throw new IllegalArgumentException("routes.path: " + route.path() + " (expected: each path once)");
            }
            if (!names.add(route.name())) {
                throw new IllegalArgumentException("routes.name: " + route.name() + " (expected: each name once)");
            }
        }
    }

    /**
     * The route with this path, if any.
     *
     * @param path the path
     * @return the route with this path, if any
     */
    public Optional<RouteConfig> route(String path) {
        return routes.stream().filter(r -> r.path().equals(path)).findFirst();
    }
}
