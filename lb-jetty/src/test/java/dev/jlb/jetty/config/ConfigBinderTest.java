package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import dev.jlb.jetty.ProxyOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Binding the model to the load balancer, health and proxy APIs. */
class ConfigBinderTest {

    @Test
    void aRouteWithNoSettingsBindsToTheLibraryDefaults() throws Exception {
        JlbConfig config = yaml("routes: [{path: /api, backends: [\"http://127.0.0.1:8081\"]}]");
        RouteConfig route = config.routes().get(0);

        assertThat(ConfigBinder.proxyOptions(route, config.server()))
                .isEqualTo(ProxyOptions.builder().prefix("/api").build());
        assertThat(route.proxy().retry()).isEqualTo(RetryPolicy.defaults());
        assertThat(route.healthCheck()).isEqualTo(ActiveHealthCheck.disabled());
        assertThat(route.outlierDetection()).isEqualTo(OutlierDetection.defaults());
        assertThat(route.latencyHealth()).isEqualTo(LatencyHealth.disabled());
        assertThat(route.slowStart()).isEqualTo(SlowStart.disabled());
        assertThat(route.panicMode()).isEqualTo(PanicMode.ROUTE_ALL);
        assertThat(route.panicThreshold()).isEqualTo(PanicMode.DEFAULT_THRESHOLD);
    }

    @Test
    void sectionsWithNoSettingsBindToTheLibraryDefaultsToo() throws Exception {
        RouteConfig route = yaml("""
                routes:
                  - path: /
                    backends: ["http://127.0.0.1:8081"]
                    health_check: {}
                    latency_health: {}
                """).routes().get(0);

        assertThat(route.healthCheck()).isEqualTo(ActiveHealthCheck.http("/").build());
        assertThat(route.latencyHealth()).isEqualTo(LatencyHealth.builder().build());
    }

    @Test
    void theHealthCheckUnejectionBindsAndDefaultsToOn() throws Exception {
        RouteConfig off = yaml("routes: [{path: /, backends: [\"http://127.0.0.1:8081\"],"
                + " outlier_detection: {uneject_on_health_check_pass: false}}]").routes().get(0);
        assertThat(off.outlierDetection())
                .isEqualTo(OutlierDetection.builder().unejectOnHealthCheckPass(false).build());
        RouteConfig on = yaml("routes: [{path: /, backends: [\"http://127.0.0.1:8081\"],"
                + " outlier_detection: {consecutive_failures: 3}}]").routes().get(0);
        assertThat(on.outlierDetection().unejectOnHealthCheckPass()).isTrue();
    }

    @Test
    void theRetryBudgetBindsOrTurnsOff() throws Exception {
        RouteConfig budget = yaml("routes: [{path: /, backends: [\"http://127.0.0.1:8081\"],"
                + " retry: {budget_percent: 50, budget_min_retries_per_second: 1, budget_window: 30s}}]").routes().get(0);
        assertThat(budget.proxy().retry())
                .isEqualTo(RetryPolicy.builder().retryBudget(50, 1, Duration.ofSeconds(30)).build());
        RouteConfig none = yaml("routes: [{path: /, backends: [\"http://127.0.0.1:8081\"],"
                + " retry: {budget_percent: 0}}]").routes().get(0);
        assertThat(none.proxy().retry().hasBudget()).isFalse();
        assertThat(yamlProblems("routes: [{path: /, backends: [\"http://127.0.0.1:8081\"],"
                + " retry: {budget_percent: 101, budget_min_retries_per_second: -1, budget_window: 500ms}}]"))
                .containsExactly(
                        "config.yaml:1: routes[0].retry.budget_percent: 101 (expected: <= 100)",
                        "config.yaml:1: routes[0].retry.budget_min_retries_per_second: -1 (expected: >= 0)",
                        "config.yaml:1: routes[0].retry.budget_window: 500ms (expected: >= 1s)");
        assertThat(yamlProblems("routes: [{path: /, backends: [\"http://127.0.0.1:8081\"],"
                + " retry: {budget_window: 2h, budget_min_concurrency: 3}}]")).containsExactly(
                        "config.yaml:1: routes[0].retry.budget_window: 2h (expected: <= 1h)",
                        "config.yaml:1: routes[0].retry.budget_min_concurrency: unknown key (expected: one of attempts, "
                                + "budget_min_retries_per_second, budget_percent, budget_window, buffer_limit, hedge_after, "
                                + "non_idempotent, statuses)");
    }

    @Test
    void theGoFormsCheckIsATcpCheckAtItsInterval() throws Exception {
        RouteConfig route = yaml("health_check_interval: 5s\nservers: [\"http://localhost:8081\"]\n").routes().get(0);
        assertThat(route.healthCheck())
                .isEqualTo(ActiveHealthCheck.tcp().interval(Duration.ofSeconds(5)).build());
    }

    @Test
    void everySettingReachesTheLoadBalancerAndTheProxyOptions() throws Exception {
        JlbConfig config = yaml(NativeFormTest.FULL);
        RouteConfig route = config.routes().get(0);

        try (LoadBalancer lb = ConfigBinder.loadBalancer(route).build()) {
            assertThat(lb.name()).isEqualTo("api");
            assertThat(lb.pool().backends()).extracting(Backend::weight).containsExactly(1, 3, 0);
            assertThat(lb.strategy().name()).isEqualTo("consistent-hash");
            assertThat(lb.healthCheck()).isEqualTo(ActiveHealthCheck.http("/health?deep=1").method("OPTIONS")
                    .expectedStatuses("200,300-399,400-499").expectedBody("ok").interval(Duration.ofSeconds(5))
                    .timeout(Duration.ofMillis(500)).jitter(0.2).rise(3).fall(2).build());
            assertThat(lb.outlierDetection()).isEqualTo(OutlierDetection.disabled());
            assertThat(lb.latencyHealth()).isEqualTo(LatencyHealth.builder().absoluteLimit(Duration.ofMillis(250))
                    .relativeFactor(4).relativeFloor(Duration.ofMillis(5)).minimumSamples(20)
                    .interval(Duration.ofSeconds(2)).action(LatencyHealth.Action.EJECT).degradedWeightFactor(0.25)
                    .build());
            assertThat(lb.slowStart()).isEqualTo(SlowStart.of(Duration.ofSeconds(30), 0.25));
            assertThat(lb.panicMode()).isEqualTo(PanicMode.FAIL_FAST);
            assertThat(lb.panicThreshold()).isEqualTo(0.4);
        }
        assertThat(ConfigBinder.proxyOptions(route, config.server())).isEqualTo(ProxyOptions.builder()
                .prefix("/api").stripPrefix(true)
                .connectTimeout(Duration.ofSeconds(1)).attemptTimeout(Duration.ofSeconds(5))
                .totalTimeout(Duration.ofSeconds(12)).idleTimeout(Duration.ofMinutes(2))
                .retry(RetryPolicy.builder().maxAttempts(2).retryableStatuses(502, 503).retryNonIdempotent(true)
                        .bufferLimitBytes(1 << 20).retryBudget(50, 1, Duration.ofSeconds(30)).build())
                .preserveHost(false).xForwardedHeaders(false).via("edge-1").requestIdHeader("X-Trace")
                .generateRequestId(false).maxConnectionsPerBackend(128).maxRequestsQueuedPerBackend(64).build());
    }

    @Test
    void anUpdateAppliesWhatChangedAndKeepsTheStatisticsOfBackendsThatStay() throws Exception {
        RouteConfig before = yaml("""
                routes:
                  - path: /
                    backends: ["http://127.0.0.1:8081", "http://127.0.0.1:8082"]
                """).routes().get(0);
        RouteConfig after = yaml("""
                routes:
                  - path: /
                    backends: [{url: "http://127.0.0.1:8081", weight: 4}, "http://127.0.0.1:8083"]
                    strategy: p2c
                    health_check: {type: tcp, interval: 10s}
                    outlier_detection: {consecutive_failures: 2}
                    slow_start: {window: 10s}
                    panic: {mode: fail-fast, threshold: 0}
                """).routes().get(0);
        try (LoadBalancer lb = ConfigBinder.loadBalancer(before).build()) {
            Backend kept = Backend.of("http://127.0.0.1:8081");
            for (int i = 0; i < 4; i++) {
                Selection s = lb.select(RequestContext.of("GET", "/"));
                s.onSuccess(200, 1_000);
            }
            long successes = lb.pool().stats(kept).map(BackendStats::successes).orElseThrow();
            assertThat(successes).isEqualTo(2);

            assertThat(RouteDiff.of(before, after).applyTo(lb)).isTrue();

            assertThat(lb.pool().backends()).containsExactly(kept, Backend.of("http://127.0.0.1:8083"));
            assertThat(lb.pool().backends()).extracting(Backend::weight).containsExactly(4, 1);
            assertThat(lb.pool().stats(kept).map(BackendStats::successes)).contains(successes);
            assertThat(lb.strategy().name()).isEqualTo("p2c");
            assertThat(lb.healthCheck()).isEqualTo(ActiveHealthCheck.tcp().interval(Duration.ofSeconds(10)).build());
            assertThat(lb.outlierDetection().consecutiveFailures()).isEqualTo(2);
            assertThat(lb.slowStart()).isEqualTo(SlowStart.of(Duration.ofSeconds(10)));
            assertThat(lb.panicMode()).isEqualTo(PanicMode.FAIL_FAST);
            assertThat(lb.panicThreshold()).isZero();

            assertThat(RouteDiff.of(after, after).applyTo(lb)).as("nothing changed").isFalse();
        }
    }
}
