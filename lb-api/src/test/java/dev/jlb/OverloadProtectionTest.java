package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.health.OutlierDetection;
import dev.jlb.testing.TestStrategies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverloadProtectionTest {

    private final FakeTicker ticker = new FakeTicker();
    private final FakeScheduler scheduler = new FakeScheduler(ticker);

    private LoadBalancer lb(OverloadProtection overload, int backends) {
        LoadBalancer.Builder b = LoadBalancer.builder().strategy(TestStrategies.rotate()).ticker(ticker)
                .scheduler(scheduler).outlierDetection(OutlierDetection.disabled()).overload(overload);
        for (int i = 0; i < backends; i++) {
            b.backend("http://127.0.0.1:" + (8081 + i));
        }
        return b.build();
    }

    /** Records what selectOrWait delivered. */
    static final class Recorder implements LoadBalancer.Waiter {
        final String name;
        final List<String> log;
        Selection selection;
        NoBackendAvailableException refusal;

        Recorder(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public void selected(Selection s) {
            selection = s;
            log.add(name + " -> " + s.backend().port());
        }

        @Override
        public void refused(NoBackendAvailableException e) {
            refusal = e;
            log.add(name + " refused " + e.reason());
        }
    }

    @Test
    void aBackendAtItsLimitIsNotPickedAndNoneLeftIsAnImmediateRefusal() {
        OverloadProtection limits = OverloadProtection.builder().backendMaxInFlight(2).build();
        try (LoadBalancer lb = lb(limits, 2)) {
            List<Selection> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(lb.select(RequestContext.empty()));
            }
            assertThat(lb.pool().stats()).allSatisfy(s -> assertThat(s.inFlight()).isEqualTo(2));
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .isInstanceOfSatisfying(NoBackendAvailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OVERLOADED))
                    .hasMessage("service unavailable: overloaded (every backend at max_in_flight 2)");
            assertThat(lb.pool().stats()).allSatisfy(s -> assertThat(s.inFlight()).isEqualTo(2));
            assertThat(lb.stats().noBackend(Reason.OVERLOADED)).isEqualTo(1);
            // One lease ends: its backend is the only one under the limit, whatever round robin says.
            Selection ended = held.remove(0);
            ended.onSuccess();
            for (int i = 0; i < 3; i++) {
                Selection next = lb.select(RequestContext.empty());
                assertThat(next.backend()).isEqualTo(ended.backend());
                next.onSuccess();
            }
            held.forEach(Selection::onSuccess);
        }
    }

    @Test
    void theRouteLimitCountsEveryBackend() {
        OverloadProtection limits = OverloadProtection.builder().maxInFlight(3).build();
        try (LoadBalancer lb = lb(limits, 5)) {
            List<Selection> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(lb.select(RequestContext.empty()));
            }
            assertThatThrownBy(() -> lb.select(RequestContext.empty()))
                    .hasMessage("service unavailable: overloaded (the route at max_in_flight 3)");
            assertThat(lb.stats().inFlight()).isEqualTo(3);
            held.remove(0).onFailure(FailureKind.CONNECT, -1);
            held.add(lb.select(RequestContext.empty()));
            held.forEach(Selection::close);
            assertThat(lb.stats().inFlight()).isZero();
        }
    }

    @Test
    void waitingRequestsAreServedInArrivalOrderAndAFullQueueRefusesAtOnce() {
        OverloadProtection limits = OverloadProtection.builder().backendMaxInFlight(1).maxQueued(2).build();
        try (LoadBalancer lb = lb(limits, 1)) {
            List<String> log = new ArrayList<>();
            Recorder first = new Recorder("first", log);
            lb.selectOrWait(RequestContext.empty(), null, first);
            Recorder a = new Recorder("a", log);
            Recorder b = new Recorder("b", log);
            Recorder c = new Recorder("c", log);
            lb.selectOrWait(RequestContext.empty(), null, a);
            lb.selectOrWait(RequestContext.empty(), null, b);
            lb.selectOrWait(RequestContext.empty(), null, c);
            assertThat(log).containsExactly("first -> 8081", "c refused OVERLOADED");
            assertThat(c.refusal).hasMessage(
                    "service unavailable: overloaded (every backend at max_in_flight 1, and 2 requests queued)");
            assertThat(lb.stats().queued()).isEqualTo(2);

            first.selection.onSuccess(200, 1_000);
            assertThat(log).containsExactly("first -> 8081", "c refused OVERLOADED", "a -> 8081");
            assertThat(lb.pool().stats().get(0).inFlight()).isEqualTo(1);
            a.selection.close();
            assertThat(log).endsWith("b -> 8081");
            b.selection.onSuccess();
            assertThat(lb.stats().queued()).isZero();
            assertThat(lb.stats().queuedTotal()).isEqualTo(2);
            assertThat(lb.stats().noBackend(Reason.OVERLOADED)).isEqualTo(1);
            // The timers of the requests served were cancelled: nothing expires later.
            ticker.advance(Duration.ofSeconds(5));
            scheduler.runDue();
            assertThat(log).hasSize(4);
        }
    }

    @Test
    void aRequestThatWaitsLongerThanTheQueueTimeoutIsRefused() {
        OverloadProtection limits = OverloadProtection.builder().backendMaxInFlight(1).maxQueued(5)
                .queueTimeout(Duration.ofMillis(200)).build();
        try (LoadBalancer lb = lb(limits, 1)) {
            List<String> log = new ArrayList<>();
            Selection held = lb.select(RequestContext.empty());
            Recorder a = new Recorder("a", log);
            lb.selectOrWait(RequestContext.empty(), null, a);
            ticker.advance(Duration.ofMillis(199));
            scheduler.runDue();
            assertThat(log).isEmpty();
            ticker.advance(Duration.ofMillis(1));
            scheduler.runDue();
            assertThat(log).containsExactly("a refused QUEUE_TIMEOUT");
            assertThat(a.refusal).hasMessage(
                    "service unavailable: overloaded, no backend within the queue timeout (200ms)");
            assertThat(lb.stats().noBackend(Reason.QUEUE_TIMEOUT)).isEqualTo(1);
            held.onSuccess();
            assertThat(log).hasSize(1);
            assertThat(lb.stats().inFlight()).isZero();
        }
    }

    @Test
    void withoutAQueueSelectOrWaitRefusesAtOnce() {
        try (LoadBalancer lb = lb(OverloadProtection.builder().backendMaxInFlight(1).build(), 1)) {
            List<String> log = new ArrayList<>();
            lb.selectOrWait(RequestContext.empty(), null, new Recorder("a", log));
            lb.selectOrWait(RequestContext.empty(), null, new Recorder("b", log));
            assertThat(log).containsExactly("a -> 8081", "b refused OVERLOADED");
        }
    }

    @Test
    void retriesRespectTheLimits() {
        try (LoadBalancer lb = lb(OverloadProtection.builder().backendMaxInFlight(1).build(), 3)) {
            Selection a = lb.select(RequestContext.empty());
            Selection b = lb.select(RequestContext.empty());
            // The retry of a's request may not go to b's backend (at its limit) nor to a's (tried).
            Selection retry = lb.select(RequestContext.empty(), List.of(a.backend()));
            assertThat(retry.backend()).isNotIn(a.backend(), b.backend());
            assertThatThrownBy(() -> lb.select(RequestContext.empty(), List.of(a.backend())))
                    .isInstanceOfSatisfying(NoBackendAvailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.OVERLOADED));
            a.onSuccess();
            b.onSuccess();
            retry.onSuccess();
            assertThat(lb.stats().inFlight()).isZero();
        }
    }

    @Test
    void badLimitsAreNamed() {
        assertThatThrownBy(() -> OverloadProtection.builder().backendMaxInFlight(-1))
                .hasMessage("backend_max_in_flight: -1 (expected: >= 0)");
        assertThatThrownBy(() -> OverloadProtection.builder().maxQueued(-2))
                .hasMessage("max_queued: -2 (expected: >= 0)");
        assertThatThrownBy(() -> OverloadProtection.builder().queueTimeout(Duration.ZERO))
                .hasMessage("queue_timeout: 0s (expected: > 0)");
        assertThatThrownBy(() -> OverloadProtection.builder().maxQueued(10).build())
                .hasMessage("max_queued: 10 (expected: 0 unless max_in_flight or backend_max_in_flight is set)");
        assertThat(OverloadProtection.builder().build()).isSameAs(OverloadProtection.disabled());
    }
}
