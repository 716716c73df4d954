package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Exact counts after scripted sequences of selections, through the public API. */
class LoadBalancerStatsTest {

    private static final Backend A = Backend.of("http://127.0.0.1:8081");
    private static final Backend B = Backend.of("http://127.0.0.1:8082");
    private static final long MS = 1_000_000;

    private final FakeTicker ticker = new FakeTicker();

    private LoadBalancer lb(Backend... backends) {
        return LoadBalancer.builder().name("api").strategy(TestStrategies.first()).ticker(ticker)
                .outlierDetection(OutlierDetection.disabled()).backends(List.of(backends)).build();
    }

    private static BackendStats stats(LoadBalancerStats stats, Backend backend) {
        return stats.backends().stream().filter(s -> s.backend().equals(backend)).findFirst().orElseThrow();
    }

    @Test
    void scriptedSequenceGivesExactCounts() {
        try (LoadBalancer lb = lb(A, B)) {
            RequestContext ctx = RequestContext.empty();
            // 1. A: 200 in 1 ms
            lb.select(ctx).onSuccess(200, MS);
            // 2. A: 404 in 2 ms
            lb.select(ctx).onSuccess(404, 2 * MS);
            // 3. A refuses the connection; the retry goes to B: 200 in 3 ms
            lb.select(ctx).onFailure(FailureKind.CONNECT, -1);
            Selection retry = lb.select(ctx, Set.of(A));
            assertThat(retry.backend()).isEqualTo(B);
            assertThat(retry.isRetry()).isTrue();
            retry.onSuccess(200, 3 * MS);
            // 4. A answers 503 in 5 ms; the retry on B answers 502 in 4 ms; no attempt left
            lb.select(ctx).onFailure(503, 5 * MS);
            lb.select(ctx, Set.of(A)).onFailure(502, 4 * MS);
            lb.recordRetriesExhausted();
            // 5. A times out after 30 ms; the client of 6. goes away
            lb.select(ctx).onFailure(FailureKind.TIMEOUT, 30 * MS);
            lb.select(ctx).close();
            // 7. A success without a status; 8. a reset
            lb.select(ctx).onSuccess();
            lb.select(ctx).onFailure(FailureKind.RESET, MS);
            // 9. one request in flight
            Selection open = lb.select(ctx);

            ticker.advance(Duration.ofSeconds(7));
            LoadBalancerStats stats = lb.stats();
            assertThat(stats.name()).isEqualTo("api");
            assertThat(stats.nanoTime()).isEqualTo(ticker.read());
            assertThat(stats.requests()).as("first attempts completed").isEqualTo(8);
            assertThat(stats.retries()).isEqualTo(2);
            assertThat(stats.retriesExhausted()).isEqualTo(1);
            assertThat(stats.noBackend()).isZero();
            assertThat(stats.inFlight()).isEqualTo(1);
            assertThat(stats.inPanic()).isFalse();

            BackendStats a = stats(stats, A);
            assertThat(a.requests()).isEqualTo(9);
            assertThat(a.inFlight()).isEqualTo(1);
            assertThat(a.successes()).isEqualTo(3);
            assertThat(a.failures()).isEqualTo(4);
            assertThat(a.cancelled()).isEqualTo(1);
            assertThat(a.connectFailures()).isEqualTo(1);
            assertThat(a.timeouts()).isEqualTo(1);
            assertThat(a.retries()).isZero();
            assertThat(new long[] {a.responses(1), a.responses(2), a.responses(3), a.responses(4), a.responses(5)})
                    .containsExactly(0, 1, 0, 1, 1);
            // Latencies with a response: 1, 2 and 5 ms (not the timeout, the reset or the refused connection)
            assertThat(a.latency().count()).isEqualTo(3);
            assertThat(a.latency().quantileNanos(0.5)).isBetween(2 * MS - MS / 8, 2 * MS + MS / 8);
            assertThat(a.latency().quantileNanos(1)).isBetween(5 * MS - 5 * MS / 16, 5 * MS + 5 * MS / 16);

            BackendStats b = stats(stats, B);
            assertThat(b.requests()).isEqualTo(2);
            assertThat(b.successes()).isEqualTo(1);
            assertThat(b.failures()).isEqualTo(1);
            assertThat(b.retries()).isEqualTo(2);
            assertThat(b.responses(2)).isEqualTo(1);
            assertThat(b.responses(5)).isEqualTo(1);
            assertThat(b.latency().count()).isEqualTo(2);

            open.onSuccess(200, MS);
            assertThat(lb.stats().requests()).isEqualTo(9);
            assertThat(lb.stats().inFlight()).isZero();
        }
    }

    @Test
    void refusedSelectionsAreCountedByReasonAndRetriesThatFindNoBackendAreNot() {
        try (LoadBalancer lb = lb(A)) {
            RequestContext ctx = RequestContext.empty();
            Selection first = lb.select(ctx);
            first.onFailure(FailureKind.CONNECT, -1);
            assertThatThrownBy(() -> lb.select(ctx, Set.of(A))).isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: all 1 eligible backend was tried already");
            lb.pool().drain(A);
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> lb.select(ctx)).isInstanceOf(NoBackendAvailableException.class);
            }
            lb.pool().remove(A);
            assertThatThrownBy(() -> lb.select(ctx)).isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: none configured");

            LoadBalancerStats stats = lb.stats();
            assertThat(stats.noBackend()).isEqualTo(4);
            assertThat(stats.noBackend(Reason.ALL_DRAINED)).isEqualTo(3);
            assertThat(stats.noBackend(Reason.NONE_CONFIGURED)).isEqualTo(1);
            assertThat(stats.noBackend(Reason.ALL_EXCLUDED)).isZero();
            assertThat(stats.noBackend(Reason.ALL_UNHEALTHY)).isZero();
            assertThat(stats.requests()).as("1 first attempt + 4 refused").isEqualTo(5);
            assertThat(stats.backends()).isEmpty();
        }
    }

    @Test
    void aPreferringSelectionIsAFirstAttemptAndItsRefusalCounts() {
        try (LoadBalancer lb = lb(A, B)) {
            lb.selectPreferring(RequestContext.empty(), B).onSuccess(200, MS);
            lb.pool().drain(A);
            lb.pool().drain(B);
            assertThatThrownBy(() -> lb.selectPreferring(RequestContext.empty(), B))
                    .isInstanceOf(NoBackendAvailableException.class);
            LoadBalancerStats stats = lb.stats();
            assertThat(stats.requests()).isEqualTo(2);
            assertThat(stats.noBackend(Reason.ALL_DRAINED)).isEqualTo(1);
            assertThat(stats(stats, B).successes()).isEqualTo(1);
            assertThat(stats.retries()).isZero();
        }
    }

    @Test
    void aRemovedBackendKeepsItsCountsInTheTotalsAndFinishesItsRequests() {
        try (LoadBalancer lb = lb(A, B)) {
            RequestContext ctx = RequestContext.empty();
            lb.select(ctx).onSuccess(200, MS);
            lb.select(ctx).onFailure(FailureKind.CONNECT, -1);
            lb.select(ctx, Set.of(A)).onSuccess(200, MS);
            Selection inFlightOnA = lb.select(ctx);
            lb.pool().remove(A);

            LoadBalancerStats removed = lb.stats();
            assertThat(removed.backends()).extracting(BackendStats::backend).containsExactly(B);
            assertThat(removed.requests()).isEqualTo(2);
            assertThat(removed.retries()).isEqualTo(1);
            assertThat(removed.inFlight()).as("current backends only").isZero();

            inFlightOnA.onSuccess(200, MS);
            assertThat(lb.stats().requests()).isEqualTo(3);
            // Folded now that A is idle; the totals stay.
            assertThat(lb.stats().requests()).isEqualTo(3);
            assertThat(lb.stats().retries()).isEqualTo(1);

            // Back again: the backend's own counters start over, the totals go on.
            lb.pool().add(A);
            lb.select(ctx, Set.of(B)).onSuccess(200, MS);
            LoadBalancerStats again = lb.stats();
            assertThat(stats(again, A).requests()).isEqualTo(1);
            assertThat(stats(again, A).retries()).isEqualTo(1);
            assertThat(again.requests()).isEqualTo(3);
            assertThat(again.retries()).isEqualTo(2);
        }
    }

    @Test
    void statsSurviveReweightingDrainingAndStrategyChanges() {
        try (LoadBalancer lb = lb(A, B)) {
            lb.select(RequestContext.empty()).onSuccess(200, MS);
            lb.pool().update(A.withWeight(5));
            lb.pool().drain(A);
            lb.updateStrategy(TestStrategies.rotate());
            lb.pool().update(A.withWeight(1));
            BackendStats a = stats(lb.stats(), A);
            assertThat(a.successes()).isEqualTo(1);
            assertThat(a.latency().count()).isEqualTo(1);
        }
    }

    @Test
    void concurrentCompletionsAreCountedExactly() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate())
                .outlierDetection(OutlierDetection.disabled()).backends(List.of(A, B)).build()) {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<Thread> workers = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        Selection s = lb.select(RequestContext.empty());
                        switch (i % 4) {
                            case 0:
                                s.onSuccess(200, i);
                                break;
                            case 1:
                                s.onSuccess(404, -1);
                                break;
                            case 2:
                                s.onFailure(503, i * 1_000L);
                                break;
                            default:
                                s.close();
                        }
                    }
                });
                worker.start();
                workers.add(worker);
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join(30_000);
                assertThat(worker.isAlive()).isFalse();
            }
            LoadBalancerStats stats = lb.stats();
            long total = (long) threads * perThread;
            assertThat(stats.requests()).isEqualTo(total);
            assertThat(stats.inFlight()).isZero();
            long ok = 0;
            long notFound = 0;
            long errors = 0;
            long cancelled = 0;
            long latencies = 0;
            for (BackendStats s : stats.backends()) {
                ok += s.responses(2);
                notFound += s.responses(4);
                errors += s.responses(5);
                cancelled += s.cancelled();
                latencies += s.latency().count();
                assertThat(s.successes()).isEqualTo(s.responses(2) + s.responses(4));
                assertThat(s.failures()).isEqualTo(s.responses(5));
            }
            assertThat(new long[] {ok, notFound, errors, cancelled, latencies})
                    .containsExactly(total / 4, total / 4, total / 4, total / 4, total / 2);
        }
    }

    @Test
    void toStringsSayWhatTheyHold() {
        try (LoadBalancer lb = lb(A)) {
            lb.select(RequestContext.empty()).onSuccess(200, MS);
            lb.recordRetriesExhausted();
            assertThat(lb.stats().toString()).isEqualTo("LoadBalancerStats{api, backends=1, requests=1, noBackend=0, "
                    + "retries=0, retriesExhausted=1, inFlight=0}");
            assertThat(stats(lb.stats(), A).toString()).isEqualTo("BackendStats{127.0.0.1:8081, state=HEALTHY (added), "
                    + "weight=1, effectiveWeight=1, inFlight=0, requests=1, successes=1, failures=0, cancelled=0, "
                    + "retries=0, consecutiveFailures=0, ejections=0, latency=1.0ms, p99=1.0ms}");
        }
    }
}
