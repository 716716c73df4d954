package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Explanation;
import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import dev.jlb.Ticker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each bundled picker writes into an {@link Explanation} when a request carries one. */
class ExplanationTest {

    private static final RandomSource RANDOM = RandomSource.seeded(16);

    /** A context that carries {@code explanation}, with an affinity key for consistent hashing. */
    private static RequestContext explained(Explanation explanation) {
        RequestContext base = RequestContext.builder().method("GET").path("/").affinityKey("user-7").build();
        return new RequestContext() {
            @Override
            public String method() {
                return base.method();
            }

            @Override
            public String path() {
                return base.path();
            }

            @Override
            public String header(String name) {
                return null;
            }

            @Override
            public String clientAddress() {
                return null;
            }

            @Override
            public String affinityKey() {
                return base.affinityKey();
            }

            @Override
            public Explanation explanation() {
                return explanation;
            }
        };
    }

    private static Explanation pickOnce(LoadBalancer lb, List<Selection> held) {
        Explanation explanation = new Explanation();
        Selection selection = lb.select(explained(explanation));
        held.add(selection);
        assertThat(explanation.describes(selection.backend()))
                .as("%s describes the chosen %s", explanation, selection.backend()).isTrue();
        return explanation;
    }

    @Test
    void leastConnectionsListsEveryBackendWithTheCountsTheChoiceSawAndTheTies() {
        LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RANDOM, 1, 1, 2);
        List<Selection> held = Fixtures.hold(lb, 0);
        // Two requests held on a, one on b: c (weight 2, nothing in flight) is the least loaded.
        held.add(lb.selectPreferring(RequestContext.empty(), lb.pool().backends().get(0)));
        held.add(lb.selectPreferring(RequestContext.empty(), lb.pool().backends().get(0)));
        held.add(lb.selectPreferring(RequestContext.empty(), lb.pool().backends().get(1)));

        Explanation explanation = pickOnce(lb, new java.util.ArrayList<>());

        assertThat(explanation.detail()).isEqualTo("ties=1");
        assertThat(explanation.candidates()).containsExactly("127.0.0.1:8083(in_flight=0,w=2)",
                "127.0.0.1:8081(in_flight=2,w=1)", "127.0.0.1:8082(in_flight=1,w=1)");
        held.forEach(Selection::onSuccess);
    }

    @Test
    void p2cListsTheTwoSampledBackendsAndTheirLoads() {
        LoadBalancer lb = Fixtures.lb(Strategies.powerOfTwoChoices(), RANDOM, 1, 1, 1);
        List<Selection> held = new java.util.ArrayList<>();
        Explanation explanation = pickOnce(lb, held);

        assertThat(explanation.candidates()).hasSize(2)
                .allSatisfy(c -> assertThat(c).matches("127\\.0\\.0\\.1:808[123]\\(in_flight=0,w=1\\)"));
        assertThat(explanation.candidates().get(0)).isNotEqualTo(explanation.candidates().get(1));
        assertThat(explanation.detail()).isNull();
        assertThat(explanation.candidates()).anyMatch(c -> c.startsWith(held.get(0).backend().id() + "("));
        held.forEach(Selection::onSuccess);
    }

    @Test
    void peakEwmaShowsEachSampledBackendsEstimateInFlightAndCost() {
        Ticker ticker = () -> 1_000_000_000L;
        Strategy strategy = Strategies.peakEwma(Duration.ofSeconds(10), Duration.ofMillis(30), ticker);
        LoadBalancer lb = Fixtures.lb(strategy, RANDOM, 1, 1);
        List<Selection> held = new java.util.ArrayList<>();
        // One request held on a: with both at the 30 ms default, a costs 60 and b 30.
        held.add(lb.selectPreferring(RequestContext.empty(), lb.pool().backends().get(0)));

        Explanation explanation = pickOnce(lb, held);

        assertThat(explanation.candidates()).containsExactlyInAnyOrder(
                "127.0.0.1:8081(ewma=30.000ms,in_flight=1,w=1,cost=60.000)",
                "127.0.0.1:8082(ewma=30.000ms,in_flight=0,w=1,cost=30.000)");
        assertThat(explanation.detail()).isNull();
        assertThat(held.get(1).backend().id()).isEqualTo("127.0.0.1:8082");
        held.forEach(Selection::onSuccess);
    }

    @Test
    void roundRobinWeightedRandomAndHashNameWhatDecided() {
        List<Selection> held = new java.util.ArrayList<>();
        assertThat(pickOnce(Fixtures.lb(Strategies.roundRobin(), RANDOM, 1, 1, 1), held).detail())
                .matches("position=[123]/3");
        assertThat(pickOnce(Fixtures.lb(Strategies.weightedRoundRobin(), RANDOM, 1, 2), held).detail())
                .matches("slot=[123]/3");
        assertThat(pickOnce(Fixtures.lb(Strategies.random(), RANDOM, 1, 1), held).detail())
                .isEqualTo("uniform_of=2");
        Explanation hash = pickOnce(Fixtures.lb(Strategies.consistentHash(), RANDOM, 1, 1, 1), held);
        assertThat(hash.detail()).matches("hash=[0-9a-f]+,owner=127\\.0\\.0\\.1:808[123]");
        assertThat(hash.detail()).endsWith("owner=" + held.get(3).backend().id());
        held.forEach(Selection::onSuccess);
    }

    @Test
    void aContextWithoutAnExplanationPicksAsAlways() {
        LoadBalancer lb = Fixtures.lb(Strategies.leastConnections(), RANDOM, 1, 1);
        assertThat(Fixtures.sequence(lb, 4)).hasSize(4);
        Fixtures.assertAllInFlightZero(lb);
    }
}
