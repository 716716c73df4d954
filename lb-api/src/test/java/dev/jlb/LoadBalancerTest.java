package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static final Backend A = Backend.of("http://127.0.0.1:8081");
    private static final Backend B = Backend.of("http://127.0.0.1:8082");
    private static final Backend C = Backend.of("http://127.0.0.1:8083");

    private static LoadBalancer lb(Strategy strategy, Backend... backends) {
        return LoadBalancer.builder().strategy(strategy).backends(List.of(backends)).build();
    }

    @Test
    void builderRejectsDuplicateBackends() {
        assertThatThrownBy(() -> LoadBalancer.builder()
                .backend("http://127.0.0.1:8081")
                .backend("http://127.0.0.1:8081/", 3)
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend: http://127.0.0.1:8081 (expected: each backend once)");
    }

    @Test
    void builderRejectsUnknownStrategyName() {
        assertThatThrownBy(() -> LoadBalancer.builder().strategy("fastest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy: fastest (expected: one of [round-robin])");
    }

    @Test
    void builderRejectsBlankName() {
        assertThatThrownBy(() -> LoadBalancer.builder().name(" "))
                .hasMessage("name: \" \" (expected: not blank)");
    }

    @Test
    void builderRejectsNulls() {
        assertThatThrownBy(() -> LoadBalancer.builder().strategy((Strategy) null)).hasMessage("strategy");
        assertThatThrownBy(() -> LoadBalancer.builder().ticker(null)).hasMessage("ticker");
        assertThatThrownBy(() -> LoadBalancer.builder().random(null)).hasMessage("random");
        assertThatThrownBy(() -> LoadBalancer.builder().backend((Backend) null)).hasMessage("backend");
    }

    @Test
    void strategyByNameAndAliasThroughTheRegistry() {
        try (LoadBalancer lb = LoadBalancer.builder().strategy("test-rotate-alias").backends(List.of(A, B)).build()) {
            assertThat(lb.strategy().name()).isEqualTo("test-rotate");
        }
        assertThat(StrategyRegistry.names()).containsExactly("round-robin");
    }

    @Test
    void defaultsToRoundRobinFromTheRegistry() {
        try (LoadBalancer lb = LoadBalancer.builder().backends(List.of(A, B)).build()) {
            assertThat(lb.strategy().name()).isEqualTo("test-rotate");
            assertThat(lb.name()).isEqualTo("default");
        }
    }

    @Test
    void selectionRaisesInFlightAndCompletionLowersItExactlyOnce() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            Selection s = lb.select(RequestContext.empty());
            assertThat(s.backend()).isEqualTo(A);
            assertThat(inFlight(lb, A)).isEqualTo(1);
            s.onSuccess(200, 1_000);
            s.onSuccess(200, 1_000);
            s.onFailure(FailureKind.CONNECT, -1);
            s.close();
            assertThat(s.isDone()).isTrue();
            BackendStats stats = lb.pool().stats(A).orElseThrow();
            assertThat(stats.inFlight()).isZero();
            assertThat(stats.successes()).isEqualTo(1);
            assertThat(stats.failures()).isZero();
            assertThat(stats.cancelled()).isZero();
            assertThat(stats.responses(2)).isEqualTo(1);
            assertThat(stats.requests()).isEqualTo(1);
        }
    }

    @Test
    void closeWithoutOutcomeCountsAsCancelled() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A)) {
            try (Selection s = lb.select(RequestContext.empty())) {
                assertThat(s.backend()).isEqualTo(A);
            }
            BackendStats stats = lb.pool().stats(A).orElseThrow();
            assertThat(stats.inFlight()).isZero();
            assertThat(stats.cancelled()).isEqualTo(1);
            assertThat(stats.successes() + stats.failures()).isZero();
        }
    }

    @Test
    void failuresAreCountedByKind() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A)) {
            lb.select(RequestContext.empty()).onFailure(new java.net.ConnectException("Connection refused"));
            lb.select(RequestContext.empty()).onFailure(new java.util.concurrent.TimeoutException());
            lb.select(RequestContext.empty()).onFailure(503, 2_000_000);
            BackendStats stats = lb.pool().stats(A).orElseThrow();
            assertThat(stats.failures()).isEqualTo(3);
            assertThat(stats.connectFailures()).isEqualTo(1);
            assertThat(stats.timeouts()).isEqualTo(1);
            assertThat(stats.responses(5)).isEqualTo(1);
            assertThat(stats.inFlight()).isZero();
        }
    }

    @Test
    void noBackendConfigured() {
        try (LoadBalancer lb = lb(TestStrategies.first())) {
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: none configured")
                    .satisfies(e -> assertThat(((NoBackendAvailableException) e).reason())
                            .isEqualTo(NoBackendAvailableException.Reason.NONE_CONFIGURED));
        }
    }

    @Test
    void noBackendAllDrained() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            lb.pool().drain(A);
            lb.pool().drain(B);
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: all 2 backends are drained (weight 0)")
                    .extracting(e -> ((NoBackendAvailableException) e).reason())
                    .isEqualTo(NoBackendAvailableException.Reason.ALL_DRAINED);
        }
    }

    @Test
    void noBackendExceptionIsCheapAndShared() {
        try (LoadBalancer lb = lb(TestStrategies.first())) {
            NoBackendAvailableException first = catchNoBackend(lb);
            NoBackendAvailableException second = catchNoBackend(lb);
            assertThat(first).isSameAs(second);
            assertThat(first.getStackTrace()).isEmpty();
        }
    }

    private static NoBackendAvailableException catchNoBackend(LoadBalancer lb) {
        try {
            lb.select(RequestContext.empty());
        } catch (NoBackendAvailableException e) {
            return e;
        }
        throw new AssertionError("select succeeded");
    }

    @Test
    void exclusionSkipsBackendsAlreadyTriedAndCountsARetry() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B, C)) {
            Selection s = lb.select(RequestContext.empty(), Set.of(A));
            assertThat(s.backend()).isEqualTo(B);
            assertThat(s.isRetry()).isTrue();
            s.onSuccess();
            Selection t = lb.select(RequestContext.empty(), Set.of(A, B));
            assertThat(t.backend()).isEqualTo(C);
            t.onSuccess();
            assertThat(inFlight(lb, A)).isZero();
            assertThat(lb.pool().stats(B).orElseThrow().retries()).isEqualTo(1);
            assertThat(lb.pool().stats(A).orElseThrow().requests()).isZero();
        }
    }

    @Test
    void exclusionOfEveryBackend() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            assertThatThrownBy(() -> lb.select(RequestContext.empty(), List.of(A, B)))
                    .isInstanceOf(NoBackendAvailableException.class)
                    .hasMessage("no backend available: all 2 eligible backends were tried already")
                    .extracting(e -> ((NoBackendAvailableException) e).reason())
                    .isEqualTo(NoBackendAvailableException.Reason.ALL_EXCLUDED);
            assertThat(inFlight(lb, A)).isZero();
            assertThat(inFlight(lb, B)).isZero();
        }
    }

    @Test
    void drainedBackendGetsNoNewRequestsButItsLeaseCompletes() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            Selection inFlightToA = lb.select(RequestContext.empty());
            assertThat(inFlightToA.backend()).isEqualTo(A);
            assertThat(lb.pool().drain(A)).isTrue();
            for (int i = 0; i < 10; i++) {
                try (Selection s = lb.select(RequestContext.empty())) {
                    assertThat(s.backend()).isEqualTo(B);
                }
            }
            assertThat(lb.pool().stats(A).orElseThrow().state()).isEqualTo(BackendState.DRAINING);
            assertThat(inFlight(lb, A)).isEqualTo(1);
            inFlightToA.onSuccess();
            assertThat(inFlight(lb, A)).isZero();
            lb.pool().update(A.withWeight(1));
            assertThat(lb.pool().stats(A).orElseThrow().state()).isEqualTo(BackendState.HEALTHY);
            assertThat(lb.select(RequestContext.empty()).backend()).isEqualTo(A);
        }
    }

    @Test
    void removedBackendKeepsCountingItsInFlightRequests() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            Selection s = lb.select(RequestContext.empty());
            assertThat(lb.pool().remove(A)).isTrue();
            assertThat(lb.pool().remove(A)).isFalse();
            assertThat(lb.pool().backends()).containsExactly(B);
            assertThat(lb.select(RequestContext.empty()).backend()).isEqualTo(B);
            s.onSuccess();
            assertThat(lb.pool().stats(A)).isEmpty();
        }
    }

    @Test
    void replaceAllKeepsStatisticsOfBackendsThatStay() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            lb.select(RequestContext.empty()).onSuccess();
            lb.pool().replaceAll(List.of(A.withWeight(3), C));
            assertThat(lb.pool().backends()).containsExactly(A.withWeight(3), C);
            assertThat(lb.pool().backends().get(0).weight()).isEqualTo(3);
            assertThat(lb.pool().stats(A).orElseThrow().successes()).isEqualTo(1);
            assertThatThrownBy(() -> lb.pool().replaceAll(List.of(A, A)))
                    .hasMessage("backend: http://127.0.0.1:8081 (expected: each backend once)");
        }
    }

    @Test
    void poolEventsReachListenersInOrder() throws Exception {
        List<String> events = new ArrayList<>();
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first()).backend(A)
                .listener(e -> events.add(e.toString())).build()) {
            lb.pool().add(B);
            lb.pool().add(B);
            lb.pool().update(B.withWeight(4));
            lb.pool().drain(B);
            lb.pool().remove(B);
            AutoCloseable handle = lb.pool().addListener(e -> events.add("second " + e.type()));
            lb.pool().add(C);
            handle.close();
            lb.pool().remove(C);
        }
        assertThat(events).containsExactly(
                "ADDED 127.0.0.1:8081 null -> HEALTHY",
                "ADDED 127.0.0.1:8082 null -> HEALTHY",
                "WEIGHT_CHANGED 127.0.0.1:8082 weight=4",
                "WEIGHT_CHANGED 127.0.0.1:8082 weight=0",
                "STATE_CHANGED 127.0.0.1:8082 HEALTHY -> DRAINING (weight 0)",
                "REMOVED 127.0.0.1:8082 DRAINING -> null",
                "ADDED 127.0.0.1:8083 null -> HEALTHY",
                "second ADDED",
                "REMOVED 127.0.0.1:8083 HEALTHY -> null");
    }

    @Test
    void aListenerThatThrowsDoesNotBreakThePool() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A)) {
            lb.pool().addListener(e -> {
                throw new IllegalStateException("boom");
            });
            assertThat(lb.pool().add(B)).isTrue();
            assertThat(lb.pool().backends()).containsExactly(A, B);
        }
    }

    @Test
    void updateStrategyKeepsCounters() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A, B)) {
            Selection held = lb.select(RequestContext.empty());
            lb.updateStrategy(TestStrategies.rotate());
            assertThat(lb.strategy().name()).isEqualTo("test-rotate");
            assertThat(inFlight(lb, A)).isEqualTo(1);
            held.onSuccess();
            assertThat(inFlight(lb, A)).isZero();
        }
    }

    @Test
    void backendsWithTheSameIdAreRejected() {
        try (LoadBalancer lb = lb(TestStrategies.first(), A)) {
            assertThatThrownBy(() -> lb.pool().add(Backend.of("https://127.0.0.1:8081")))
                    .hasMessage("backend: https://127.0.0.1:8081 (expected: an id other than 127.0.0.1:8081, "
                            + "which http://127.0.0.1:8081 has)");
        }
    }

    @Test
    void toStringsAreUseful() {
        try (LoadBalancer lb = LoadBalancer.builder().name("api").strategy(TestStrategies.first()).backend(A).build()) {
            assertThat(lb.toString()).contains("api").contains("test-first").contains("eligible=1");
            Selection s = lb.select(RequestContext.empty());
            assertThat(s.toString()).isEqualTo("Selection{127.0.0.1:8081}");
            s.onSuccess();
            assertThat(s.toString()).isEqualTo("Selection{127.0.0.1:8081, done}");
            assertThat(lb.pool().stats(A).orElseThrow().toString()).contains("127.0.0.1:8081").contains("successes=1");
        }
    }

    static int inFlight(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow().inFlight();
    }
}
