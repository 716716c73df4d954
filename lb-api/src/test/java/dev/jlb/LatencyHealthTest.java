package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Response-time health under a fake clock, fed with the latencies callers report. */
class LatencyHealthTest {

    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Backend C = Backend.of("http://127.0.0.1:8083");
    static final long MS = 1_000_000L;

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final Events events = new Events();

    LoadBalancer lb(LatencyHealth latency, Backend... backends) {
        return LoadBalancer.builder()
                .strategy(TestStrategies.rotate())
                .backends(List.of(backends))
                .latencyHealth(latency)
                .outlierDetection(OutlierDetection.builder().maxEjectionPercent(50).build())
                .panic(PanicMode.ROUTE_ALL, 0)
                .ticker(ticker)
                .scheduler(scheduler)
                .listener(events)
                .build();
    }

    /** Sends {@code rounds} requests to each eligible backend, answering with the given latencies. */
    static void traffic(LoadBalancer lb, int requests, Map<Backend, Long> latencyMs) {
        for (int i = 0; i < requests; i++) {
            Selection s = lb.select(RequestContext.empty());
            s.onSuccess(200, latencyMs.get(s.backend()) * MS);
        }
    }

    static BackendStats stats(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow();
    }

    @Test
    void aBackendFortyMillisecondsSlowerThanItsPeersIsDegradedAndRecovers() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().build(), A, B, C)) {
            traffic(lb, 60, Map.of(A, 1L, B, 2L, C, 42L));
            assertThat(stats(lb, C).latencyEwmaNanos()).isEqualTo(42 * MS);
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.DEGRADED);
            assertThat(stats(lb, C).stateReason())
                    .isEqualTo("latency 42.0ms > max(3.0 x median 1.5ms of the others, 20.0ms)");
            assertThat(stats(lb, C).effectiveWeight()).isEqualTo(10);
            assertThat(stats(lb, A).effectiveWeight()).isEqualTo(100);
            assertThat(stats(lb, C).weightFactor()).isEqualTo(0.1);
            // Still eligible: it keeps getting (a share of) requests and recovers once fast again.
            traffic(lb, 200, Map.of(A, 1L, B, 2L, C, 10L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, C).effectiveWeight()).isEqualTo(1);
            assertThat(events.health()).hasSize(2);
            assertThat(events.health().get(1)).startsWith("STATE_CHANGED 127.0.0.1:8083 DEGRADED -> HEALTHY (latency ")
                    .endsWith(" back under 16.0ms)");
        }
    }

    @Test
    void hysteresisKeepsABackendNearTheLimitDegraded() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().withoutRelativeLimit().absoluteLimit(Duration.ofMillis(30))
                .minimumSamples(1).build(), A, B)) {
            traffic(lb, 2, Map.of(A, 1L, B, 31L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, B).state()).isEqualTo(BackendState.DEGRADED);
            assertThat(stats(lb, B).stateReason()).isEqualTo("latency 31.0ms > limit 30.0ms");
            traffic(lb, 200, Map.of(A, 1L, B, 25L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, B).state()).as("25ms is not under 80% of 30ms").isEqualTo(BackendState.DEGRADED);
            traffic(lb, 200, Map.of(A, 1L, B, 23L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, B).state()).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void theRelativeFloorIgnoresFastBackends() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().build(), A, B, C)) {
            traffic(lb, 60, Map.of(A, 1L, B, 1L, C, 15L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).as("15x slower, but under 20ms").isEqualTo(BackendState.HEALTHY);
        }
        try (LoadBalancer lb = lb(LatencyHealth.builder().relativeFloor(Duration.ZERO).build(), A, B, C)) {
            traffic(lb, 60, Map.of(A, 1L, B, 1L, C, 15L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.DEGRADED);
        }
    }

    @Test
    void backendsAreJudgedOnlyWithEnoughSamples() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().minimumSamples(10).build(), A, B, C)) {
            traffic(lb, 27, Map.of(A, 1L, B, 1L, C, 100L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).as("9 samples each").isEqualTo(BackendState.HEALTHY);
            traffic(lb, 3, Map.of(A, 1L, B, 1L, C, 100L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.DEGRADED);
        }
    }

    @Test
    void aSingleBackendHasNoPeersToBeComparedWith() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().build(), A)) {
            traffic(lb, 20, Map.of(A, 500L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void theEjectActionEjectsLikeAnOutlierAndForgetsTheAverageOnReturn() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().action(LatencyHealth.Action.EJECT).build(), A, B, C)) {
            traffic(lb, 60, Map.of(A, 1L, B, 1L, C, 41L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.EJECTED);
            assertThat(stats(lb, C).stateReason())
                    .isEqualTo("latency 41.0ms > max(3.0 x median 1.0ms of the others, 20.0ms), ejected for 30s");
            assertThat(stats(lb, C).ejections()).isEqualTo(1);
            scheduler.advance(Duration.ofSeconds(30));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, C).latencyEwmaNanos()).isEqualTo(-1);
        }
    }

    @Test
    void latencyEjectionsRespectTheMaximumShare() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().action(LatencyHealth.Action.EJECT).minimumSamples(1)
                .withoutRelativeLimit().absoluteLimit(Duration.ofMillis(10)).build(), A, B)) {
            traffic(lb, 2, Map.of(A, 50L, B, 60L));
            scheduler.advance(Duration.ofSeconds(1));
            long ejected = lb.pool().stats().stream().filter(s -> s.state() == BackendState.EJECTED).count();
            assertThat(ejected).as("50% of 2").isEqualTo(1);
        }
    }

    @Test
    void failuresAndFiveHundredsDoNotFeedTheAverage() {
        try (LoadBalancer lb = lb(LatencyHealth.disabled(), A)) {
            lb.select(RequestContext.empty()).onSuccess(200, 8 * MS);
            lb.select(RequestContext.empty()).onFailure(FailureKind.TIMEOUT, 5000 * MS);
            lb.select(RequestContext.empty()).onSuccess(503, 900 * MS);
            lb.select(RequestContext.empty()).onSuccess(200, -1);
            assertThat(stats(lb, A).latencyEwmaNanos()).isEqualTo(8 * MS);
            lb.select(RequestContext.empty()).onSuccess(200, 16 * MS);
            assertThat(stats(lb, A).latencyEwmaNanos()).as("1/8 of the way").isEqualTo(9 * MS);
        }
    }

    @Test
    void disablingRestoresDegradedBackends() {
        try (LoadBalancer lb = lb(LatencyHealth.builder().build(), A, B, C)) {
            traffic(lb, 60, Map.of(A, 1L, B, 1L, C, 60L));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.DEGRADED);
            lb.updateLatencyHealth(LatencyHealth.builder().relativeFactor(100).build());
            assertThat(stats(lb, C).state()).as("judged again at once with the new rules").isEqualTo(BackendState.HEALTHY);
            lb.updateLatencyHealth(LatencyHealth.builder().build());
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.DEGRADED);
            lb.updateLatencyHealth(LatencyHealth.disabled());
            assertThat(stats(lb, C).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, C).stateReason()).isEqualTo("latency health disabled");
            scheduler.advance(Duration.ofSeconds(5));
            assertThat(scheduler.pending()).isZero();
        }
    }
}
