package dev.jlb.testing;

import dev.jlb.Endpoint;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.StrategyProvider;
import dev.jlb.StrategyRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test strategies of every module, deterministic so that a test knows where each first attempt
 * and retry goes. lb-api's own tests cannot use lb-strategies (which depends on lb-api).
 */
public final class TestStrategies {
    private TestStrategies() {
    }

    /** Always the first eligible endpoint. */
    public static Strategy first() {
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

    /**
     * Rotation that always starts at the first endpoint (the real round robin starts at a random
     * offset).
     */
    public static Strategy rotate() {
        return new Strategy() {
            @Override
            public String name() {
                return "test-rotate";
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

    /** The same as {@link #rotate()}. */
    public static Strategy rotation() {
        return rotate();
    }

    /** The registry's {@code round-robin} (lb-strategies' in lb-jetty and examples). */
    public static Strategy roundRobin() {
        return StrategyRegistry.create("round-robin");
    }

    /** {@code strategy}, counting in {@code built} the pickers it makes. */
    public static Strategy counting(Strategy strategy, AtomicInteger built) {
        return new Strategy() {
            @Override
            public String name() {
                return strategy.name() + "-counting";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                built.incrementAndGet();
                return strategy.newPicker(endpoints, random);
            }
        };
    }

    /** Weighted random over the effective weights: the simplest strategy that honours them. */
    public static Strategy weightedRandom() {
        return new Strategy() {
            @Override
            public String name() {
                return "test-weighted-random";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                int[] cumulative = new int[endpoints.size()];
                int total = 0;
                for (int i = 0; i < cumulative.length; i++) {
                    total += endpoints.get(i).weight();
                    cumulative[i] = total;
                }
                int sum = total;
                return context -> {
                    int r = random.nextInt(sum);
                    int i = 0;
                    while (cumulative[i] <= r) {
                        i++;
                    }
                    Endpoint endpoint = endpoints.get(i);
                    endpoint.acquire();
                    return endpoint;
                };
            }
        };
    }

    /**
     * lb-api's stand-in for lb-strategies' round robin, registered for lb-api's tests only (in
     * {@code src/test/services}, see lb-api's pom), as lb-strategies registers its own.
     */
    public static final class RotateProvider implements StrategyProvider {
        @Override
        public String name() {
            return "round-robin";
        }

        @Override
        public List<String> aliases() {
            return List.of("test-rotate-alias");
        }

        @Override
        public Strategy create(Map<String, String> options) {
            return rotate();
        }
    }
}
