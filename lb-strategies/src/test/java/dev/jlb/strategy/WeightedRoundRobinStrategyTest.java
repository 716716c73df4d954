package dev.jlb.strategy;

import static dev.jlb.strategy.Fixtures.assertAllInFlightZero;
import static dev.jlb.strategy.Fixtures.concurrently;
import static dev.jlb.strategy.Fixtures.counts;
import static dev.jlb.strategy.Fixtures.lb;
import static dev.jlb.strategy.Fixtures.pickNames;
import static dev.jlb.strategy.Fixtures.requests;
import static dev.jlb.strategy.Fixtures.sequence;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import dev.jlb.strategy.Fixtures.FakeEndpoint;
import dev.jlb.strategy.Fixtures.ScriptedRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinStrategyTest {

    private static final Strategy WRR = Strategies.weightedRoundRobin();

    /** nginx's loop, run on every pick: the reference the precomputed period must equal. */
    private static int[] nginx(int[] weights, int picks) {
        int[] current = new int[weights.length];
        int total = Arrays.stream(weights).sum();
        int[] sequence = new int[picks];
        for (int t = 0; t < picks; t++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            sequence[t] = best;
        }
        return sequence;
    }

    @Test
    void interleavesSmoothlyAsNginxDoes() {
        try (LoadBalancer lb = lb(WRR, ScriptedRandom.alwaysInt(0), 5, 1, 1)) {
            assertThat(sequence(lb, 14)).isEqualTo("aabacaa" + "aabacaa");
        }
    }

    @Test
    void startsAtTheRandomPositionOfThePeriod() {
        ScriptedRandom random = ScriptedRandom.alwaysInt(3);
        try (LoadBalancer lb = lb(WRR, random, 5, 1, 1)) {
            assertThat(sequence(lb, 7)).isEqualTo("acaa" + "aab");
            assertThat(random.bounds).containsExactly(7);
        }
    }

    @Test
    void weightsAreReducedByTheirGcd() {
        ScriptedRandom random = ScriptedRandom.alwaysInt(0);
        try (LoadBalancer lb = lb(WRR, random, 50, 10, 10)) {
            assertThat(sequence(lb, 7)).isEqualTo("aabacaa");
            assertThat(random.bounds).containsExactly(7);
        }
    }

    @Test
    void aDrainedBackendGetsNothing() {
        try (LoadBalancer lb = lb(WRR, ScriptedRandom.alwaysInt(0), 2, 0, 1)) {
            assertThat(sequence(lb, 6)).isEqualTo("acaaca");
        }
    }

    @Test
    void thePrecomputedPeriodEqualsNginxForRandomWeights() {
        Random weightsRandom = new Random(7);
        for (int round = 0; round < 200; round++) {
            int[] weights = new int[1 + weightsRandom.nextInt(12)];
            for (int i = 0; i < weights.length; i++) {
                // Few distinct values, so several backends share a weight class.
                weights[i] = 1 + weightsRandom.nextInt(round % 2 == 0 ? 3 : 20);
            }
            int total = Arrays.stream(weights).sum();
            assertThat(WeightedRoundRobinStrategy.smoothSequence(weights))
                    .as("weights %s", Arrays.toString(weights))
                    .containsExactly(nginx(weights, total));
        }
    }

    @Test
    void survivesIntCounterOverflow() {
        var endpoints = FakeEndpoint.of(5, 1, 1);
        Strategy.Picker picker = WeightedRoundRobinStrategy.newPicker(endpoints, Integer.MAX_VALUE - 3);
        // 2^31 - 4 = 5 (mod 7): slots 5 and 6, then whole periods, across 2^31 (the third pick).
        assertThat(pickNames(picker, 14)).isEqualTo("aa" + "aabacaa" + "aabac");
        assertThat(endpoints.get(0).inFlight()).isEqualTo(10);
        assertThat(endpoints.get(1).inFlight()).isEqualTo(2);
        assertThat(endpoints.get(2).inFlight()).isEqualTo(2);
    }

    @Test
    void aPeriodBeyondTheLimitIsScaledDownKeepingShares() {
        int[] weights = new int[100];
        Random random = new Random(3);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1 + random.nextInt(10_000);
        }
        weights[0] = 1; // the smallest weight still gets a slot
        int[] reduced = WeightedRoundRobinStrategy.reduce(weights, WeightedRoundRobinStrategy.MAX_PERIOD);
        long total = Arrays.stream(weights).asLongStream().sum();
        long reducedTotal = Arrays.stream(reduced).asLongStream().sum();
        assertThat(total).isGreaterThan(WeightedRoundRobinStrategy.MAX_PERIOD);
        assertThat(reducedTotal).isLessThanOrEqualTo(WeightedRoundRobinStrategy.MAX_PERIOD)
                .isGreaterThan(WeightedRoundRobinStrategy.MAX_PERIOD / 2);
        assertThat(reduced[0]).isEqualTo(1);
        for (int i = 0; i < weights.length; i++) {
            double share = (double) weights[i] / total;
            double reducedShare = (double) reduced[i] / reducedTotal;
            // Rounding moves a share by at most half a slot, plus the one slot of the smallest.
            assertThat(Math.abs(share - reducedShare)).as("backend %s: %s vs %s", i, share, reducedShare)
                    .isLessThan(1.5 / reducedTotal);
        }
    }

    @Test
    void aPeriodLimitBelowTheNumberOfBackendsIsRaisedToOneSlotEach() {
        int[] weights = new int[70_000];
        Arrays.fill(weights, 3);
        weights[1] = 6;
        int[] reduced = WeightedRoundRobinStrategy.reduce(weights, Math.max(WeightedRoundRobinStrategy.MAX_PERIOD, 70_000));
        assertThat(reduced[0]).isEqualTo(1);
        assertThat(Arrays.stream(reduced).asLongStream().sum()).isLessThanOrEqualTo(70_000);
    }

    @Test
    void fixedSeedDistributionIsExact() {
        try (LoadBalancer lb = lb(WRR, RandomSource.seeded(42), 5, 1, 1, 3)) {
            long[] counts = counts(lb, 4, 100_000);
            // Every whole period of 10 picks gives exactly 5, 1, 1, 3.
            assertThat(counts).as("counts %s", Arrays.toString(counts)).containsExactly(50_000, 10_000, 10_000, 30_000);
        }
    }

    @Test
    void eightThreadsKeepExactSharesAndInFlightReturnsToZero() throws Exception {
        try (LoadBalancer lb = lb(WRR, RandomSource.threadLocal(), 5, 1, 1, 3)) {
            concurrently(8, thread -> {
                for (int i = 0; i < 100_000; i++) {
                    lb.select(RequestContext.empty()).onSuccess(200, 1_000);
                }
            });
            assertAllInFlightZero(lb);
            // 800,000 consecutive positions = 80,000 whole periods of 10.
            assertThat(requests(lb)).containsExactly(400_000, 80_000, 80_000, 240_000);
        }
    }

    @Test
    void nameAndToString() {
        assertThat(WRR.name()).isEqualTo("weighted-round-robin");
        assertThat(WRR.toString()).isEqualTo("weighted-round-robin");
        assertThat(WRR.newPicker(FakeEndpoint.of(2, 1), ScriptedRandom.alwaysInt(0)).toString())
                .isEqualTo("WeightedRoundRobinPicker{period=3, next=0}");
    }
}
