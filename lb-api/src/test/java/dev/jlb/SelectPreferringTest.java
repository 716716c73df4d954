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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link LoadBalancer#selectPreferring}: the preferred backend while the strategy could pick it,
 * otherwise the strategy's pick, with the same lease semantics as {@code select}.
 */
class SelectPreferringTest {

    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Backend C = Backend.of("http://127.0.0.1:8083");
    static final Backend ELSEWHERE = Backend.of("http://127.0.0.1:8099");

    final FakeTicker ticker = new FakeTicker();
    final FakeScheduler scheduler = new FakeScheduler(ticker);
    final FakeProbe probe = new FakeProbe(ticker);

    /** Rotation from the first backend, no passive health, no panic, fake clock. */
    LoadBalancer.Builder builder(Backend... backends) {
        return LoadBalancer.builder()
                .strategy(TestStrategies.rotate())
                .backends(List.of(backends))
                .outlierDetection(OutlierDetection.disabled())
                .panic(PanicMode.ROUTE_ALL, 0)
                .ticker(ticker)
                .scheduler(scheduler);
    }

    static int inFlight(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow().inFlight();
    }

    /** {@code n} selections preferring {@code preferred}, each closed at once; the backends in order. */
    static List<Backend> picks(LoadBalancer lb, Backend preferred, int n) {
        List<Backend> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (Selection s = lb.selectPreferring(RequestContext.empty(), preferred)) {
                assertThat(s.isRetry()).isFalse();
                result.add(s.backend());
            }
        }
        return result;
    }

    @Test
    void anEligiblePreferredBackendIsSelectedWhateverTheStrategyWouldPick() {
        try (LoadBalancer lb = builder(A, B, C).build()) {
            assertThat(picks(lb, B, 5)).containsOnly(B);
            // The preference bypassed the strategy: its rotation still starts at A.
            assertThat(picks(lb, null, 3)).containsExactly(A, B, C);
        }
    }

    @Test
    void thePreferredSelectionIsALeaseCompletedExactlyOnce() {
        try (LoadBalancer lb = builder(A, B).build()) {
            Selection s = lb.selectPreferring(RequestContext.empty(), B);
            Selection t = lb.selectPreferring(RequestContext.empty(), B);
            assertThat(s.backend()).isEqualTo(B);
            assertThat(inFlight(lb, B)).isEqualTo(2);
            assertThat(inFlight(lb, A)).isZero();
            s.onSuccess(200, 1_000);
            s.onFailure(FailureKind.CONNECT, -1);
            s.close();
            assertThat(inFlight(lb, B)).isEqualTo(1);
            t.onFailure(503, 1_000);
            t.close();
            BackendStats stats = lb.pool().stats(B).orElseThrow();
            assertThat(stats.inFlight()).isZero();
            assertThat(stats.successes()).isEqualTo(1);
            assertThat(stats.failures()).isEqualTo(1);
            assertThat(stats.cancelled()).isZero();
            assertThat(stats.retries()).as("a preferred selection is not a retry").isZero();
        }
    }

    @Test
    void identityDecidesAndTheSelectionCarriesThePoolsCurrentBackend() {
        try (LoadBalancer lb = builder(A, B.withWeight(3)).build()) {
            try (Selection s = lb.selectPreferring(RequestContext.empty(), Backend.of("http://127.0.0.1:8082/", 1))) {
                assertThat(s.backend()).isEqualTo(B);
                assertThat(s.backend().weight()).isEqualTo(3);
            }
            lb.pool().update(B.withWeight(5));
            try (Selection s = lb.selectPreferring(RequestContext.empty(), B)) {
                assertThat(s.backend().weight()).isEqualTo(5);
            }
            // Same host and port, another scheme: another backend, not a member.
            try (Selection s = lb.selectPreferring(RequestContext.empty(), Backend.of("https://127.0.0.1:8082"))) {
                assertThat(s.backend()).isEqualTo(A);
            }
        }
    }

    @Test
    void aRemovedOrUnknownPreferredBackendFallsBackToTheStrategy() {
        try (LoadBalancer lb = builder(A, B, C).build()) {
            assertThat(picks(lb, ELSEWHERE, 3)).containsExactly(A, B, C);
            lb.pool().remove(B);
            assertThat(picks(lb, B, 4)).containsExactly(A, C, A, C);
            lb.pool().add(B);
            assertThat(picks(lb, B, 2)).containsOnly(B);
            assertThat(lb.pool().stats()).extracting(BackendStats::inFlight).containsOnly(0);
        }
    }

    @Test
    void aDrainedPreferredBackendFallsBackAndComesBackWithItsWeight() {
        try (LoadBalancer lb = builder(A, B).build()) {
            lb.pool().drain(B);
            assertThat(picks(lb, B, 3)).containsOnly(A);
            assertThat(lb.pool().stats(B).orElseThrow().requests()).isZero();
            lb.pool().update(B.withWeight(1));
            assertThat(picks(lb, B, 3)).containsOnly(B);
        }
    }

    @Test
    void anUnhealthyPreferredBackendFallsBackUntilItRecovers() {
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = builder(A, B, C)
                .healthCheck(ActiveHealthCheck.of(probe).interval(Duration.ofSeconds(1)).jitter(0).rise(1).fall(1)
                        .build())
                .build()) {
            scheduler.runDue();
            assertThat(lb.pool().stats(B).orElseThrow().state()).isEqualTo(BackendState.UNHEALTHY);
            assertThat(picks(lb, B, 4)).containsExactly(A, C, A, C);
            probe.set(B, HealthCheckResult.healthy("status 200"));
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(lb.pool().stats(B).orElseThrow().state()).isEqualTo(BackendState.HEALTHY);
            assertThat(picks(lb, B, 2)).containsOnly(B);
        }
    }

    @Test
    void anEjectedPreferredBackendFallsBackUntilItsEjectionEnds() {
        try (LoadBalancer lb = builder(A, B)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(2)
                        .baseEjectionTime(Duration.ofSeconds(10)).maxEjectionPercent(100).build())
                .build()) {
            lb.selectPreferring(RequestContext.empty(), B).onFailure(FailureKind.CONNECT, -1);
            lb.selectPreferring(RequestContext.empty(), B).onFailure(FailureKind.CONNECT, -1);
            assertThat(lb.pool().stats(B).orElseThrow().state()).isEqualTo(BackendState.EJECTED);
            assertThat(picks(lb, B, 3)).containsOnly(A);
            scheduler.advance(Duration.ofSeconds(10));
            assertThat(lb.pool().stats(B).orElseThrow().state()).isEqualTo(BackendState.HEALTHY);
            assertThat(picks(lb, B, 2)).containsOnly(B);
        }
    }

    @Test
    void inRouteAllPanicAnUnhealthyPreferredBackendIsStillSelectedAsTheStrategyWouldBe() {
        probe.set(A, HealthCheckResult.unhealthy("status 500"));
        probe.set(B, HealthCheckResult.unhealthy("status 500"));
        try (LoadBalancer lb = builder(A, B, C)
                .healthCheck(ActiveHealthCheck.of(probe).interval(Duration.ofSeconds(1)).jitter(0).rise(1).fall(1)
                        .build())
                .panic(PanicMode.ROUTE_ALL, 0.5)
                .build()) {
            scheduler.runDue();
            assertThat(lb.inPanic()).isTrue();
            assertThat(picks(lb, B, 3)).containsOnly(B);
            lb.updatePanic(PanicMode.FAIL_FAST, 0.5);
            assertThatThrownBy(() -> lb.selectPreferring(RequestContext.empty(), B))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: panic, 1 of 3 backends eligible (below 50%)");
            assertThat(lb.pool().stats()).extracting(BackendStats::inFlight).containsOnly(0);
        }
    }

    @Test
    void noEligibleBackendThrowsTheSameReasonAsSelect() {
        try (LoadBalancer lb = builder().build()) {
            assertThatThrownBy(() -> lb.selectPreferring(RequestContext.empty(), A))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: none configured");
        }
        try (LoadBalancer lb = builder(A, B).build()) {
            lb.pool().drain(A);
            lb.pool().drain(B);
            assertThatThrownBy(() -> lb.selectPreferring(RequestContext.empty(), A))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: all 2 backends are drained (weight 0)");
            assertThatThrownBy(() -> lb.selectPreferring(RequestContext.empty(), null))
                    .hasMessage("no backend available: all 2 backends are drained (weight 0)");
        }
    }

    @Test
    void theContextIsRequiredAndTheStrategySeesItOnFallback() {
        List<RequestContext> seen = new ArrayList<>();
        Strategy recording = new Strategy() {
            @Override
            public String name() {
                return "test-recording";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                return ctx -> {
                    seen.add(ctx);
                    endpoints.get(0).acquire();
                    return endpoints.get(0);
                };
            }
        };
        try (LoadBalancer lb = builder(A, B).strategy(recording).build()) {
            assertThatThrownBy(() -> lb.selectPreferring(null, A))
                    .isInstanceOf(NullPointerException.class).hasMessage("context");
            RequestContext context = RequestContext.of("GET", "/x");
            lb.selectPreferring(context, B).close();
            assertThat(seen).as("the strategy is not consulted when the preference holds").isEmpty();
            lb.selectPreferring(context, ELSEWHERE).close();
            assertThat(seen).containsExactly(context);
        }
    }

    /**
     * 4 threads start together on a latch and select preferring B (every other time) or nothing
     * while a writer drains and restores B 50 times; they go on until the writer is done (at least
     * 5,000 selections each, at most 10 s) and complete every selection, some twice. No selection
     * that starts after a drain returned and ends before the restore begins gets B, and every
     * in-flight count ends at 0 with every selection counted once.
     */
    @Test
    void concurrentPreferredSelectionsAgainstDrainsKeepTheirLeases() throws Exception {
        try (LoadBalancer lb = builder(A, B, C).build()) {
            int threads = 4;
            // Odd while B is drained: set after drain() returned, moved on before B is restored.
            AtomicLong generation = new AtomicLong();
            AtomicBoolean writerDone = new AtomicBoolean();
            AtomicReference<String> violation = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long selections = 0;
            try {
                List<Future<Long>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        long i = 0;
                        while ((i < 5_000 || !writerDone.get()) && System.nanoTime() < deadline) {
                            Backend preferred = ((i + seed) & 1) == 0 ? B : null;
                            long before = generation.get();
                            Selection s = lb.selectPreferring(RequestContext.empty(), preferred);
                            if ((before & 1) == 1 && generation.get() == before && s.backend().equals(B)) {
                                violation.compareAndSet(null, "B selected while drained, generation " + before);
                            }
                            if ((i & 3) == 0) {
                                s.onFailure(FailureKind.RESET, -1);
                            } else {
                                s.onSuccess(200, 1_000);
                            }
                            s.close();
                            i++;
                        }
                        return i;
                    }));
                }
                start.countDown();
                for (int i = 0; i < 50; i++) {
                    lb.pool().drain(B);
                    generation.incrementAndGet();
                    Thread.yield();
                    generation.incrementAndGet();
                    lb.pool().update(B.withWeight(1));
                }
                writerDone.set(true);
                for (Future<Long> f : futures) {
                    selections += f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(violation.get()).isNull();
            List<BackendStats> stats = lb.pool().stats();
            assertThat(stats).extracting(BackendStats::inFlight).containsOnly(0);
            assertThat(stats.stream().mapToLong(BackendStats::requests).sum()).isEqualTo(selections);
        }
    }
}
