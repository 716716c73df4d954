package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Active health checks under a fake clock: start-up, rise/fall, timeouts, schedule, jitter, updates. */
// Some tests build a load balancer only for the checks it runs, and close it at the end.
@SuppressWarnings("try")
class ActiveHealthTest {

    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Backend C = Backend.of("http://127.0.0.1:8083");
    static final Duration INTERVAL = Duration.ofSeconds(2);

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final FakeProbe probe = new FakeProbe(ticker);
    final Events events = new Events();

    LoadBalancer lb(ActiveHealthCheck.Builder check, Backend... backends) {
        return LoadBalancer.builder()
                .strategy(TestStrategies.rotate())
                .backends(List.of(backends))
                .healthCheck(check.build())
                .outlierDetection(OutlierDetection.disabled())
                .panic(PanicMode.ROUTE_ALL, 0)
                .ticker(ticker)
                .scheduler(scheduler)
                .random(RandomSource.seeded(7))
                .listener(events)
                .build();
    }

    ActiveHealthCheck.Builder check() {
        return ActiveHealthCheck.of(probe).interval(INTERVAL).timeout(Duration.ofSeconds(1)).jitter(0).rise(2).fall(3);
    }

    static BackendState state(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow().state();
    }

    static List<Backend> picks(LoadBalancer lb, int n) {
        List<Backend> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (Selection s = lb.select(RequestContext.empty())) {
                result.add(s.backend());
            }
        }
        return result;
    }

    @Test
    void servesBeforeTheFirstResultAndRunsTheFirstRoundAtOnce() {
        probe.hang(A, true);
        probe.hang(B, true);
        try (LoadBalancer lb = lb(check(), A, B)) {
            // Nothing has run yet: both backends are eligible.
            assertThat(picks(lb, 2)).containsExactly(A, B);
            scheduler.runDue();
            assertThat(probe.callTimes(A)).containsExactly(ticker.read());
            assertThat(probe.callTimes(B)).containsExactly(ticker.read());
            // Checks in flight: still eligible.
            assertThat(picks(lb, 2)).containsExactlyInAnyOrder(A, B);
            assertThat(state(lb, A)).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void aFailedFirstCheckDecidesAtOnce() {
        probe.set(B, HealthCheckResult.unhealthy("connection refused"));
        try (LoadBalancer lb = lb(check(), A, B)) {
            scheduler.runDue();
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            assertThat(lb.pool().stats(B).orElseThrow().stateReason())
                    .isEqualTo("first health check failed: connection refused");
            assertThat(picks(lb, 4)).containsOnly(A);
            assertThat(events.health()).containsExactly(
                    "STATE_CHANGED 127.0.0.1:8082 HEALTHY -> UNHEALTHY (first health check failed: connection refused)");
        }
    }

    @Test
    void fallConsecutiveFailuresMakeAHealthyBackendUnhealthyAndRiseBringItBack() {
        try (LoadBalancer lb = lb(check(), A, B)) {
            scheduler.runDue();
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
            probe.set(B, HealthCheckResult.unhealthy("status 500"));
            scheduler.advance(INTERVAL);
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).as("2 failures of fall 3").isEqualTo(BackendState.HEALTHY);
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            assertThat(picks(lb, 3)).containsOnly(A);
            probe.set(B, HealthCheckResult.healthy("status 200"));
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).as("1 pass of rise 2").isEqualTo(BackendState.UNHEALTHY);
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
            assertThat(picks(lb, 2)).containsExactlyInAnyOrder(A, B);
            assertThat(events.health()).containsExactly(
                    "STATE_CHANGED 127.0.0.1:8082 HEALTHY -> UNHEALTHY (health check failed 3 times: status 500)",
                    "STATE_CHANGED 127.0.0.1:8082 UNHEALTHY -> HEALTHY (health check passed 2 times: status 200)");
        }
    }

    @Test
    void aFailureBetweenPassesRestartsTheRiseCount() {
        probe.set(B, HealthCheckResult.unhealthy("status 503"));
        try (LoadBalancer lb = lb(check(), A, B)) {
            scheduler.runDue();
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            probe.set(B, HealthCheckResult.healthy());
            scheduler.advance(INTERVAL);
            probe.set(B, HealthCheckResult.unhealthy("status 503"));
            scheduler.advance(INTERVAL);
            probe.set(B, HealthCheckResult.healthy());
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void aBackendThatAlternatesDoesNotFlap() {
        try (LoadBalancer lb = lb(check(), A, B)) {
            for (int i = 0; i < 20; i++) {
                probe.set(B, i % 2 == 0 ? HealthCheckResult.healthy() : HealthCheckResult.unhealthy("status 500"));
                if (i == 0) {
                    scheduler.runDue();
                } else {
                    scheduler.advance(INTERVAL);
                }
            }
            assertThat(probe.calls(B)).isEqualTo(20);
            assertThat(events.health()).isEmpty();
        }
        // Starting with a failure, it leaves once and never comes back.
        FakeTicker t2 = new FakeTicker();
        FakeScheduler s2 = new FakeScheduler(t2);
        FakeProbe p2 = new FakeProbe(t2);
        Events e2 = new Events();
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate()).backends(List.of(A, B))
                .healthCheck(ActiveHealthCheck.of(p2).interval(INTERVAL).jitter(0).build())
                .ticker(t2).scheduler(s2).listener(e2).build()) {
            for (int i = 0; i < 20; i++) {
                p2.set(B, i % 2 == 1 ? HealthCheckResult.healthy() : HealthCheckResult.unhealthy("status 500"));
                if (i == 0) {
                    s2.runDue();
                } else {
                    s2.advance(INTERVAL);
                }
            }
            assertThat(e2.health()).containsExactly(
                    "STATE_CHANGED 127.0.0.1:8082 HEALTHY -> UNHEALTHY (first health check failed: status 500)");
        }
    }

    @Test
    void aCheckThatDoesNotAnswerTimesOutAndTheNextStartsOneIntervalAfterTheLastStart() {
        probe.hang(B, true);
        try (LoadBalancer lb = lb(check().timeout(Duration.ofMillis(500)), A, B)) {
            long start = ticker.read();
            scheduler.runDue();
            assertThat(probe.hasPending(B)).isTrue();
            scheduler.advance(Duration.ofMillis(499));
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
            scheduler.advance(Duration.ofMillis(1));
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            assertThat(lb.pool().stats(B).orElseThrow().stateReason())
                    .isEqualTo("first health check failed: timeout after 500ms");
            assertThat(probe.hasPending(B)).as("the timed-out stage was cancelled").isFalse();
            scheduler.advance(Duration.ofMillis(1500));
            assertThat(probe.callTimes(B)).containsExactly(start, start + INTERVAL.toNanos());
            assertThat(probe.overlaps()).isZero();
        }
    }

    @Test
    void aSlowCheckNeverOverlapsItsSuccessorAndNeverDelaysAnotherBackend() {
        probe.hang(B, true);
        try (LoadBalancer lb = lb(check().timeout(Duration.ofSeconds(10)), A, B)) {
            long start = ticker.read();
            scheduler.runDue();
            // B's check takes 5 s, longer than the 2 s interval; A goes on every 2 s.
            scheduler.advance(Duration.ofSeconds(5));
            assertThat(probe.callTimes(B)).containsExactly(start);
            probe.hang(B, false);
            probe.complete(B, HealthCheckResult.healthy());
            scheduler.runDue();
            assertThat(probe.callTimes(B)).as("next check as soon as the slow one ended")
                    .containsExactly(start, start + Duration.ofSeconds(5).toNanos());
            assertThat(probe.callTimes(A)).containsExactly(start, start + INTERVAL.toNanos(),
                    start + 2 * INTERVAL.toNanos());
            assertThat(probe.overlaps()).isZero();
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void jitterSpreadsChecksWithinItsBounds() {
        Backend[] backends = new Backend[8];
        for (int i = 0; i < backends.length; i++) {
            backends[i] = Backend.of("http://127.0.0.1:" + (9000 + i));
        }
        try (LoadBalancer lb = lb(check().jitter(0.2), backends)) {
            scheduler.runDue();
            scheduler.advance(Duration.ofSeconds(60));
            List<Long> gaps = new ArrayList<>();
            List<Long> secondChecks = new ArrayList<>();
            for (Backend backend : backends) {
                List<Long> times = probe.callTimes(backend);
                assertThat(times.size()).isBetween(25, 38);
                secondChecks.add(times.get(1));
                for (int i = 1; i < times.size(); i++) {
                    gaps.add(times.get(i) - times.get(i - 1));
                }
            }
            long min = gaps.stream().mapToLong(Long::longValue).min().orElseThrow();
            long max = gaps.stream().mapToLong(Long::longValue).max().orElseThrow();
            double mean = gaps.stream().mapToLong(Long::longValue).average().orElseThrow();
            assertThat(min).as("gaps %s", gaps).isGreaterThanOrEqualTo(Duration.ofMillis(1600).toNanos());
            assertThat(max).as("gaps %s", gaps).isLessThanOrEqualTo(Duration.ofMillis(2400).toNanos());
            assertThat(max - min).as("jitter actually spreads: min %s max %s", min, max)
                    .isGreaterThan(Duration.ofMillis(400).toNanos());
            assertThat(mean).as("the mean interval stays the interval").isBetween(1.9e9, 2.1e9);
            assertThat(secondChecks.stream().distinct().count()).as("not in lockstep: %s", secondChecks)
                    .isEqualTo(backends.length);
        }
    }

    @Test
    void noJitterMeansExactIntervals() {
        try (LoadBalancer lb = lb(check(), A)) {
            long start = ticker.read();
            scheduler.runDue();
            scheduler.advance(Duration.ofSeconds(6));
            assertThat(probe.callTimes(A)).containsExactly(start, start + 2_000_000_000L, start + 4_000_000_000L,
                    start + 6_000_000_000L);
        }
    }

    @Test
    void aProbeThatThrowsOrFailsCountsAsAFailedCheck() {
        ActiveHealthCheck throwing = ActiveHealthCheck.of(backend -> {
            throw new IllegalStateException("boom");
        }).jitter(0).build();
        ActiveHealthCheck failing = ActiveHealthCheck.of(backend ->
                CompletableFuture.failedFuture(new java.net.ConnectException("Connection refused"))).jitter(0).build();
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate()).backends(List.of(A))
                .healthCheck(throwing).panic(PanicMode.ROUTE_ALL, 0).ticker(ticker).scheduler(scheduler).build()) {
            scheduler.runDue();
            assertThat(lb.pool().stats(A).orElseThrow().stateReason())
                    .isEqualTo("first health check failed: probe failed: IllegalStateException: boom");
            lb.updateHealthCheck(ActiveHealthCheck.disabled());
            lb.updateHealthCheck(failing);
            scheduler.runDue();
            assertThat(lb.pool().stats(A).orElseThrow().stateReason())
                    .isEqualTo("first health check failed: connection refused");
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: 1 unhealthy of 1");
        }
    }

    @Test
    void backendsAddedLaterAreCheckedAtOnceAndRemovedOnesNoMore() {
        try (LoadBalancer lb = lb(check(), A)) {
            scheduler.runDue();
            scheduler.advance(Duration.ofMillis(700));
            probe.set(C, HealthCheckResult.unhealthy("connection refused"));
            lb.pool().add(C);
            assertThat(state(lb, C)).as("eligible until its first result").isEqualTo(BackendState.HEALTHY);
            scheduler.runDue();
            assertThat(probe.callTimes(C)).containsExactly(ticker.read());
            assertThat(state(lb, C)).isEqualTo(BackendState.UNHEALTHY);
            lb.pool().remove(C);
            scheduler.advance(Duration.ofSeconds(10));
            assertThat(probe.calls(C)).isEqualTo(1);
            assertThat(probe.calls(A)).isEqualTo(6);
        }
    }

    @Test
    void closeStopsTheChecksAndClosesTheProbe() {
        LoadBalancer lb = lb(check(), A, B);
        scheduler.runDue();
        lb.close();
        lb.close();
        assertThat(scheduler.pending()).isZero();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(probe.calls(A)).isEqualTo(1);
        assertThat(probe.closes()).isEqualTo(1);
        assertThat(scheduler.isShutdown()).as("a supplied scheduler is not shut down").isFalse();
        assertThat(lb.select(RequestContext.empty()).backend()).isIn(A, B);
    }

    @Test
    void aLateResultOfAReplacedCheckIsIgnored() {
        probe.hang(B, true);
        try (LoadBalancer lb = lb(check(), A, B)) {
            scheduler.runDue();
            FakeProbe other = new FakeProbe(ticker);
            lb.updateHealthCheck(ActiveHealthCheck.of(other).jitter(0).build());
            assertThat(probe.closes()).isEqualTo(1);
            probe.complete(B, HealthCheckResult.unhealthy("status 500"));
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
            scheduler.runDue();
            assertThat(other.calls(A)).isEqualTo(1);
            assertThat(other.calls(B)).isEqualTo(1);
        }
    }

    @Test
    void aProbeKeptByTheNewCheckIsNotClosed() {
        try (LoadBalancer lb = lb(check(), A)) {
            scheduler.runDue();
            lb.updateHealthCheck(check().interval(Duration.ofSeconds(5)).build());
            assertThat(probe.closes()).isZero();
            scheduler.runDue();
            assertThat(probe.calls(A)).as("a new round at once").isEqualTo(2);
        }
        assertThat(probe.closes()).isEqualTo(1);
    }

    @Test
    void updatingTheCheckKeepsStatesAndStreaks() {
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = lb(check(), A, B)) {
            scheduler.runDue();
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            probe.set(B, HealthCheckResult.healthy());
            scheduler.advance(INTERVAL);
            // One pass so far; the new check wants 3 and starts a round at once.
            ActiveHealthCheck same = check().build();
            lb.updateHealthCheck(same);
            assertThat(probe.closes()).as("an equal check changes nothing").isZero();
            lb.updateHealthCheck(check().rise(3).build());
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            scheduler.runDue();
            assertThat(state(lb, B)).as("2 passes of rise 3").isEqualTo(BackendState.UNHEALTHY);
            scheduler.advance(INTERVAL);
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
            assertThat(lb.healthCheck().rise()).isEqualTo(3);
        }
    }

    @Test
    void disablingTheCheckMakesUnhealthyBackendsEligibleAgain() {
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = lb(check(), A, B)) {
            scheduler.runDue();
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
            lb.updateHealthCheck(ActiveHealthCheck.disabled());
            assertThat(state(lb, B)).isEqualTo(BackendState.HEALTHY);
            assertThat(scheduler.pending()).isZero();
            assertThat(events.health()).endsWith("STATE_CHANGED 127.0.0.1:8082 UNHEALTHY -> HEALTHY (health check disabled)");
        }
    }

    @Test
    void checkResponseTimesFeedTheLatencyAverage() {
        probe.hang(A, true);
        try (LoadBalancer lb = lb(check(), A)) {
            scheduler.runDue();
            ticker.advance(Duration.ofMillis(40));
            probe.complete(A, HealthCheckResult.healthy());
            assertThat(lb.pool().stats(A).orElseThrow().latencyEwmaNanos()).isEqualTo(40_000_000L);
        }
    }

    @Test
    void drainedBackendsAreCheckedTooAndComeBackWithTheirHealth() {
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = lb(check(), A, B.withWeight(0))) {
            scheduler.runDue();
            assertThat(state(lb, B)).isEqualTo(BackendState.DRAINING);
            lb.pool().update(B.withWeight(1));
            assertThat(state(lb, B)).isEqualTo(BackendState.UNHEALTHY);
        }
    }

    @Test
    void theDefaultSchedulerThreadStartsOnlyWhenNeededAndStopsOnClose() throws Exception {
        // Unique names: another test's load balancer may still be stopping its own thread.
        LoadBalancer lb = LoadBalancer.builder().name("t0").strategy(TestStrategies.rotate()).backends(List.of(A))
                .build();
        assertThat(lb.select(RequestContext.empty()).backend()).isEqualTo(A);
        assertThat(threads("jlb-health-t0")).as("no health check, no ejection: no thread").isZero();
        lb.close();
        CompletableFuture<HealthCheckResult> never = new CompletableFuture<>();
        LoadBalancer checked = LoadBalancer.builder().name("t1").strategy(TestStrategies.rotate()).backends(List.of(A))
                .healthCheck(ActiveHealthCheck.of(b -> never).build()).build();
        assertThat(threads("jlb-health-t1")).isEqualTo(1);
        checked.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (threads("jlb-health-t1") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(threads("jlb-health-t1")).isZero();
    }

    @Test
    void builderValidatesHealthOptions() {
        LoadBalancer.Builder b = LoadBalancer.builder();
        assertThatThrownBy(() -> b.healthCheck(null)).isInstanceOf(NullPointerException.class).hasMessage("healthCheck");
        assertThatThrownBy(() -> b.outlierDetection(null)).hasMessage("outlierDetection");
        assertThatThrownBy(() -> b.latencyHealth(null)).hasMessage("latencyHealth");
        assertThatThrownBy(() -> b.slowStart(null)).hasMessage("slowStart");
        assertThatThrownBy(() -> b.scheduler(null)).hasMessage("scheduler");
        assertThatThrownBy(() -> b.panic(null, 0.5)).hasMessage("mode");
        assertThatThrownBy(() -> b.panic(PanicMode.FAIL_FAST, 2))
                .hasMessage("panicThreshold: 2.0 (expected: >= 0.0 and <= 1.0)");
        assertThat(b.toString()).isEqualTo("LoadBalancer.Builder{name=default, backends=0, strategy=round-robin, "
                + "healthCheck=ActiveHealthCheck{disabled}, outlierDetection=OutlierDetection{consecutiveFailures=5, "
                + "baseEjectionTime=30s, maxEjectionTime=5m, maxEjectionPercent=50, unejectOnHealthCheckPass=true}, "
                + "latencyHealth=LatencyHealth{disabled}, slowStart=SlowStart{disabled}, panic=ROUTE_ALL below 0.5}");
    }

    @Test
    void theLoadBalancerReportsItsHealthSettings() {
        try (LoadBalancer lb = lb(check(), A)) {
            assertThat(lb.healthCheck()).isEqualTo(check().build());
            assertThat(lb.outlierDetection()).isEqualTo(OutlierDetection.disabled());
            assertThat(lb.latencyHealth()).isEqualTo(dev.jlb.health.LatencyHealth.disabled());
            assertThat(lb.slowStart()).isEqualTo(dev.jlb.health.SlowStart.disabled());
            assertThat(lb.panicMode()).isEqualTo(PanicMode.ROUTE_ALL);
            assertThat(lb.panicThreshold()).isZero();
            assertThat(lb.inPanic()).isFalse();
            assertThat(lb.pool().stats(A).orElseThrow().toString()).isEqualTo("BackendStats{127.0.0.1:8081, "
                    + "state=HEALTHY (added), weight=1, effectiveWeight=1, inFlight=0, requests=0, successes=0, "
                    + "failures=0, cancelled=0, retries=0, consecutiveFailures=0, ejections=0}");
        }
    }

    static long threads(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).count();
    }
}
