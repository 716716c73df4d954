package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Passive ejection under a fake clock: streaks, backoff, cap, decay, maximum ejected share, updates. */
class OutlierDetectionTest {

    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Backend C = Backend.of("http://127.0.0.1:8083");
    static final Backend D = Backend.of("http://127.0.0.1:8084");

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final Events events = new Events();

    LoadBalancer lb(OutlierDetection outlier, Backend... backends) {
        return LoadBalancer.builder()
                .strategy(TestStrategies.first())
                .backends(List.of(backends))
                .outlierDetection(outlier)
                .panic(PanicMode.ROUTE_ALL, 0)
                .ticker(ticker)
                .scheduler(scheduler)
                .listener(events)
                .build();
    }

    static OutlierDetection.Builder outlier() {
        return OutlierDetection.builder().consecutiveFailures(3).baseEjectionTime(Duration.ofSeconds(10))
                .maxEjectionTime(Duration.ofSeconds(25)).maxEjectionPercent(100);
    }

    /** Completes {@code n} requests to {@code backend} (the test strategy picks the first eligible) as {@code outcome}. */
    static void send(LoadBalancer lb, Backend backend, int n, String outcome) {
        for (int i = 0; i < n; i++) {
            Selection s = lb.select(RequestContext.empty());
            assertThat(s.backend()).isEqualTo(backend);
            switch (outcome) {
                case "ok" -> s.onSuccess(200, 1_000_000);
                case "500" -> s.onFailure(500, 1_000_000);
                case "500-as-success" -> s.onSuccess(500, 1_000_000);
                case "429" -> s.onFailure(429, 1_000_000);
                case "connect" -> s.onFailure(FailureKind.CONNECT, -1);
                case "timeout" -> s.onFailure(FailureKind.TIMEOUT, -1);
                case "reset" -> s.onFailure(FailureKind.RESET, -1);
                case "other" -> s.onFailure(FailureKind.OTHER, -1);
                case "cancel" -> s.close();
                default -> throw new IllegalArgumentException(outcome);
            }
        }
    }

    static BackendStats stats(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow();
    }

    @Test
    void consecutiveFailuresEjectAndSuccessResetsTheStreak() {
        try (LoadBalancer lb = lb(outlier().build(), A, B)) {
            send(lb, A, 2, "connect");
            send(lb, A, 1, "ok");
            assertThat(stats(lb, A).consecutiveFailures()).isZero();
            send(lb, A, 2, "500");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, A).consecutiveFailures()).isEqualTo(2);
            send(lb, A, 1, "timeout");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
            assertThat(stats(lb, A).ejections()).isEqualTo(1);
            assertThat(stats(lb, A).consecutiveFailures()).isZero();
            send(lb, B, 1, "ok");
            assertThat(events.health()).containsExactly(
                    "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 10s)");
        }
    }

    @Test
    void whatCountsAsAFailure() {
        try (LoadBalancer lb = lb(outlier().consecutiveFailures(2).build(), A, B)) {
            send(lb, A, 3, "429");
            send(lb, A, 3, "other");
            send(lb, A, 3, "cancel");
            assertThat(stats(lb, A).consecutiveFailures()).as("429, OTHER and cancel do not count").isZero();
            send(lb, A, 1, "reset");
            send(lb, A, 1, "500-as-success");
            assertThat(stats(lb, A).state()).as("reset and a 5xx reported as success count").isEqualTo(BackendState.EJECTED);
        }
    }

    @Test
    void theEjectionEndsAfterItsTimeAndGrowsWithEachEjectionUpToTheCap() {
        try (LoadBalancer lb = lb(outlier().build(), A, B)) {
            List<Long> durations = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                send(lb, A, 3, "connect");
                assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
                long ejectedAt = ticker.read();
                while (stats(lb, A).state() == BackendState.EJECTED) {
                    assertThat(ticker.read() - ejectedAt).isLessThan(Duration.ofSeconds(60).toNanos());
                    scheduler.advance(Duration.ofMillis(500));
                }
                durations.add((ticker.read() - ejectedAt) / 1_000_000);
            }
            assertThat(durations).containsExactly(10_000L, 20_000L, 25_000L, 25_000L);
            assertThat(stats(lb, A).ejections()).isEqualTo(4);
            assertThat(events.health()).containsExactly(
                    "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 10s)",
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 10s ended)",
                    "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 20s)",
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 20s ended)",
                    "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 25s)",
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 25s ended)",
                    "STATE_CHANGED 127.0.0.1:8081 HEALTHY -> EJECTED (3 consecutive failures, ejected for 25s)",
                    "STATE_CHANGED 127.0.0.1:8081 EJECTED -> HEALTHY (ejection of 25s ended)");
        }
    }

    @Test
    void theBackoffDecaysWhileTheBackendStaysIn() {
        try (LoadBalancer lb = lb(outlier().maxEjectionTime(Duration.ofSeconds(100)).build(), A, B)) {
            send(lb, A, 3, "connect");
            scheduler.advance(Duration.ofSeconds(10));
            send(lb, A, 3, "connect");
            assertThat(stats(lb, A).stateReason()).isEqualTo("3 consecutive failures, ejected for 20s");
            scheduler.advance(Duration.ofSeconds(20));
            // In the pool for 10s (one base time): the level decays from 2 to 1, the next is level 2.
            scheduler.advance(Duration.ofSeconds(10));
            send(lb, A, 3, "connect");
            assertThat(stats(lb, A).stateReason()).isEqualTo("3 consecutive failures, ejected for 20s");
            scheduler.advance(Duration.ofSeconds(20));
            // In the pool for 5 minutes: back to the base time.
            scheduler.advance(Duration.ofMinutes(5));
            send(lb, A, 3, "connect");
            assertThat(stats(lb, A).stateReason()).isEqualTo("3 consecutive failures, ejected for 10s");
        }
    }

    @Test
    void theMaximumShareIsCountedAfterTheEjection() {
        // 50% of 3 backends allows 1 ejection (counting before the ejection, as Envoy long did, would allow 2).
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate()).backends(List.of(A, B, C))
                .outlierDetection(outlier().maxEjectionPercent(50).build()).panic(PanicMode.ROUTE_ALL, 0)
                .ticker(ticker).scheduler(scheduler).build()) {
            for (int i = 0; i < 9; i++) {
                lb.select(RequestContext.empty()).onFailure(FailureKind.CONNECT, -1);
            }
            long ejected = lb.pool().stats().stream().filter(s -> s.state() == BackendState.EJECTED).count();
            assertThat(ejected).isEqualTo(1);
        }
    }

    @Test
    void aSingleBackendIsNeverEjectedBelowOneHundredPercent() {
        try (LoadBalancer lb = lb(outlier().maxEjectionPercent(99).build(), A)) {
            send(lb, A, 30, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, A).consecutiveFailures()).isEqualTo(30);
        }
        try (LoadBalancer lb = lb(outlier().maxEjectionPercent(100).build(), A)) {
            send(lb, A, 3, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
        }
    }

    @Test
    void aBackendRefusedForTheShareIsEjectedAtTheNextMultipleOnceTheShareFrees() {
        try (LoadBalancer lb = lb(outlier().maxEjectionPercent(50).build(), A, B)) {
            send(lb, A, 3, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
            send(lb, B, 4, "connect");
            assertThat(stats(lb, B).state()).as("1 of 2 ejected already").isEqualTo(BackendState.HEALTHY);
            scheduler.advance(Duration.ofSeconds(10));
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            // B's streak goes on (5); it is tried again at the next multiple of the threshold (6).
            failAvoiding(lb, A, 1);
            assertThat(stats(lb, B).consecutiveFailures()).isEqualTo(5);
            assertThat(stats(lb, B).state()).isEqualTo(BackendState.HEALTHY);
            failAvoiding(lb, A, 1);
            assertThat(stats(lb, B).state()).isEqualTo(BackendState.EJECTED);
        }
    }

    /** Fails {@code n} requests to whichever backend is not {@code avoided}. */
    static void failAvoiding(LoadBalancer lb, Backend avoided, int n) {
        for (int i = 0; i < n; i++) {
            Selection s = lb.select(RequestContext.empty(), java.util.Set.of(avoided));
            assertThat(s.backend()).isNotEqualTo(avoided);
            s.onFailure(FailureKind.CONNECT, -1);
        }
    }

    @Test
    void drainingBackendsDoNotCountInTheShare() {
        try (LoadBalancer lb = lb(outlier().maxEjectionPercent(50).build(), A, B, C.withWeight(0), D.withWeight(0))) {
            send(lb, A, 3, "connect");
            send(lb, B, 3, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
            assertThat(stats(lb, B).state()).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void disabledOutlierDetectionNeverEjects() {
        try (LoadBalancer lb = lb(OutlierDetection.disabled(), A, B)) {
            send(lb, A, 100, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, A).ejections()).isZero();
        }
    }

    @Test
    void updatesKeepStreaksAndEjectionsAndDisablingEndsEjections() {
        try (LoadBalancer lb = lb(outlier().build(), A, B)) {
            send(lb, A, 2, "connect");
            lb.updateOutlierDetection(outlier().consecutiveFailures(4).build());
            send(lb, A, 1, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            send(lb, A, 1, "connect");
            assertThat(stats(lb, A).state()).as("the streak was kept: 4 of 4").isEqualTo(BackendState.EJECTED);
            lb.updateOutlierDetection(outlier().baseEjectionTime(Duration.ofSeconds(1)).build());
            assertThat(stats(lb, A).state()).as("an ejection ends at the time it was given").isEqualTo(BackendState.EJECTED);
            lb.updateOutlierDetection(OutlierDetection.disabled());
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            assertThat(stats(lb, A).stateReason()).isEqualTo("outlier detection disabled");
            assertThat(lb.outlierDetection()).isEqualTo(OutlierDetection.disabled());
        }
    }

    @Test
    void theDefaultsAreOn() {
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first()).backends(List.of(A, B))
                .ticker(ticker).scheduler(scheduler).build()) {
            assertThat(lb.outlierDetection()).isEqualTo(OutlierDetection.defaults());
            send(lb, A, 4, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
            send(lb, A, 1, "connect");
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
            assertThat(stats(lb, A).stateReason()).isEqualTo("5 consecutive failures, ejected for 30s");
            scheduler.advance(Duration.ofSeconds(30));
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.HEALTHY);
        }
    }

    @Test
    void inFlightFailuresOfAnEjectedBackendDoNotEjectItAgain() {
        try (LoadBalancer lb = lb(outlier().build(), A, B)) {
            List<Selection> held = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                held.add(lb.select(RequestContext.empty()));
            }
            for (Selection s : held) {
                s.onFailure(FailureKind.CONNECT, -1);
            }
            assertThat(stats(lb, A).ejections()).isEqualTo(1);
            assertThat(stats(lb, A).inFlight()).isZero();
        }
    }

    @Test
    void concurrentFailuresEjectOnceAndInFlightCountsReturnToZero() throws Exception {
        Backend[] backends = {A, B, C, D};
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate()).backends(List.of(backends))
                .outlierDetection(outlier().consecutiveFailures(50).maxEjectionPercent(25).build())
                .panic(PanicMode.ROUTE_ALL, 0).ticker(ticker).scheduler(scheduler).listener(events).build()) {
            int threads = 4;
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        Selection s = lb.select(RequestContext.empty());
                        if (s.backend().equals(A)) {
                            s.onFailure(FailureKind.CONNECT, -1);
                        } else {
                            s.onSuccess(200, 1_000);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> f : futures) {
                f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(stats(lb, A).state()).isEqualTo(BackendState.EJECTED);
            assertThat(stats(lb, A).ejections()).isEqualTo(1);
            // One ejection. Its reason quotes the streak of the thread that took the writer lock
            // first: 50 normally, a later multiple of 50 when that thread was preempted meanwhile.
            assertThat(events.health()).singleElement().asString().matches(
                    "STATE_CHANGED 127\\.0\\.0\\.1:8081 HEALTHY -> EJECTED \\((50|100|150|200) consecutive failures,"
                            + " ejected for 10s\\)");
            for (Backend backend : backends) {
                assertThat(stats(lb, backend).inFlight()).isZero();
            }
            long total = lb.pool().stats().stream().mapToLong(BackendStats::requests).sum();
            assertThat(total).isEqualTo(8_000);
        }
    }
}
