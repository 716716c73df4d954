package dev.jlb.strategy;

import static dev.jlb.strategy.Fixtures.assertAllInFlightZero;
import static dev.jlb.strategy.Fixtures.concurrently;
import static dev.jlb.strategy.Fixtures.counts;
import static dev.jlb.strategy.Fixtures.hold;
import static dev.jlb.strategy.Fixtures.inFlight;
import static dev.jlb.strategy.Fixtures.lb;
import static dev.jlb.strategy.Fixtures.names;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import dev.jlb.strategy.Fixtures.FakeEndpoint;
import dev.jlb.strategy.Fixtures.ScriptedRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeastConnectionsStrategyTest {

    private static final Strategy LC = Strategies.leastConnections();

    @Test
    void picksTheLowestInFlightPerWeightAndDrawsAmongTiesByWeight() {
        // Ties always resolved to the first tie in index order (random point 0).
        ScriptedRandom random = ScriptedRandom.alwaysInt(0);
        try (LoadBalancer lb = lb(LC, random, 2, 1, 1)) {
            List<Selection> held = hold(lb, 9);
            // loads (a/2, b, c): 0,0,0 a | .5,0,0 b | .5,1,0 c | .5,1,1 a | 1,1,1 a | 1.5,1,1 b | 1.5,2,1 c
            // | 1.5,2,2 a | 2,2,2 a
            assertThat(names(held)).isEqualTo("abcaabcaa");
            // The draws: among a,b,c (tied weight 4), among b,c (2), none, none, 4, 2, none, none, 4.
            assertThat(random.bounds).containsExactly(4, 2, 4, 2, 4);
            assertThat(Fixtures.inFlight(lb)).containsExactly(5, 2, 2);
        }
    }

    @Test
    void theRandomPointSelectsTheTieByCumulativeWeight() {
        // Tied weights a: [0, 2), b: [2, 3), c: [3, 4); point bound - 1 always takes the last tie.
        try (LoadBalancer lb = lb(LC, ScriptedRandom.alwaysInt(Integer.MAX_VALUE), 2, 1, 1)) {
            // c of {a,b,c} | b of {a,b} | a alone | a alone (0.5 < 1)
            assertThat(names(hold(lb, 4))).isEqualTo("cbaa");
        }
        try (LoadBalancer lb = lb(LC, new ScriptedRandom().ints(1), 2, 1, 1)) {
            assertThat(names(hold(lb, 1))).isEqualTo("a");
        }
        try (LoadBalancer lb = lb(LC, new ScriptedRandom().ints(2), 2, 1, 1)) {
            assertThat(names(hold(lb, 1))).isEqualTo("b");
        }
    }

    @Test
    void weightsSetTheInFlightRatioUnderLoad() {
        try (LoadBalancer lb = lb(LC, RandomSource.seeded(1), 3, 1)) {
            List<Selection> held = hold(lb, 40);
            assertThat(Fixtures.inFlight(lb)).containsExactly(30, 10);
            held.forEach(Selection::onSuccess);
            assertAllInFlightZero(lb);
        }
    }

    @Test
    void aBackendThatFreesUpGetsTheNextRequests() {
        try (LoadBalancer lb = lb(LC, RandomSource.seeded(1), 1, 1, 1)) {
            List<Selection> held = hold(lb, 9);
            assertThat(Fixtures.inFlight(lb)).containsExactly(3, 3, 3);
            held.stream().filter(s -> s.backend().port() == 8082).limit(2).forEach(Selection::onSuccess);
            assertThat(names(hold(lb, 2))).isEqualTo("bb");
        }
    }

    @Test
    void tiesAreRandomNotLowestIndexFirst() {
        try (LoadBalancer lb = lb(LC, RandomSource.seeded(42), 1, 1, 1, 1)) {
            long[] counts = counts(lb, 4, 40_000);
            // Idle pool: every pick is a 4-way tie. Expect 10,000 each; allow 3% (about 6 sigma).
            for (long count : counts) {
                assertThat(count).as("counts %s", Arrays.toString(counts)).isBetween(9_700L, 10_300L);
            }
        }
    }

    @Test
    void fixedSeedIdleDistributionFollowsWeights() {
        try (LoadBalancer lb = lb(LC, RandomSource.seeded(42), 5, 1, 1)) {
            long[] counts = counts(lb, 3, 70_000);
            // Idle ties are drawn by weight: expect 50,000 / 10,000 / 10,000 within 1% of 70,000.
            assertThat(counts[0]).as("counts %s", Arrays.toString(counts)).isBetween(49_300L, 50_700L);
            assertThat(counts[1]).as("counts %s", Arrays.toString(counts)).isBetween(9_300L, 10_700L);
            assertThat(counts[2]).as("counts %s", Arrays.toString(counts)).isBetween(9_300L, 10_700L);
        }
    }

    @Test
    void aLostRaceMakesThePickStartOverOnFreshCounts() {
        List<FakeEndpoint> endpoints = FakeEndpoint.of(1, 1);
        endpoints.get(1).inFlight.set(2);
        Strategy.Picker picker = LC.newPicker(endpoints, ScriptedRandom.alwaysInt(0));
        // Another thread wins a's count between the read and the CAS, twice.
        endpoints.get(0).failTryAcquire = 2;
        assertThat(picker.pick(RequestContext.empty())).isSameAs(endpoints.get(0));
        assertThat(endpoints.get(0).tryAcquires).isEqualTo(3);
        assertThat(endpoints.get(0).acquires).isZero();
        assertThat(endpoints.get(0).inFlight()).isEqualTo(1);
    }

    @Test
    void theCompareAndSetIsOnTheCountTheChoiceWasBasedOn() {
        // An endpoint whose count rises by one as soon as it is read, as if a concurrent pick took it:
        // the CAS on the stale count fails and the next pass sees b as the lowest.
        List<FakeEndpoint> endpoints = FakeEndpoint.of(1, 1);
        endpoints.get(1).inFlight.set(1);
        AtomicInteger reads = new AtomicInteger();
        FakeEndpoint racy = new FakeEndpoint(0, 1) {
            @Override
            public int inFlight() {
                int value = super.inFlight();
                if (reads.getAndIncrement() == 0) {
                    this.inFlight.set(2);
                }
                return value;
            }
        };
        Strategy.Picker picker = LC.newPicker(List.of(racy, endpoints.get(1)), ScriptedRandom.alwaysInt(0));
        assertThat(picker.pick(RequestContext.empty()).backend()).isEqualTo(endpoints.get(1).backend());
        assertThat(racy.inFlight.get()).isEqualTo(2);
        assertThat(endpoints.get(1).inFlight()).isEqualTo(2);
    }

    @Test
    void afterMaxAttemptsLostRacesTheChoiceIsAcquiredUnconditionally() {
        List<FakeEndpoint> endpoints = FakeEndpoint.of(1, 1);
        endpoints.get(1).inFlight.set(5);
        endpoints.get(0).failTryAcquire = Integer.MAX_VALUE;
        Strategy.Picker picker = LC.newPicker(endpoints, ScriptedRandom.alwaysInt(0));
        assertThat(picker.pick(RequestContext.empty())).isSameAs(endpoints.get(0));
        assertThat(endpoints.get(0).tryAcquires).isEqualTo(LeastConnectionsStrategy.MAX_ATTEMPTS);
        assertThat(endpoints.get(0).acquires).isEqualTo(1);
        assertThat(endpoints.get(0).inFlight()).isEqualTo(1);
    }

    @Test
    void countsNearIntegerMaxValueCompareWithoutOverflow() {
        List<FakeEndpoint> endpoints = FakeEndpoint.of(10_000, 1);
        endpoints.get(0).inFlight.set(Integer.MAX_VALUE - 1);
        endpoints.get(1).inFlight.set(300_000);
        // (2^31 - 2) / 10,000 = 214,748 < 300,000 / 1: int products would overflow; longs do not.
        Strategy.Picker picker = LC.newPicker(endpoints, ScriptedRandom.alwaysInt(0));
        assertThat(picker.pick(RequestContext.empty())).isSameAs(endpoints.get(0));
        assertThat(endpoints.get(0).inFlight()).isEqualTo(Integer.MAX_VALUE);
    }

    /**
     * 8 threads released together, 100,000 select/complete pairs each, each holding a window of 4
     * selections (32 in flight over 5 backends, 6.4 on average). Right after each select the thread
     * measures the spread max - min of the 5 in-flight counts (read one by one, so a measurement
     * preempted halfway mixes old and new counts).
     *
     * <p>Stated bound: at least 95% of the 800,000 measurements show a spread of at most 2, and at
     * most 0.01% (80) more than 6. Measured here: about 99% at 1 or less, a worst case of 5 on a quiet
     * machine; on a loaded one a measuring thread preempted between its five reads occasionally sees
     * 7 or 8, which is the measurement, not the picker, hence the small allowance instead of zero. For contrast, a picker
     * that reads the counts and increments separately (the original Go balancer) measured a median
     * spread of 8 under the same load, with only 2% of the measurements at 2 or less.
     */
    @Test
    void eightThreadsSpreadHeldRequestsAndInFlightReturnsToZero() throws Exception {
        try (LoadBalancer lb = lb(LC, RandomSource.threadLocal(), 1, 1, 1, 1, 1)) {
            List<Backend> backends = lb.pool().backends();
            long[] histogram = new long[64];
            concurrently(8, thread -> {
                ArrayDeque<Selection> window = new ArrayDeque<>();
                long[] local = new long[64];
                for (int i = 0; i < 100_000; i++) {
                    if (window.size() == 4) {
                        window.poll().onSuccess(200, 1_000);
                    }
                    window.add(lb.select(RequestContext.empty()));
                    int min = Integer.MAX_VALUE;
                    int max = Integer.MIN_VALUE;
                    for (Backend backend : backends) {
                        int inFlight = lb.pool().stats(backend).orElseThrow().inFlight();
                        min = Math.min(min, inFlight);
                        max = Math.max(max, inFlight);
                    }
                    local[Math.min(63, max - min)]++;
                }
                window.forEach(Selection::onSuccess);
                synchronized (histogram) {
                    for (int k = 0; k < 64; k++) {
                        histogram[k] += local[k];
                    }
                }
            });
            assertAllInFlightZero(lb);
            assertThat(Arrays.stream(Fixtures.requests(lb)).sum()).isEqualTo(800_000);
            String spreads = "measurements by spread 0, 1, 2, ...: " + Arrays.toString(Arrays.copyOf(histogram, 12));
            assertThat(histogram[0] + histogram[1] + histogram[2]).as(spreads).isGreaterThanOrEqualTo(760_000);
            assertThat(Arrays.stream(histogram, 7, 64).sum()).as(spreads).isLessThanOrEqualTo(80);
        }
    }

    @Test
    void nameAndToString() {
        assertThat(LC.name()).isEqualTo("least-connections");
        assertThat(LC.toString()).isEqualTo("least-connections");
        assertThat(LC.newPicker(FakeEndpoint.of(2, 1), ScriptedRandom.alwaysInt(0)).toString())
                .isEqualTo("LeastConnectionsPicker{endpoints=2}");
        assertThat(inFlightOf(FakeEndpoint.of(1))).isZero();
    }

    private static int inFlightOf(List<FakeEndpoint> endpoints) {
        return endpoints.get(0).inFlight();
    }
}
