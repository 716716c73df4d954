package dev.jlb.strategy;

import static dev.jlb.strategy.Fixtures.assertAllInFlightZero;
import static dev.jlb.strategy.Fixtures.bitsFor;
import static dev.jlb.strategy.Fixtures.concurrently;
import static dev.jlb.strategy.Fixtures.counts;
import static dev.jlb.strategy.Fixtures.lb;
import static dev.jlb.strategy.Fixtures.pickNames;
import static dev.jlb.strategy.Fixtures.requests;
import static dev.jlb.strategy.Fixtures.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import dev.jlb.strategy.Fixtures.FakeEndpoint;
import dev.jlb.strategy.Fixtures.ScriptedRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RandomStrategyTest {

    private static final Strategy RANDOM = Strategies.random();

    @Test
    void equalWeightsPickTheUniformDraw() {
        ScriptedRandom random = new ScriptedRandom().ints(2, 0, 1, 1);
        try (LoadBalancer lb = lb(RANDOM, random, 3, 3, 3)) {
            assertThat(sequence(lb, 4)).isEqualTo("cabb");
            assertThat(random.bounds).containsExactly(3, 3, 3, 3);
        }
    }

    @Test
    void weightedDrawsFollowTheAliasTable() {
        // Weights 2, 1, 1 over 3 columns: a's mass is 6 of 4 per column, b's and c's 3 of 4. The
        // construction pairs the small columns with a: b and c keep 3/4 and alias to a.
        AliasTable table = new AliasTable(new int[] {2, 1, 1});
        long coinLow = 0L;
        long coinHigh = 0x7FFF_FFFFL;
        assertThat(table.draw(bitsFor(1, 3) << 32 | coinLow)).isEqualTo(1);
        assertThat(table.draw(bitsFor(1, 3) << 32 | coinHigh)).isEqualTo(0);
        assertThat(table.draw(bitsFor(2, 3) << 32 | coinLow)).isEqualTo(2);
        assertThat(table.draw(bitsFor(2, 3) << 32 | coinHigh)).isEqualTo(0);
        assertThat(table.draw(bitsFor(0, 3) << 32 | coinHigh)).isEqualTo(0);
        ScriptedRandom random = new ScriptedRandom().longs(bitsFor(1, 3) << 32, bitsFor(2, 3) << 32 | coinHigh);
        try (LoadBalancer lb = lb(RANDOM, random, 2, 1, 1)) {
            assertThat(sequence(lb, 2)).isEqualTo("ba");
        }
    }

    @Test
    void aliasTableProbabilitiesEqualTheWeightShares() {
        Random random = new Random(11);
        for (int round = 0; round < 100; round++) {
            int[] weights = new int[2 + random.nextInt(200)];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = 1 + random.nextInt(round % 3 == 0 ? 3 : 10_000);
            }
            long total = Arrays.stream(weights).asLongStream().sum();
            AliasTable table = new AliasTable(weights);
            for (int i = 0; i < weights.length; i++) {
                // Thresholds are rounded to 31 bits: n * 2^-31 at most per probability.
                assertThat(table.probability(i)).as("weights %s, index %s", Arrays.toString(weights), i)
                        .isCloseTo((double) weights[i] / total, within(weights.length / 0x1p31 + 1e-12));
            }
        }
    }

    @Test
    void extremeRandomValuesStillGiveValidPicks() {
        // The random bits at their limits (the analogue of a counter overflow for a stateless picker).
        var endpoints = FakeEndpoint.of(7, 1, 1, 2, 9);
        Strategy.Picker picker = RANDOM.newPicker(endpoints,
                new ScriptedRandom().longs(Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0L, 1L, 0xFFFF_FFFFL));
        String picks = pickNames(picker, 6);
        assertThat(picks).hasSize(6).matches("[a-e]+");
        // -1: last column, coin at its maximum: the column itself only if its threshold is 2^31.
        // 0: first column, coin 0: the column itself (a's threshold is 2^31, it is the largest).
        assertThat(picks.charAt(3)).isEqualTo('a');
        assertThat(endpoints.stream().mapToInt(FakeEndpoint::inFlight).sum()).isEqualTo(6);
        Strategy.Picker uniform = RANDOM.newPicker(FakeEndpoint.of(1, 1, 1),
                new ScriptedRandom().ints(0, 2));
        assertThat(pickNames(uniform, 2)).isEqualTo("ac");
    }

    @Test
    void fixedSeedDistributionFollowsWeights() {
        try (LoadBalancer lb = lb(RANDOM, RandomSource.seeded(42), 5, 1, 1, 3)) {
            long[] counts = counts(lb, 4, 100_000);
            long[] expected = {50_000, 10_000, 10_000, 30_000};
            // Tolerance 1% of the picks (1,000; 6 to 11 standard deviations of a binomial count).
            for (int i = 0; i < 4; i++) {
                assertThat(counts[i]).as("counts %s, expected %s", Arrays.toString(counts), Arrays.toString(expected))
                        .isBetween(expected[i] - 1_000, expected[i] + 1_000);
            }
        }
    }

    @Test
    void eightThreadsAndInFlightReturnsToZero() throws Exception {
        try (LoadBalancer lb = lb(RANDOM, RandomSource.threadLocal(), 2, 1, 1)) {
            concurrently(8, thread -> {
                for (int i = 0; i < 100_000; i++) {
                    lb.select(RequestContext.empty()).onSuccess(200, 1_000);
                }
            });
            assertAllInFlightZero(lb);
            long[] requests = requests(lb);
            assertThat(Arrays.stream(requests).sum()).isEqualTo(800_000);
            // Expected 400,000 / 200,000 / 200,000; 1% of 800,000 is about 20 standard deviations.
            assertThat(requests[0]).as("requests %s", Arrays.toString(requests)).isBetween(392_000L, 408_000L);
            assertThat(requests[1]).as("requests %s", Arrays.toString(requests)).isBetween(192_000L, 208_000L);
        }
    }

    @Test
    void nameAndToString() {
        assertThat(RANDOM.name()).isEqualTo("random");
        assertThat(RANDOM.toString()).isEqualTo("random");
        assertThat(RANDOM.newPicker(FakeEndpoint.of(2, 1), RandomSource.seeded(1)).toString())
                .isEqualTo("RandomPicker{endpoints=2, weighted}");
        assertThat(RANDOM.newPicker(FakeEndpoint.of(1, 1), RandomSource.seeded(1)).toString())
                .isEqualTo("RandomPicker{endpoints=2, uniform}");
    }
}
