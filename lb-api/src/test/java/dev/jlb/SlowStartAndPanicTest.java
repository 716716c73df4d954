package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Slow start (ramp in steps, republished by timer) and panic mode under a fake clock. */
class SlowStartAndPanicTest {

    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Backend C = Backend.of("http://127.0.0.1:8083");
    static final Backend D = Backend.of("http://127.0.0.1:8084");

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final FakeProbe probe = new FakeProbe(ticker);
    final Events events = new Events();

    LoadBalancer.Builder builder(Backend... backends) {
        return LoadBalancer.builder()
                .strategy(TestStrategies.weightedRandom())
                .backends(List.of(backends))
                .ticker(ticker)
                .scheduler(scheduler)
                .random(RandomSource.seeded(11))
                .listener(events);
    }

    static int weight(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow().effectiveWeight();
    }

    static Map<Backend, Integer> distribution(LoadBalancer lb, int n) {
        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            try (Selection s = lb.select(RequestContext.empty())) {
                counts.merge(s.backend(), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void anAddedBackendRampsFromTheFloorToFullInTenSteps() {
        try (LoadBalancer lb = builder(A, B).slowStart(SlowStart.of(Duration.ofSeconds(30))).build()) {
            assertThat(weight(lb, A)).as("initial backends start at full weight").isEqualTo(1);
            lb.pool().add(C);
            List<Integer> ramp = new ArrayList<>();
            List<Double> factors = new ArrayList<>();
            for (int step = 0; step <= 10; step++) {
                ramp.add(weight(lb, C));
                factors.add(lb.pool().stats(C).orElseThrow().weightFactor());
                scheduler.advance(Duration.ofSeconds(3));
            }
            assertThat(ramp).containsExactly(10, 19, 28, 37, 46, 55, 64, 73, 82, 91, 1);
            assertThat(factors.get(0)).isEqualTo(0.1);
            assertThat(factors.get(10)).isEqualTo(1.0);
            assertThat(weight(lb, A)).as("back to plain weights when nothing ramps").isEqualTo(1);
            assertThat(scheduler.pending()).as("no timer once the ramp is over").isZero();
        }
    }

    @Test
    void theRampHoldsEachStepUntilItsBoundary() {
        try (LoadBalancer lb = builder(A).slowStart(SlowStart.of(Duration.ofSeconds(10), 0.5)).build()) {
            lb.pool().add(B);
            assertThat(weight(lb, B)).isEqualTo(50);
            assertThat(weight(lb, A)).isEqualTo(100);
            scheduler.advance(Duration.ofMillis(999));
            assertThat(weight(lb, B)).isEqualTo(50);
            scheduler.advance(Duration.ofMillis(1));
            assertThat(weight(lb, B)).isEqualTo(55);
        }
    }

    @Test
    void aRampingBackendGetsItsShareOfRequests() {
        try (LoadBalancer lb = builder(A, B, C).slowStart(SlowStart.of(Duration.ofSeconds(30))).build()) {
            lb.pool().remove(C);
            lb.pool().add(C);
            Map<Backend, Integer> early = distribution(lb, 21_000);
            // weights 100:100:10 -> C gets 10/210 of 21000 = 1000
            assertThat(early.get(C)).as("%s", early).isBetween(850, 1150);
            scheduler.advance(Duration.ofSeconds(30));
            Map<Backend, Integer> late = distribution(lb, 21_000);
            assertThat(late.get(C)).as("%s", late).isBetween(6600, 7400);
        }
    }

    @Test
    void aBackendComingBackFromUnhealthyRamps() {
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = builder(A, B).slowStart(SlowStart.of(Duration.ofSeconds(10)))
                .healthCheck(ActiveHealthCheck.of(probe).interval(Duration.ofSeconds(1)).jitter(0).rise(1).build())
                .build()) {
            scheduler.runDue();
            assertThat(weight(lb, B)).isZero();
            probe.set(B, HealthCheckResult.healthy());
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(lb.pool().stats(B).orElseThrow().state()).isEqualTo(BackendState.HEALTHY);
            assertThat(weight(lb, B)).isEqualTo(10);
            assertThat(weight(lb, A)).isEqualTo(100);
            scheduler.advance(Duration.ofSeconds(10));
            assertThat(weight(lb, B)).isEqualTo(1);
        }
    }

    @Test
    void aBackendComingBackFromEjectionOrDrainRamps() {
        try (LoadBalancer lb = builder(A, B).slowStart(SlowStart.of(Duration.ofSeconds(10)))
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build()).build()) {
            lb.pool().drain(B);
            lb.pool().update(B.withWeight(2));
            assertThat(weight(lb, B)).isEqualTo(20);
            scheduler.advance(Duration.ofSeconds(10));
            assertThat(weight(lb, B)).isEqualTo(2);
            lb.select(RequestContext.empty(), java.util.Set.of(A)).onFailure(FailureKind.CONNECT, -1);
            assertThat(weight(lb, B)).isZero();
            scheduler.advance(Duration.ofSeconds(30));
            assertThat(weight(lb, B)).isEqualTo(20);
        }
    }

    @Test
    void updatingOrDisablingSlowStartTakesEffectAtOnce() {
        try (LoadBalancer lb = builder(A).slowStart(SlowStart.of(Duration.ofSeconds(10))).build()) {
            lb.pool().add(B);
            scheduler.advance(Duration.ofSeconds(5));
            assertThat(weight(lb, B)).isEqualTo(55);
            lb.updateSlowStart(SlowStart.of(Duration.ofSeconds(100)));
            assertThat(weight(lb, B)).as("5s into a 100s ramp").isEqualTo(10);
            lb.updateSlowStart(SlowStart.disabled());
            assertThat(weight(lb, B)).isEqualTo(1);
            assertThat(lb.slowStart().isEnabled()).isFalse();
        }
    }

    @Test
    void slowStartIsOffByDefault() {
        try (LoadBalancer lb = builder(A).build()) {
            lb.pool().add(B);
            assertThat(weight(lb, B)).isEqualTo(1);
            assertThat(lb.slowStart()).isEqualTo(SlowStart.disabled());
        }
    }

    // -------------------------------------------------------------------------------------------- panic

    LoadBalancer panicking(PanicMode mode, double threshold, Backend... backends) {
        return builder(backends)
                .strategy(TestStrategies.rotate())
                .healthCheck(ActiveHealthCheck.of(probe).interval(Duration.ofSeconds(1)).jitter(0).rise(1).build())
                .panic(mode, threshold)
                .build();
    }

    @Test
    void routeAllSendsToEveryNonDrainingBackendBelowTheThreshold() {
        probe.set(A, HealthCheckResult.unhealthy("status 500"));
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = panicking(PanicMode.ROUTE_ALL, 0.5, A, B, C, D.withWeight(0))) {
            scheduler.runDue();
            assertThat(lb.inPanic()).as("1 of 3 eligible").isTrue();
            assertThat(distribution(lb, 30).keySet()).containsExactlyInAnyOrder(A, B, C);
            assertThat(lb.pool().stats(A).orElseThrow().state()).isEqualTo(BackendState.UNHEALTHY);
            assertThat(events.health()).contains(
                    "PANIC_ENTERED (1 of 3 backends eligible (below 50%): routing to all 3 non-draining backends)");
            probe.set(A, HealthCheckResult.healthy());
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(lb.inPanic()).as("2 of 3 eligible").isFalse();
            assertThat(distribution(lb, 30).keySet()).containsExactlyInAnyOrder(A, C);
            assertThat(events.health()).endsWith("PANIC_EXITED (2 of 3 backends eligible)");
        }
    }

    @Test
    void failFastAnswersWithAPanicReason() {
        probe.set(A, HealthCheckResult.unhealthy("status 500"));
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = panicking(PanicMode.FAIL_FAST, 0.5, A, B, C)) {
            scheduler.runDue();
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: panic, 1 of 3 backends eligible (below 50%)")
                    .extracting(e -> ((NoBackendAvailableException) e).reason())
                    .isEqualTo(NoBackendAvailableException.Reason.PANIC);
            assertThat(events.health()).contains("PANIC_ENTERED (1 of 3 backends eligible (below 50%): failing fast)");
        }
    }

    @Test
    void exactlyTheThresholdIsNotPanic() {
        probe.set(A, HealthCheckResult.unhealthy("status 500"));
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = panicking(PanicMode.FAIL_FAST, 0.5, A, B, C, D)) {
            scheduler.runDue();
            assertThat(lb.inPanic()).isFalse();
            assertThat(distribution(lb, 10).keySet()).containsExactlyInAnyOrder(C, D);
        }
    }

    @Test
    void thresholdZeroTurnsPanicOff() {
        probe.set(A, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = panicking(PanicMode.ROUTE_ALL, 0, A)) {
            scheduler.runDue();
            assertThat(lb.inPanic()).isFalse();
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .hasMessage("no backend available: 1 unhealthy of 1");
        }
    }

    @Test
    void everyBackendUnhealthyRoutesToAllByDefault() {
        probe.set(A, HealthCheckResult.unhealthy("status 404"));
        probe.set(B, HealthCheckResult.unhealthy("status 404"));
        try (LoadBalancer lb = builder(A, B).strategy(TestStrategies.rotate())
                .healthCheck(ActiveHealthCheck.of(probe).build()).build()) {
            scheduler.runDue();
            assertThat(lb.panicMode()).isEqualTo(PanicMode.ROUTE_ALL);
            assertThat(lb.panicThreshold()).isEqualTo(0.5);
            assertThat(lb.inPanic()).isTrue();
            assertThat(distribution(lb, 4).keySet()).containsExactlyInAnyOrder(A, B);
        }
    }

    @Test
    void updatePanicSwitchesAtOnceAndDrainedPoolsAreNotPanic() {
        probe.set(A, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = panicking(PanicMode.ROUTE_ALL, 0.5, A, B.withWeight(0))) {
            scheduler.runDue();
            assertThat(lb.inPanic()).isTrue();
            lb.updatePanic(PanicMode.FAIL_FAST, 0.5);
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .hasMessage("no backend available: panic, 0 of 1 backends eligible (below 50%)");
            lb.pool().drain(A);
            assertThat(lb.inPanic()).isFalse();
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .hasMessage("no backend available: all 2 backends are drained (weight 0)");
            assertThatThrownBy(() -> lb.updatePanic(PanicMode.FAIL_FAST, 1.5))
                    .hasMessage("panicThreshold: 1.5 (expected: >= 0.0 and <= 1.0)");
        }
    }
}
