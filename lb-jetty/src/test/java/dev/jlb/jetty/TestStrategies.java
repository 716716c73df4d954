package dev.jlb.jetty;

import dev.jlb.Endpoint;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.StrategyRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Strategies for the adapter tests. {@code round-robin} comes from the registry (lb-strategies)
 * when it is on the class path; until then a local rotation stands in, so the adapter tests do not
 * depend on the strategies' progress.
 */
final class TestStrategies {
    private TestStrategies() {
    }

    static Strategy roundRobin() {
        if (StrategyRegistry.names().contains("round-robin")) {
            return StrategyRegistry.create("round-robin");
        }
        return rotation();
    }

    /**
     * Rotation that always starts at the first backend, so scenario tests know which backend gets
     * the first attempt (the real round robin starts at a random offset).
     */
    static Strategy rotation() {
        return new Strategy() {
            @Override
            public String name() {
                return "test-rotation";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                AtomicInteger next = new AtomicInteger();
                return context -> {
                    Endpoint endpoint = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
                    endpoint.acquire();
                    return endpoint;
                };
            }
        };
    }

    /** Always the first eligible backend: tests know where every first attempt and retry goes. */
    static Strategy first() {
        return new Strategy() {
            @Override
            public String name() {
                return "test-first";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                return context -> {
                    Endpoint endpoint = endpoints.get(0);
                    endpoint.acquire();
                    return endpoint;
                };
            }
        };
    }
}
