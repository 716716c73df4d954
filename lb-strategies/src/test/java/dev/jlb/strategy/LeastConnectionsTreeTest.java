package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Least connections from {@value LeastConnectionsStrategy#TREE_MIN_BACKENDS} backends on: the tree. */
class LeastConnectionsTreeTest {

    private static final int N = 300;

    private static int[] weights(int n, boolean mixed) {
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            weights[i] = mixed ? 1 + i % 4 : 1;
        }
        return weights;
    }

    private static int index(Selection s) {
        return s.backend().port() - 8081;
    }

    @Test
    void thePickerIsATreeFromTheThresholdWhenEveryEndpointHasItsTracker() {
        int n = LeastConnectionsStrategy.TREE_MIN_BACKENDS;
        List<Fixtures.FakeEndpoint> endpoints = Fixtures.FakeEndpoint.of(weights(n, false));
        assertThat(Strategies.leastConnections().newPicker(endpoints, RandomSource.seeded(1)))
                .hasToString("LeastConnectionsPicker{endpoints=" + n + '}');
        for (Fixtures.FakeEndpoint endpoint : endpoints) {
            endpoint.tracker = Strategies.leastConnections().newTracker(endpoint.backend());
        }
        assertThat(Strategies.leastConnections().newPicker(endpoints, RandomSource.seeded(1)))
                .hasToString("LeastConnectionsPicker{endpoints=" + n + ", tree}");
        assertThat(Strategies.leastConnections().newPicker(endpoints.subList(0, n - 1), RandomSource.seeded(1)))
                .hasToString("LeastConnectionsPicker{endpoints=" + (n - 1) + '}');
    }

    @Test
    void everyPickIsAtTheLowestWeightedLoadWhileRequestsStartAndEnd() {
        int[] weights = weights(N, true);
        Random script = new Random(42);
        try (LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RandomSource.seeded(2), weights)) {
            List<Selection> held = new ArrayList<>();
            for (int r = 0; r < 5_000; r++) {
                int[] inFlight = Fixtures.inFlight(lb);
                Selection s = lb.select(RequestContext.empty());
                int chosen = index(s);
                for (int i = 0; i < N; i++) {
                    assertThat((long) inFlight[chosen] * weights[i])
                            .as("pick %d: backend %d at %d/%d, backend %d at %d/%d", r, chosen, inFlight[chosen],
                                    weights[chosen], i, inFlight[i], weights[i])
                            .isLessThanOrEqualTo((long) inFlight[i] * weights[chosen]);
                }
                held.add(s);
                // End a random held request one time in three: counts go down as well as up.
                if (script.nextInt(3) == 0) {
                    held.remove(script.nextInt(held.size())).onSuccess(200, 1_000);
                }
            }
            held.forEach(Selection::onSuccess);
            Fixtures.assertAllInFlightZero(lb);
        }
    }

    @Test
    void tiesGoAtRandomByWeight() {
        int[] weights = weights(N, true);
        try (LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RandomSource.seeded(3), weights)) {
            long[] byWeight = new long[5];
            int picks = 100_000;
            for (int r = 0; r < picks; r++) {
                Selection s = lb.select(RequestContext.empty());
                byWeight[weights[index(s)]]++;
                s.onSuccess();
            }
            // Every count is 0 at each pick: weight w's backends (75 each) get w / 750 of the picks.
            for (int w = 1; w <= 4; w++) {
                double expected = picks * 75.0 * w / 750.0;
                assertThat((double) byWeight[w]).as("picks by weight %s", Arrays.toString(byWeight))
                        .isBetween(expected * 0.95, expected * 1.05);
            }
        }
    }

    @Test
    void heldRequestsFillEveryBackendOnceBeforeAnyGetsASecond() {
        try (LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RandomSource.seeded(4), weights(N, false))) {
            List<Selection> held = Fixtures.hold(lb, N);
            assertThat(Fixtures.inFlight(lb)).containsOnly(1);
            held.forEach(Selection::onSuccess);
        }
    }

    @Test
    void aMembershipChangeRebuildsTheTreeFromTheLiveCounts() {
        try (LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RandomSource.seeded(5), weights(N, false))) {
            List<Selection> held = Fixtures.hold(lb, N);
            Backend extra = Fixtures.backend(N, 1);
            lb.pool().add(extra);
            // The new backend is the only one at 0: the next two picks go to it, then to the ties at 1.
            Selection first = lb.select(RequestContext.empty());
            assertThat(first.backend()).isEqualTo(extra);
            Selection second = lb.select(RequestContext.empty());
            assertThat(second.backend()).isNotEqualTo(extra);
            first.onSuccess();
            second.onSuccess();
            held.forEach(Selection::onSuccess);
            Fixtures.assertAllInFlightZero(lb);
        }
    }

    @Test
    void concurrentRequestsLeaveTheTreeExact() throws Exception {
        try (LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RandomSource.threadLocal(), weights(N, false))) {
            Fixtures.concurrently(4, thread -> {
                List<Selection> mine = new ArrayList<>();
                for (int r = 0; r < 20_000; r++) {
                    mine.add(lb.select(RequestContext.empty()));
                    if (mine.size() > 8) {
                        mine.remove(0).onSuccess(200, 1_000);
                    }
                }
                mine.forEach(Selection::onSuccess);
            });
            Fixtures.assertAllInFlightZero(lb);
            // Exact again once every request has ended: N held picks cover every backend once.
            List<Selection> held = Fixtures.hold(lb, N);
            assertThat(Fixtures.inFlight(lb)).containsOnly(1);
            held.forEach(Selection::onSuccess);
        }
    }
}
