package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendState;
import dev.jlb.Endpoint;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.health.PanicMode;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** From each member's state and weight share to the published snapshot and the members' statuses. */
class SnapshotBuilderTest {

    final Members members = new Members(0);
    final BackendEntry a = members.member(8081, 2);
    final BackendEntry b = members.member(8082);
    final BackendEntry c = members.member(8083);
    final AtomicInteger pickers = new AtomicInteger();
    final Strategy first = new Strategy() {
        @Override
        public String name() {
            return "test-first";
        }

        @Override
        public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
            pickers.incrementAndGet();
            return ctx -> endpoints.get(0);
        }
    };
    final Snapshot empty = SnapshotBuilder.empty(first);

    static List<String> weights(Snapshot snapshot) {
        return snapshot.endpoints.stream().map(e -> e.backend.id() + "=" + e.weight).toList();
    }

    @Test
    void whileAnyShareIsReducedWeightsAreInHundredths() {
        SnapshotBuilder next = new SnapshotBuilder(3, PanicMode.FAIL_FAST, 0);
        next.add(a, BackendState.HEALTHY, "added", 1.0, 0);
        next.add(b, BackendState.HEALTHY, "added", 0.5, 0);
        next.add(c, BackendState.UNHEALTHY, "first health check failed: status 503", 0.7, 2);
        Snapshot snapshot = next.build(empty, first, RandomSource.seeded(1));
        assertThat(weights(snapshot)).containsExactly("127.0.0.1:8081=200", "127.0.0.1:8082=50");
        assertThat(a.status()).isEqualTo(new MemberStatus(BackendState.HEALTHY, "added", 200, 1.0, 0));
        assertThat(b.status()).isEqualTo(new MemberStatus(BackendState.HEALTHY, "added", 50, 0.5, 0));
        assertThat(c.status()).isEqualTo(new MemberStatus(BackendState.UNHEALTHY,
                "first health check failed: status 503", 0, 0, 2));
        assertThat(snapshot.picker).isNotNull();
        assertThat(snapshot.noBackend).isNull();
    }

    @Test
    void theSameSelectionsKeepTheSnapshotAndItsPicker() {
        SnapshotBuilder next = new SnapshotBuilder(2, PanicMode.FAIL_FAST, 0);
        next.add(a, BackendState.HEALTHY, "added", 1.0, 0);
        next.add(b, BackendState.HEALTHY, "added", 1.0, 0);
        Snapshot first1 = next.build(empty, first, RandomSource.seeded(1));
        assertThat(weights(first1)).containsExactly("127.0.0.1:8081=2", "127.0.0.1:8082=1");

        SnapshotBuilder again = new SnapshotBuilder(2, PanicMode.FAIL_FAST, 0);
        again.add(a, BackendState.HEALTHY, "added", 1.0, 1);
        again.add(b, BackendState.DEGRADED, "latency 90.0ms > limit 30.0ms", 1.0, 0);
        assertThat(again.build(first1, first, RandomSource.seeded(1))).isSameAs(first1);
        assertThat(pickers).hasValue(1);
        assertThat(a.status().ejections()).as("statuses change all the same").isEqualTo(1);
        assertThat(b.status().state()).isEqualTo(BackendState.DEGRADED);
    }

    @Test
    void withNoEligibleMemberEverySelectIsRefusedWithTheCounts() {
        BackendEntry drained = members.member(8084, 0);
        SnapshotBuilder next = new SnapshotBuilder(4, PanicMode.FAIL_FAST, 0);
        next.add(a, BackendState.UNHEALTHY, "", 1.0, 0);
        next.add(b, BackendState.EJECTED, "", 1.0, 1);
        next.add(c, BackendState.EJECTED, "", 1.0, 1);
        next.add(drained, BackendState.DRAINING, "weight 0", 1.0, 0);
        Snapshot snapshot = next.build(empty, first, RandomSource.seeded(1));
        assertThat(snapshot.picker).isNull();
        assertThat(snapshot.noBackend.reason()).isEqualTo(Reason.ALL_UNHEALTHY);
        assertThat(snapshot.noBackend.getMessage()).isEqualTo("no backend available: 1 unhealthy, 2 ejected, 1 drained of 4");

        assertThat(SnapshotBuilder.noBackend(2, 2, 0, 0).getMessage())
                .isEqualTo("no backend available: all 2 backends are drained (weight 0)");
        assertThat(empty.noBackend.reason()).isEqualTo(Reason.NONE_CONFIGURED);
        assertThat(empty.noBackend.getMessage()).isEqualTo("no backend available: none configured");
    }

    @Test
    void inPanicEveryNonDrainingMemberGetsItsWeightOrEverySelectFails() {
        BackendEntry drained = members.member(8084, 0);
        for (PanicMode mode : PanicMode.values()) {
            SnapshotBuilder next = new SnapshotBuilder(4, mode, 0.5);
            next.add(a, BackendState.HEALTHY, "", 0.5, 0);
            next.add(b, BackendState.UNHEALTHY, "", 1.0, 0);
            next.add(c, BackendState.EJECTED, "", 1.0, 1);
            next.add(drained, BackendState.DRAINING, "weight 0", 1.0, 0);
            assertThat(next.panic()).as("1 of 3 eligible").isTrue();
            Snapshot snapshot = next.build(empty, first, RandomSource.seeded(1));
            assertThat(snapshot.panic).isTrue();
            if (mode == PanicMode.ROUTE_ALL) {
                assertThat(weights(snapshot)).containsExactly("127.0.0.1:8081=2", "127.0.0.1:8082=1", "127.0.0.1:8083=1");
                assertThat(b.status().effectiveWeight()).isEqualTo(1);
                assertThat(next.panicEvent().toString()).isEqualTo("PANIC_ENTERED (1 of 3 backends eligible (below 50%):"
                        + " routing to all 3 non-draining backends)");
            } else {
                assertThat(snapshot.endpoints).isEmpty();
                assertThat(snapshot.noBackend.reason()).isEqualTo(Reason.PANIC);
                assertThat(snapshot.noBackend.getMessage())
                        .isEqualTo("no backend available: panic, 1 of 3 backends eligible (below 50%)");
                assertThat(next.panicEvent().toString())
                        .isEqualTo("PANIC_ENTERED (1 of 3 backends eligible (below 50%): failing fast)");
            }
        }
        SnapshotBuilder calm = new SnapshotBuilder(2, PanicMode.ROUTE_ALL, 0.5);
        calm.add(a, BackendState.HEALTHY, "", 1.0, 0);
        calm.add(b, BackendState.UNHEALTHY, "", 1.0, 0);
        assertThat(calm.panic()).as("1 of 2 is not below 50%").isFalse();
        assertThat(calm.panicEvent().toString()).isEqualTo("PANIC_EXITED (1 of 2 backends eligible)");
    }
}
