package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.PanicMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a reload changes in a route, and how it is applied. */
class RouteDiffTest {

    private static final String A = "http://127.0.0.1:8081";
    private static final String B = "http://127.0.0.1:8082";
    private static final String C = "http://127.0.0.1:8083";
    private static final String D = "http://127.0.0.1:8084";

    private static RouteConfig route(String settings) throws ConfigException {
        return yaml("routes:\n  - path: /api\n" + settings).routes().get(0);
    }

    @Test
    void backendsAddedRemovedAndReweightedByIdentityAndWeight() throws Exception {
        RouteConfig before = route("    backends: [\"" + A + "\", \"" + B + "\", {url: \"" + C + "\", weight: 2}]\n");
        RouteConfig after = route("    backends: [{url: \"" + A + "\", weight: 4}, {url: \"" + C + "\", weight: 2}, \""
                + D + "\"]\n");

        RouteDiff diff = RouteDiff.of(before, after);

        assertThat(diff.added()).containsExactly(Backend.of(D));
        assertThat(diff.removed()).containsExactly(Backend.of(B));
        assertThat(diff.reweighted()).containsExactly(Backend.of(A));
        assertThat(diff.reweighted()).extracting(Backend::weight).containsExactly(4);
        assertThat(diff.backendsChanged()).isTrue();
        assertThat(diff.changes()).containsExactly(
                "backends added [127.0.0.1:8084], removed [127.0.0.1:8082], re-weighted [127.0.0.1:8081*4]");
        assertThat(diff.proxyChanged()).isFalse();
        assertThat(diff.isEmpty()).isFalse();
    }

    @Test
    void anotherOrderOfTheSameBackendsIsNoChange() throws Exception {
        RouteConfig before = route("    backends: [\"" + A + "\", \"" + B + "\"]\n");
        RouteConfig after = route("    backends: [\"" + B + "\", \"" + A + "\"]\n");
        RouteDiff diff = RouteDiff.of(before, after);
        assertThat(diff.backendsChanged()).isFalse();
        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff).hasToString("RouteDiff{/api: no change}");
    }

    @Test
    void eachInPlaceSettingIsToldAndAppliedAndNothingElse() throws Exception {
        RouteConfig before = route("    backends: [\"" + A + "\", \"" + B + "\"]\n");
        RouteConfig after = route("""
                    backends: ["%s", "%s"]
                    strategy: p2c
                    health_check: {type: tcp, interval: 10s}
                    outlier_detection: {consecutive_failures: 2}
                    latency_health: {absolute_limit: 1s}
                    slow_start: {window: 10s}
                    panic: {mode: fail-fast, threshold: 0}
                """.formatted(A, B));
        RouteDiff diff = RouteDiff.of(before, after);
        assertThat(diff.changes()).containsExactly("strategy p2c", "health check tcp connect every 10s",
                "outlier detection", "latency health", "slow start", "panic");
        assertThat(diff.proxyChanged()).isFalse();

        try (LoadBalancer lb = ConfigBinder.loadBalancer(before).build()) {
            lb.select(RequestContext.of("GET", "/")).onSuccess(200, 1_000);
            long successes = lb.pool().stats().stream().mapToLong(BackendStats::successes).sum();

            assertThat(diff.applyTo(lb)).isTrue();

            assertThat(lb.strategy().name()).isEqualTo("p2c");
            assertThat(lb.healthCheck()).isEqualTo(ActiveHealthCheck.tcp().interval(Duration.ofSeconds(10)).build());
            assertThat(lb.outlierDetection()).isEqualTo(after.outlierDetection());
            assertThat(lb.latencyHealth()).isEqualTo(after.latencyHealth());
            assertThat(lb.slowStart()).isEqualTo(after.slowStart());
            assertThat(lb.panicMode()).isEqualTo(PanicMode.FAIL_FAST);
            assertThat(lb.panicThreshold()).isZero();
            assertThat(lb.pool().stats().stream().mapToLong(BackendStats::successes).sum())
                    .as("the backends and their statistics stay").isEqualTo(successes);
            assertThat(RouteDiff.of(after, after).applyTo(lb)).as("nothing left to change").isFalse();
        }
    }

    @Test
    void proxySettingsNeedANewHandlerAndANewNameANewLoadBalancer() throws Exception {
        RouteConfig before = route("    backends: [\"" + A + "\"]\n");
        RouteConfig slower = route("    backends: [\"" + A + "\"]\n    timeouts: {attempt: 5s}\n");
        RouteConfig renamed = route("    name: api\n    backends: [\"" + A + "\"]\n");

        RouteDiff proxy = RouteDiff.of(before, slower);
        assertThat(proxy.proxyChanged()).isTrue();
        assertThat(proxy.inPlaceChanges()).isEmpty();
        assertThat(proxy.changes()).containsExactly("proxy settings");
        try (LoadBalancer lb = ConfigBinder.loadBalancer(before).build()) {
            assertThat(proxy.applyTo(lb)).as("nothing for the load balancer").isFalse();
        }

        RouteDiff name = RouteDiff.of(before, renamed);
        assertThat(name.renamed()).isTrue();
        assertThat(name.isEmpty()).isFalse();
        assertThat(name).hasToString("RouteDiff{/api: renamed /api -> api}");
    }
}
