package dev.jlb.strategy;

import static dev.jlb.strategy.Fixtures.assertAllInFlightZero;
import static dev.jlb.strategy.Fixtures.concurrently;
import static dev.jlb.strategy.Fixtures.counts;
import static dev.jlb.strategy.Fixtures.lb;
import static dev.jlb.strategy.Fixtures.pickNames;
import static dev.jlb.strategy.Fixtures.requests;
import static dev.jlb.strategy.Fixtures.sequence;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Endpoint;
import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import dev.jlb.strategy.Fixtures.FakeEndpoint;
import dev.jlb.strategy.Fixtures.ScriptedRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinStrategyTest {

    private static final Strategy RR = Strategies.roundRobin();

    @Test
    void rotatesEvenlyFromTheRandomStartIgnoringWeights() {
        ScriptedRandom random = ScriptedRandom.alwaysInt(1);
        try (LoadBalancer lb = lb(RR, random, 1, 5, 2)) {
            assertThat(sequence(lb, 9)).isEqualTo("bcabcabca");
            assertThat(random.bounds).containsExactly(3);
        }
    }

    @Test
    void heldSelectionsDoNotChangeTheRotation() {
        try (LoadBalancer lb = lb(RR, ScriptedRandom.alwaysInt(0), 1, 1, 1)) {
            List<Selection> held = Fixtures.hold(lb, 4);
            assertThat(Fixtures.names(held)).isEqualTo("abca");
            assertThat(sequence(lb, 3)).isEqualTo("bca");
            held.forEach(Selection::onSuccess);
            assertAllInFlightZero(lb);
        }
    }

    @Test
    void aNewMembershipStartsAtANewRandomPosition() {
        ScriptedRandom random = new ScriptedRandom().ints(0, 2);
        try (LoadBalancer lb = lb(RR, random, 1, 1, 1)) {
            assertThat(sequence(lb, 2)).isEqualTo("ab");
            lb.pool().add(Fixtures.backend(3, 1));
            assertThat(sequence(lb, 5)).isEqualTo("cdabc");
            assertThat(random.bounds).containsExactly(3, 4);
        }
    }

    @Test
    void survivesIntCounterOverflow() {
        List<FakeEndpoint> endpoints = FakeEndpoint.of(1, 1, 1);
        Strategy.Picker picker = RoundRobinStrategy.newPicker(endpoints.toArray(new Endpoint[0]), Integer.MAX_VALUE - 2);
        // MAX_VALUE - 2 = 2147483645 = 3 * 715827881 + 2: starts at c and keeps the rotation across 2^31.
        assertThat(pickNames(picker, 9)).isEqualTo("cabcabcab");
        assertThat(endpoints).allSatisfy(e -> assertThat(e.inFlight()).isEqualTo(3));
    }

    @Test
    void staysAValidIndexEvenPastLongOverflow() {
        List<FakeEndpoint> endpoints = FakeEndpoint.of(1, 1, 1);
        Strategy.Picker picker = RoundRobinStrategy.newPicker(endpoints.toArray(new Endpoint[0]), Long.MAX_VALUE - 2);
        // 2^63 - 1 = 1 (mod 3) and -2^63 = 1 (mod 3): one repeat at the wrap, after 2^63 picks.
        assertThat(pickNames(picker, 6)).isEqualTo("cabbca");
    }

    @Test
    void oneBackendIsAlwaysPickedWithoutDrawingRandomness() {
        ScriptedRandom random = new ScriptedRandom();
        try (LoadBalancer lb = lb(RR, random, 3)) {
            assertThat(sequence(lb, 3)).isEqualTo("aaa");
            assertThat(random.bounds).isEmpty();
        }
    }

    @Test
    void fixedSeedDistributionIsExactWithinOne() {
        try (LoadBalancer lb = lb(RR, RandomSource.seeded(42), 1, 1, 1, 1, 1, 1, 1)) {
            long[] counts = counts(lb, 7, 10_000);
            // 10,000 = 7 * 1428 + 4: four backends get 1429, three get 1428, whatever the start.
            assertThat(Arrays.stream(counts).min().orElseThrow())
                    .as("counts %s", Arrays.toString(counts)).isEqualTo(1428);
            assertThat(Arrays.stream(counts).max().orElseThrow())
                    .as("counts %s", Arrays.toString(counts)).isEqualTo(1429);
        }
    }

    @Test
    void eightThreadsGetAnExactlyEvenSplitAndInFlightReturnsToZero() throws Exception {
        try (LoadBalancer lb = lb(RR, RandomSource.threadLocal(), 1, 1, 1, 1, 1)) {
            concurrently(8, thread -> {
                for (int i = 0; i < 100_000; i++) {
                    Selection selection = lb.select(RequestContext.empty());
                    if (i % 3 == 0) {
                        selection.onFailure(503, 1_000);
                    } else {
                        selection.onSuccess(200, 1_000);
                    }
                }
            });
            assertAllInFlightZero(lb);
            // Every increment of the shared position is one pick: 800,000 picks over 5 backends.
            assertThat(requests(lb)).containsExactly(160_000, 160_000, 160_000, 160_000, 160_000);
        }
    }

    @Test
    void nameAndToString() {
        assertThat(RR.name()).isEqualTo("round-robin");
        assertThat(RR.toString()).isEqualTo("round-robin");
        Strategy.Picker picker = RR.newPicker(FakeEndpoint.of(1, 1), ScriptedRandom.alwaysInt(1));
        assertThat(picker.toString()).isEqualTo("RoundRobinPicker{endpoints=2, next=1}");
    }
}
