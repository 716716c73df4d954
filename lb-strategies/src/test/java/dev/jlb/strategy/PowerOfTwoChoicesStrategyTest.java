package dev.jlb.strategy;

import static dev.jlb.strategy.Fixtures.assertAllInFlightZero;
import static dev.jlb.strategy.Fixtures.bitsFor;
import static dev.jlb.strategy.Fixtures.concurrently;
import static dev.jlb.strategy.Fixtures.counts;
import static dev.jlb.strategy.Fixtures.hold;
import static dev.jlb.strategy.Fixtures.lb;
import static dev.jlb.strategy.Fixtures.names;
import static dev.jlb.strategy.Fixtures.pickNames;
import static dev.jlb.strategy.Fixtures.requests;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesStrategyTest {

    private static final Strategy P2C = Strategies.powerOfTwoChoices();

    /** One random long that draws {@code first} of n, then {@code second} of the n - 1 others. */
    private static long draws(int first, int second, int n) {
        int other = second > first ? second - 1 : second;
        return bitsFor(first, n) << 32 | bitsFor(other, n - 1);
    }

    @Test
    void takesTheLessLoadedOfTwoDistinctDraws() {
        var endpoints = FakeEndpoint.of(1, 1, 1, 1);
        endpoints.get(0).inFlight.set(2);
        endpoints.get(1).inFlight.set(1);
        ScriptedRandom random = new ScriptedRandom().longs(
                draws(0, 1, 4),  // a(2) vs b(1): b
                draws(1, 0, 4),  // b(2) vs a(2): tie, the first draw, b
                draws(2, 3, 4),  // c(0) vs d(0): tie, c
                draws(3, 2, 4),  // d(0) vs c(1): d
                draws(0, 3, 4)); // a(2) vs d(1): d
        Strategy.Picker picker = P2C.newPicker(endpoints, random);
        assertThat(pickNames(picker, 5)).isEqualTo("bbcdd");
        assertThat(endpoints).extracting(FakeEndpoint::inFlight).containsExactly(2, 3, 1, 2);
    }

    @Test
    void theTwoDrawsAreAlwaysDistinct() {
        var endpoints = FakeEndpoint.of(1, 1, 1);
        endpoints.get(0).inFlight.set(9);
        // The second draw is over the 2 others: bits that would draw a twice compare a with b; had a
        // been compared with itself, busy a would be picked.
        long sameBits = bitsFor(0, 3) << 32 | bitsFor(0, 2);
        Strategy.Picker picker = P2C.newPicker(endpoints, new ScriptedRandom().longs(sameBits, -1L, 0L));
        // a(9) vs b(0): b | c(0) vs b(1): c | a(9) vs b(1): b
        assertThat(pickNames(picker, 3)).isEqualTo("bcb");
    }

    @Test
    void weightedLoadsCompareByCrossMultiplication() {
        // Two backends: both are always drawn, so only the loads and the draw order matter.
        try (LoadBalancer lb = lb(P2C, RandomSource.seeded(5), 4, 1)) {
            List<Selection> held = hold(lb, 50);
            // in-flight / weight kept level: a holds 4 for each of b's 1.
            assertThat(Fixtures.inFlight(lb)).containsExactly(40, 10);
            held.forEach(Selection::onSuccess);
        }
        var endpoints = FakeEndpoint.of(3, 1);
        endpoints.get(0).inFlight.set(2); // 2/3 < 1/1
        endpoints.get(1).inFlight.set(1);
        Strategy.Picker picker = P2C.newPicker(endpoints, RandomSource.seeded(3));
        assertThat(picker.pick(RequestContext.empty())).isSameAs(endpoints.get(0));
        endpoints.get(0).inFlight.set(Integer.MAX_VALUE - 1); // large counts do not overflow the products
        endpoints.get(1).inFlight.set(Integer.MAX_VALUE / 3 + 1);
        assertThat(picker.pick(RequestContext.empty())).isSameAs(endpoints.get(0));
    }

    @Test
    void aCollidingWeightedDrawIsRedrawnThenTakenUniformlyAmongTheOthers() {
        var endpoints = FakeEndpoint.of(8, 1, 1);
        endpoints.get(0).inFlight.set(100);
        // Weights 8, 1, 1: column 0 with coin 0 is a. Three draws of a, then a uniform other: index
        // 1 of the 2 others, c.
        long a = bitsFor(0, 3) << 32;
        ScriptedRandom random = new ScriptedRandom().longs(a, a, a).ints(1);
        Strategy.Picker picker = P2C.newPicker(endpoints, random);
        assertThat(pickNames(picker, 1)).isEqualTo("c");
        assertThat(random.bounds).containsExactly(2);
    }

    @Test
    void extremeRandomValuesStillGiveValidPicks() {
        var endpoints = FakeEndpoint.of(1, 1, 1, 1, 1);
        Strategy.Picker picker = P2C.newPicker(endpoints,
                new ScriptedRandom().longs(Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0L));
        assertThat(pickNames(picker, 4)).hasSize(4).matches("[a-e]+");
        var weighted = FakeEndpoint.of(1, 2, 3);
        Strategy.Picker weightedPicker = P2C.newPicker(weighted,
                new ScriptedRandom().longs(Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0L, -1L, -1L).ints(0));
        assertThat(pickNames(weightedPicker, 2)).hasSize(2).matches("[a-c]+");
    }

    @Test
    void fixedSeedIdleDistributionFollowsWeights() {
        // Nothing held: every count is 0 and the first (weighted) draw wins. Uniform draws would give
        // a third each whatever the weights.
        try (LoadBalancer lb = lb(P2C, RandomSource.seeded(42), 5, 1, 1)) {
            long[] counts = counts(lb, 3, 70_000);
            // Expected 50,000 / 10,000 / 10,000; tolerance 1% of 70,000 (7 to 12 standard deviations).
            assertThat(counts[0]).as("counts %s", Arrays.toString(counts)).isBetween(49_300L, 50_700L);
            assertThat(counts[1]).as("counts %s", Arrays.toString(counts)).isBetween(9_300L, 10_700L);
            assertThat(counts[2]).as("counts %s", Arrays.toString(counts)).isBetween(9_300L, 10_700L);
        }
    }

    @Test
    void fixedSeedEqualWeightsDistributionIsEven() {
        try (LoadBalancer lb = lb(P2C, RandomSource.seeded(42), 1, 1, 1, 1)) {
            long[] counts = counts(lb, 4, 40_000);
            for (long count : counts) {
                assertThat(count).as("counts %s", Arrays.toString(counts)).isBetween(9_700L, 10_300L);
            }
        }
    }

    @Test
    void eightThreadsHoldingRequestsAndInFlightReturnsToZero() throws Exception {
        try (LoadBalancer lb = lb(P2C, RandomSource.threadLocal(), 2, 1, 1, 2)) {
            concurrently(8, thread -> {
                ArrayDeque<Selection> window = new ArrayDeque<>();
                for (int i = 0; i < 100_000; i++) {
                    if (window.size() == 3) {
                        window.poll().onSuccess(200, 1_000);
                    }
                    window.add(lb.select(RequestContext.empty()));
                }
                window.forEach(Selection::onSuccess);
            });
            assertAllInFlightZero(lb);
            long[] requests = requests(lb);
            assertThat(Arrays.stream(requests).sum()).isEqualTo(800_000);
            // With requests held across preemptions the split follows the threads' scheduling more
            // than the weights (a descheduled thread keeps its 3 selections in flight for
            // milliseconds), so only check that no backend is starved: each gets over 8%.
            for (long count : requests) {
                assertThat(count).as("requests %s", Arrays.toString(requests)).isGreaterThan(64_000);
            }
        }
    }

    @Test
    void nameAndToString() {
        assertThat(P2C.name()).isEqualTo("p2c");
        assertThat(P2C.toString()).isEqualTo("p2c");
        assertThat(P2C.newPicker(FakeEndpoint.of(2, 1), RandomSource.seeded(1)).toString())
                .isEqualTo("PowerOfTwoChoicesPicker{endpoints=2, weighted}");
        assertThat(names(List.of())).isEmpty();
    }
}
