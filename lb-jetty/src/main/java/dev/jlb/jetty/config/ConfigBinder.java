package dev.jlb.jetty.config;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.StickyCookie;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Binds a validated configuration to jlb's API: a {@link LoadBalancer.Builder} and
 * {@link ProxyOptions} per route (for a {@link LoadBalancingHandler}, a servlet or a filter), and
 * the runtime updates of a running load balancer when a file is reloaded.
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
     * A builder with the route's name, backends, strategy and health settings; callers may add a
     * listener, a ticker or a scheduler before {@code build()}.
     */
    public static LoadBalancer.Builder loadBalancer(RouteConfig route) {
        Objects.requireNonNull(route, "route");
        return LoadBalancer.builder()
                .name(route.name())
                .backends(route.backends())
                .strategy(route.strategy().create())
                .healthCheck(healthCheck(route.healthCheck()))
                .outlierDetection(outlierDetection(route.outlierDetection()))
                .latencyHealth(latencyHealth(route.latencyHealth()))
                .slowStart(slowStart(route.slowStart()))
                .panic(panicMode(route.panic()), panicThreshold(route.panic()));
    }

    /**
     * The proxy options of a route: its path as the mount prefix, prefix stripping, timeouts,
     * retries, headers and sticky sessions, with the server's connection pool sizes.
     */
    public static ProxyOptions proxyOptions(RouteConfig route, ServerConfig server) {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(server, "server");
        TimeoutsConfig t = route.timeouts();
        HeadersConfig h = route.headers();
        return ProxyOptions.builder()
                .prefix(route.path())
                .stripPrefix(route.stripPrefix())
                .connectTimeout(t.connect())
                .attemptTimeout(t.attempt())
                .totalTimeout(t.total())
                .idleTimeout(t.idle())
                .retry(retryPolicy(route.retry()))
                .preserveHost(h.preserveHost())
                .xForwardedHeaders(h.xForwarded())
                .via(h.via())
                .requestIdHeader(h.requestId())
                .generateRequestId(h.generateRequestId())
                .maxConnectionsPerBackend(server.maxConnectionsPerBackend())
                .maxRequestsQueuedPerBackend(server.maxRequestsQueuedPerBackend())
                .stickyCookie(stickyCookie(route.sticky()))
                .build();
    }

    public static StickyCookie stickyCookie(StickyConfig sticky) {
        if (!sticky.enabled()) {
            return StickyCookie.disabled();
        }
        StickyCookie.Builder b = StickyCookie.builder()
                .name(sticky.cookie())
                .fallbackSecrets(sticky.fallbackSecrets().toArray(new String[0]))
                .sameSite(sticky.sameSite())
                .maxAge(sticky.maxAge())
                .path(sticky.path())
                .domain(sticky.domain())
                .forwardToBackends(sticky.forwardToBackends());
        if (sticky.secret() != null) {
            b.secret(sticky.secret());
        }
        return b.build();
    }

    public static RetryPolicy retryPolicy(RetryConfig retry) {
        RetryPolicy.Builder builder = RetryPolicy.builder()
                .maxAttempts(retry.attempts())
                .retryableStatuses(retry.statuses())
                .retryNonIdempotent(retry.nonIdempotent())
                .bufferLimitBytes(retry.bufferLimitBytes());
        if (retry.budgetPercent() == 0) {
            builder.noRetryBudget();
        } else {
            builder.retryBudget(retry.budgetPercent(), retry.budgetMinRetriesPerSecond(), retry.budgetWindow());
        }
        return builder.build();
    }

    public static ActiveHealthCheck healthCheck(HealthCheckConfig check) {
        ActiveHealthCheck.Builder b;
        switch (check.type()) {
            case NONE:
                return ActiveHealthCheck.disabled();
            case TCP:
                b = ActiveHealthCheck.tcp();
                break;
            case HTTP:
                ActiveHealthCheck.HttpBuilder http = ActiveHealthCheck.http(check.path())
                        .method(check.method())
                        .expectedStatuses(check.expectedStatuses().stream()
                                .map(HealthCheckConfig.StatusRange::toString).collect(Collectors.joining(",")));
                if (!check.expectedBody().isEmpty()) {
                    http.expectedBody(check.expectedBody());
                }
                b = http;
                break;
            default:
                throw new IllegalArgumentException("type: " + check.type() + " (expected: HTTP, TCP or NONE)");
        }
        return b.interval(check.interval())
                .timeout(check.timeout())
                .jitter(check.jitterPercent() / 100.0)
                .rise(check.rise())
                .fall(check.fall())
                .build();
    }

    public static OutlierDetection outlierDetection(OutlierDetectionConfig o) {
        if (!o.enabled()) {
            return OutlierDetection.disabled();
        }
        return OutlierDetection.builder()
                .consecutiveFailures(o.consecutiveFailures())
                .baseEjectionTime(o.baseEjectionTime())
                .maxEjectionTime(o.maxEjectionTime())
                .maxEjectionPercent(o.maxEjectionPercent())
                .unejectOnHealthCheckPass(o.unejectOnHealthCheckPass())
                .build();
    }

    public static LatencyHealth latencyHealth(LatencyHealthConfig l) {
        if (!l.enabled()) {
            return LatencyHealth.disabled();
        }
        LatencyHealth.Builder b = LatencyHealth.builder()
                .relativeFloor(l.relativeFloor())
                .minimumSamples(l.minimumSamples())
                .interval(l.interval())
                .action(l.action() == LatencyHealthConfig.Action.EJECT
                        ? LatencyHealth.Action.EJECT : LatencyHealth.Action.DEGRADE)
                .degradedWeightFactor(l.degradedWeightPercent() / 100.0);
        if (!l.absoluteLimit().isZero()) {
            b.absoluteLimit(l.absoluteLimit());
        }
        if (l.relativeFactor() == 0) {
            b.withoutRelativeLimit();
        } else {
            b.relativeFactor(l.relativeFactor());
        }
        return b.build();
    }

    public static SlowStart slowStart(SlowStartConfig s) {
        return s.enabled() ? SlowStart.of(s.window(), s.floorPercent() / 100.0) : SlowStart.disabled();
    }

    public static PanicMode panicMode(PanicConfig p) {
        return p.mode() == PanicConfig.Mode.FAIL_FAST ? PanicMode.FAIL_FAST : PanicMode.ROUTE_ALL;
    }

    public static double panicThreshold(PanicConfig p) {
        return p.thresholdPercent() / 100.0;
    }

    /**
     * Applies what changed from {@code previous} to {@code next} to a running load balancer built
     * from {@code previous}: backends and weights (one atomic change; statistics of backends kept),
     * strategy, active health check, outlier detection, latency health, slow start and panic. Each
     * setting that did not change is left alone, so its state (streaks, ejections, ramps) stays.
     * Requests in flight are not affected. Settings that are not the load balancer's (path, name,
     * retries, timeouts, headers, sticky sessions) are the caller's to apply; see {@link #proxyOptions}.
     *
     * @return whether anything was applied
     */
    public static boolean update(LoadBalancer lb, RouteConfig previous, RouteConfig next) {
        Objects.requireNonNull(lb, "lb");
        boolean changed = false;
        if (!previous.backends().equals(next.backends()) || !weights(previous).equals(weights(next))) {
            lb.pool().replaceAll(next.backends());
            changed = true;
        }
        if (!previous.strategy().equals(next.strategy())) {
            lb.updateStrategy(next.strategy().create());
            changed = true;
        }
        if (!previous.healthCheck().equals(next.healthCheck())) {
            lb.updateHealthCheck(healthCheck(next.healthCheck()));
            changed = true;
        }
        if (!previous.outlierDetection().equals(next.outlierDetection())) {
            lb.updateOutlierDetection(outlierDetection(next.outlierDetection()));
            changed = true;
        }
        if (!previous.latencyHealth().equals(next.latencyHealth())) {
            lb.updateLatencyHealth(latencyHealth(next.latencyHealth()));
            changed = true;
        }
        if (!previous.slowStart().equals(next.slowStart())) {
            lb.updateSlowStart(slowStart(next.slowStart()));
            changed = true;
        }
        if (!previous.panic().equals(next.panic())) {
            lb.updatePanic(panicMode(next.panic()), panicThreshold(next.panic()));
            changed = true;
        }
        return changed;
    }

    private static java.util.List<Integer> weights(RouteConfig route) {
        return route.backends().stream().map(dev.jlb.Backend::weight).toList();
    }
}
