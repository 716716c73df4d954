package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.LoadBalancer;
import dev.jlb.Strategy;
import dev.jlb.StrategyProvider;
import dev.jlb.StrategyRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategyRegistryTest {

    private static final String NAMES =
            "[consistent-hash, least-connections, p2c, peak-ewma, random, round-robin, weighted-round-robin]";

    @Test
    void everyBundledStrategyIsRegisteredByName() {
        assertThat(StrategyRegistry.names()).hasToString(NAMES);
        assertThat(StrategyRegistry.create("round-robin")).isSameAs(Strategies.roundRobin());
        assertThat(StrategyRegistry.create("least-connections")).isSameAs(Strategies.leastConnections());
        assertThat(StrategyRegistry.create("weighted-round-robin")).isSameAs(Strategies.weightedRoundRobin());
        assertThat(StrategyRegistry.create("random")).isSameAs(Strategies.random());
        assertThat(StrategyRegistry.create("p2c")).isSameAs(Strategies.powerOfTwoChoices());
        assertThat(StrategyRegistry.create("consistent-hash")).hasToString("consistent-hash{key=client, factor=1.25}");
        for (String name : StrategyRegistry.names()) {
            assertThat(StrategyRegistry.create(name).name()).isEqualTo(name);
        }
    }

    @Test
    void aliasesAndCaseResolve() {
        assertThat(StrategyRegistry.create("least-connection")).isSameAs(Strategies.leastConnections());
        assertThat(StrategyRegistry.create("power-of-two-choices")).isSameAs(Strategies.powerOfTwoChoices());
        assertThat(StrategyRegistry.create(" Round-Robin ")).isSameAs(Strategies.roundRobin());
        assertThat(StrategyRegistry.provider("least-connection").aliases()).containsExactly("least-connection");
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> StrategyRegistry.create("fastest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy: fastest (expected: one of " + NAMES + ")");
        assertThatThrownBy(() -> LoadBalancer.builder().strategy("least_conn"))
                .hasMessage("strategy: least_conn (expected: one of " + NAMES + ")");
    }

    @Test
    void theBuilderDefaultsToRoundRobinFromThisModule() {
        try (LoadBalancer lb = LoadBalancer.builder().backend("http://127.0.0.1:8081").build()) {
            assertThat(lb.strategy()).isSameAs(Strategies.roundRobin());
        }
        try (LoadBalancer lb = LoadBalancer.builder().backend("http://127.0.0.1:8081").strategy("least-connection").build()) {
            assertThat(lb.strategy()).isSameAs(Strategies.leastConnections());
        }
    }

    @Test
    void strategiesWithoutOptionsRejectAnyOption() {
        for (String name : List.of("round-robin", "least-connections", "weighted-round-robin", "random", "p2c")) {
            StrategyProvider provider = StrategyRegistry.provider(name);
            assertThat(provider.options()).isEmpty();
            assertThat(provider.create(Map.of())).isSameAs(provider.create());
            assertThatThrownBy(() -> provider.create(Map.of("factor", "2")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("option: factor (expected: none, " + name + " has no options)");
        }
    }

    @Test
    void consistentHashOptions() {
        StrategyProvider provider = StrategyRegistry.provider("consistent-hash");
        assertThat(provider.options()).containsExactly("key", "factor");
        assertThat(StrategyRegistry.create("consistent-hash", Map.of("key", "cookie:SESSION", "factor", "1.5")))
                .hasToString("consistent-hash{key=cookie:SESSION, factor=1.5}");
        assertThat(StrategyRegistry.create("consistent-hash", Map.of("key", "header:X-User")))
                .hasToString("consistent-hash{key=header:X-User, factor=1.25}");
        assertThat(StrategyRegistry.create("consistent-hash", Map.of("factor", " 1 ")))
                .hasToString("consistent-hash{key=client, factor=1.0}");
        Map<String, String> unknown = new LinkedHashMap<>();
        unknown.put("key", "path");
        unknown.put("replicas", "100");
        assertThatThrownBy(() -> provider.create(unknown))
                .hasMessage("option: replicas (expected: one of [key, factor])");
        assertThatThrownBy(() -> provider.create(Map.of("factor", "abc")))
                .hasMessage("factor: abc (expected: a finite number >= 1.0)");
        assertThatThrownBy(() -> provider.create(Map.of("factor", "0.5")))
                .hasMessage("factor: 0.5 (expected: a finite number >= 1.0)");
        assertThatThrownBy(() -> provider.create(Map.of("factor", "Infinity")))
                .hasMessage("factor: Infinity (expected: a finite number >= 1.0)");
        assertThatThrownBy(() -> provider.create(Map.of("key", "query:id")))
                .hasMessage("key: query:id (expected: header:<name>, cookie:<name>, client or path)");
    }

    @Test
    void everyProblemOfTheOptionsIsReportedAtOnce() {
        StrategyProvider provider = StrategyRegistry.provider("consistent-hash");
        assertThat(provider.problems(Map.of("key", "query:id", "factor", "0.5", "replicas", "3"))).containsExactly(
                "option: replicas (expected: one of [key, factor])",
                "key: query:id (expected: header:<name>, cookie:<name>, client or path)",
                "factor: 0.5 (expected: a finite number >= 1.0)");
        assertThat(provider.problems(Map.of("key", "cookie:SESSION", "factor", "2"))).isEmpty();
        assertThat(StrategyRegistry.provider("p2c").problems(Map.of("key", "client", "factor", "2"))).containsExactly(
                "option: factor (expected: none, p2c has no options)", "option: key (expected: none, p2c has no options)");
        assertThat(StrategyRegistry.provider("p2c").problems(Map.of())).isEmpty();
    }

    @Test
    void aProviderThatOnlyCreatesReportsTheProblemCreateFinds() {
        StrategyProvider minimal = new StrategyProvider() {
            @Override
            public String name() {
                return "minimal";
            }

            @Override
            public Strategy create(Map<String, String> options) {
                if (options.containsKey("weight")) {
                    throw new IllegalArgumentException("weight: " + options.get("weight") + " (expected: none)");
                }
                return Strategies.roundRobin();
            }
        };
        assertThat(minimal.problems(Map.of("weight", "2"))).containsExactly("weight: 2 (expected: none)");
        assertThat(minimal.problems(Map.of())).isEmpty();
    }

    @Test
    void providersHaveUsefulToStrings() {
        assertThat(StrategyRegistry.provider("least-connections"))
                .hasToString("StrategyProvider{least-connections, aliases=[least-connection]}");
        assertThat(StrategyRegistry.provider("random")).hasToString("StrategyProvider{random}");
        assertThat(StrategyRegistry.provider("consistent-hash"))
                .hasToString("StrategyProvider{consistent-hash, options=[key, factor]}");
        Strategy strategy = StrategyRegistry.create("p2c");
        assertThat(strategy).hasToString("p2c");
    }
}
