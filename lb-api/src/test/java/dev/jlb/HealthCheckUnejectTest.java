package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static dev.jlb.OutlierDetectionTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A passed active health check that judges answers ends an outlier ejection early (Envoy's
 * {@code successful_active_health_check_uneject_host}), a connect-only one never does: under a fake
 * clock, with a scripted probe that checks every 2s (no jitter, rise 2, fall 3) and ejections of 10s
 * after 3 failures.
 */
class HealthCheckUnejectTest {

    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Duration INTERVAL = Duration.ofSeconds(2);
    static final String A_EJECTED =
            "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 10s)";

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final FakeProbe probe = new FakeProbe(ticker);
    final Events events = new Events();

    /** A and B, the test strategy picking the first eligible one. */
    LoadBalancer.Builder builder(OutlierDetection outlier) {
        return LoadBalancer.builder()
                .strategy(TestStrategies.first())
                .backends(List.of(A, B))
                .outlierDetection(outlier)
                .panic(PanicMode.ROUTE_ALL, 0)
                .ticker(ticker)
                .scheduler(scheduler)
                .listener(events);
    }

    LoadBalancer lb(OutlierDetection outlier) {
        return builder(outlier).healthCheck(ActiveHealthCheck.of(probe).interval(INTERVAL)
                .timeout(Duration.ofSeconds(1)).jitter(0).rise(2).fall(3).build()).build();
    }

    static OutlierDetection.Builder outlier() {
        return OutlierDetection.builder().consecutiveFailures(3).baseEjectionTime(Duration.ofSeconds(10))
                .maxEjectionTime(Duration.ofSeconds(100)).maxEjectionPercent(100);
    }

    static BackendStats stats(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow();
    }

    static BackendState state(LoadBalancer lb, Backend backend) {
        return stats(lb, backend).state();
    }

    @Test
    void aPassedCheckStartedAfterTheEjectionEndsItAtOnceAndTheBackoffIsKept() {
        try (LoadBalancer lb = lb(outlier().build())) {
            scheduler.runDue();
            scheduler.advance(Duration.ofMillis(500));
            send(lb, A, 3, "connect");
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            // The next check starts 2s after the first, 1.5s into the 10s ejection.
            scheduler.advance(Duration.ofMillis(1499));
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofMillis(1));
            assertThat(state(lb, A)).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, A).stateReason()).isEqualTo("active health check passed: status 200; un-ejected");
            assertThat(events.health()).containsExactly(A_EJECTED,
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (active health check passed: status 200;"
                            + " un-ejected)");
            send(lb, A, 1, "ok");
            assertThat(stats(lb, A).ejections()).isEqualTo(1);
            // The ejection still counts for the backoff: the next one lasts twice the base time.
            send(lb, A, 3, "connect");
            assertThat(stats(lb, A).stateReason()).isEqualTo("3 consecutive failures, ejected for 20s");
        }
    }

    @Test
    void aCheckInFlightWhenTheEjectionBeganDoesNotEndIt() {
        probe.hang(A, true);
        try (LoadBalancer lb = lb(outlier().build())) {
            long start = ticker.read();
            scheduler.runDue();
            assertThat(probe.hasPending(A)).isTrue();
            send(lb, A, 3, "connect");
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            probe.hang(A, false);
            probe.complete(A, HealthCheckResult.healthy("status 200"));
            assertThat(state(lb, A)).as("that check started before the ejection").isEqualTo(BackendState.EJECTED);
            scheduler.advance(INTERVAL.minusNanos(1));
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofNanos(1));
            assertThat(probe.callTimes(A)).containsExactly(start, start + INTERVAL.toNanos());
            assertThat(state(lb, A)).as("the next check started after it").isEqualTo(BackendState.HEALTHY);
            assertThat(events.health()).containsExactly(A_EJECTED,
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (active health check passed: status 200;"
                            + " un-ejected)");
        }
    }

    @Test
    void aBackendThatFailedItsChecksTooReturnsWithTheRiseThatMakesItHealthy() {
        // The fault test: killed under load (ejected, then unhealthy), back a few seconds later.
        try (LoadBalancer lb = lb(outlier().baseEjectionTime(Duration.ofSeconds(30)).build())) {
            scheduler.runDue();
            scheduler.advance(Duration.ofMillis(500));
            send(lb, A, 3, "connect");
            probe.set(A, HealthCheckResult.unhealthy("connection refused"));
            scheduler.advance(Duration.ofMillis(5500));
            assertThat(state(lb, A)).as("3 failed checks of fall 3").isEqualTo(BackendState.UNHEALTHY);
            probe.set(A, HealthCheckResult.healthy("status 200"));
            scheduler.advance(INTERVAL);
            assertThat(state(lb, A)).as("1 passed check of rise 2").isEqualTo(BackendState.UNHEALTHY);
            scheduler.advance(INTERVAL);
            assertThat(state(lb, A)).isEqualTo(BackendState.HEALTHY);
            send(lb, A, 1, "ok");
            scheduler.advance(Duration.ofSeconds(60));
            // A pass that only counted towards rise un-ejected nothing: the second one did, and said so.
            assertThat(events.health()).containsExactly(
                    "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 30s)",
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> UNHEALTHY (health check failed 3 times: connection refused)",
                    "STATE_CHANGED 127.0.0.1:8081 UNHEALTHY -> HEALTHY (health check passed 2 times: status 200;"
                            + " un-ejected)");
        }
    }

    @Test
    void aFailedCheckBelowFallDoesNotKeepTheNextPassFromEndingTheEjection() {
        try (LoadBalancer lb = lb(outlier().build())) {
            scheduler.runDue();
            send(lb, A, 3, "connect");
            probe.set(A, HealthCheckResult.unhealthy("status 503"));
            scheduler.advance(INTERVAL);
            assertThat(state(lb, A)).as("1 failed check of fall 3: still healthy for the checker")
                    .isEqualTo(BackendState.EJECTED);
            probe.set(A, HealthCheckResult.healthy("status 200"));
            scheduler.advance(INTERVAL);
            assertThat(state(lb, A)).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, A).stateReason()).isEqualTo("active health check passed: status 200; un-ejected");
        }
    }

    @Test
    void withTheOptionOffAnEjectionRunsItsTimeWhateverTheChecksSay() {
        try (LoadBalancer lb = lb(outlier().unejectOnHealthCheckPass(false).build())) {
            scheduler.runDue();
            send(lb, A, 3, "connect");
            scheduler.advance(Duration.ofSeconds(10).minusNanos(1));
            assertThat(probe.calls(A)).as("every check passed").isEqualTo(5);
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofNanos(1));
            assertThat(state(lb, A)).isEqualTo(BackendState.HEALTHY);
            assertThat(events.health()).containsExactly(A_EJECTED,
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 10s ended)");
        }
    }

    @Test
    void turningTheOptionOffAtRunTimeKeepsAnEjectedBackendOut() {
        try (LoadBalancer lb = lb(outlier().build())) {
            scheduler.runDue();
            send(lb, A, 3, "connect");
            lb.updateOutlierDetection(outlier().unejectOnHealthCheckPass(false).build());
            scheduler.advance(Duration.ofSeconds(10).minusNanos(1));
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofNanos(1));
            assertThat(stats(lb, A).stateReason()).isEqualTo("ejection of 10s ended");
        }
    }

    @Test
    void withoutAnActiveCheckAnEjectionRunsItsTime() {
        try (LoadBalancer lb = builder(outlier().build()).build()) {
            assertThat(lb.outlierDetection().unejectOnHealthCheckPass()).isTrue();
            send(lb, A, 3, "connect");
            scheduler.advance(Duration.ofSeconds(10).minusNanos(1));
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofNanos(1));
            assertThat(events.health()).containsExactly(A_EJECTED,
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 10s ended)");
        }
    }

    /**
     * The Go original's setup: a connect-only check every second (the TCP check), the default
     * thresholds, and a backend that accepts connections but answers 503 to everything.
     */
    @Test
    void aBackendAnswering503StaysOutAlthoughEveryConnectOnlyCheckPasses() {
        FakeProbe connectOnly = new FakeProbe(ticker, false);
        try (LoadBalancer lb = builder(outlier().build()).strategy(TestStrategies.rotate())
                .healthCheck(ActiveHealthCheck.of(connectOnly).interval(Duration.ofSeconds(1)).jitter(0).build())
                .build()) {
            scheduler.runDue();
            int toA = 0;
            // 100 requests over 8 seconds, A answering 503 and B 200.
            for (int i = 0; i < 100; i++) {
                Selection s = lb.select(RequestContext.empty());
                if (s.backend().equals(A)) {
                    toA++;
                    s.onFailure(503, 1_000_000);
                } else {
                    s.onSuccess(200, 1_000_000);
                }
                scheduler.advance(Duration.ofMillis(80));
            }
            assertThat(connectOnly.calls(A)).as("every check passed").isEqualTo(9);
            assertThat(toA).as("only the requests that ejected it").isEqualTo(3);
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            assertThat(events.health()).containsExactly(A_EJECTED);
            // Ejected by its third request, 320ms in: back when the 10s are over.
            scheduler.advance(Duration.ofMillis(2320).minusNanos(1));
            assertThat(state(lb, A)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofNanos(1));
            assertThat(events.health()).containsExactly(A_EJECTED,
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 10s ended)");
        }
    }

    @Test
    void theHttpCheckJudgesAnswersAndTheTcpCheckAndCustomProbesDoNotByDefault() {
        assertThat(ActiveHealthCheck.http("/health").build().probe().orElseThrow().checksResponses()).isTrue();
        assertThat(ActiveHealthCheck.tcp().build().probe().orElseThrow().checksResponses()).isFalse();
        HealthCheck custom = backend -> java.util.concurrent.CompletableFuture.completedFuture(
                HealthCheckResult.healthy());
        assertThat(custom.checksResponses()).isFalse();
    }

    @Test
    void aBackendThatWasUnhealthyUnderAConnectOnlyCheckWaitsOutItsEjection() {
        FakeProbe connectOnly = new FakeProbe(ticker, false);
        try (LoadBalancer lb = builder(outlier().build()).healthCheck(ActiveHealthCheck.of(connectOnly)
                .interval(INTERVAL).timeout(Duration.ofSeconds(1)).jitter(0).rise(2).fall(3).build()).build()) {
            scheduler.runDue();
            scheduler.advance(Duration.ofMillis(500));
            send(lb, A, 3, "connect");
            connectOnly.set(A, HealthCheckResult.unhealthy("connection refused"));
            scheduler.advance(Duration.ofMillis(5500));
            connectOnly.set(A, HealthCheckResult.healthy("connected"));
            scheduler.advance(INTERVAL.multipliedBy(2));
            assertThat(state(lb, A)).as("healthy for the checker, still ejected").isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofSeconds(10));
            assertThat(events.health()).containsExactly(A_EJECTED,
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> UNHEALTHY (health check failed 3 times: connection refused)",
                    "STATE_CHANGED 127.0.0.1:8081 UNHEALTHY -> EJECTED (3 consecutive failures, ejected for 10s)",
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 10s ended)");
        }
    }

    @Test
    void anEjectionForLatencyIsNotEndedByAPassedCheck() {
        try (LoadBalancer lb = builder(outlier().build())
                .strategy(TestStrategies.rotate())
                .healthCheck(ActiveHealthCheck.of(probe).interval(INTERVAL).jitter(0).build())
                .latencyHealth(LatencyHealth.builder().withoutRelativeLimit().absoluteLimit(Duration.ofMillis(30))
                        .minimumSamples(1).action(LatencyHealth.Action.EJECT).build())
                .build()) {
            lb.select(RequestContext.empty()).onSuccess(200, 1_000_000L);
            lb.select(RequestContext.empty()).onSuccess(200, 100_000_000L);
            // The checks at 0s (their 0ms responses pull the averages down by 1/8), the evaluation at 1s.
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(state(lb, B)).isEqualTo(BackendState.EJECTED);
            assertThat(stats(lb, B).stateReason()).isEqualTo("latency 87.5ms > limit 30.0ms, ejected for 10s");
            scheduler.advance(Duration.ofSeconds(10).minusNanos(1));
            assertThat(probe.calls(B)).as("checks at 0s, 2s, ... 10s, all passed").isEqualTo(6);
            assertThat(state(lb, B)).isEqualTo(BackendState.EJECTED);
            scheduler.advance(Duration.ofNanos(1));
            assertThat(stats(lb, B).stateReason()).isEqualTo("ejection of 10s ended");
        }
    }
}
