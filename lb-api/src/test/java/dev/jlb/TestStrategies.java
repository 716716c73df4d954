package dev.jlb;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Minimal strategies for testing the engine without lb-strategies (which depends on this module).
 * "test-first" always picks the first eligible endpoint; "test-rotate" rotates from index 0.
 */
final class TestStrategies {
    private TestStrategies() {
    }

    static Strategy first() {
        return new Strategy() {
            @Override
            public String name() {
                return "test-first";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                return ctx -> {
                    Endpoint e = endpoints.get(0);
                    e.acquire();
                    return e;
                };
            }
        };
    }

    /** {@code strategy}, counting in {@code built} the pickers it makes. */
    static Strategy counting(Strategy strategy, AtomicInteger built) {
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

    static Strategy rotate() {
        return new Strategy() {
            @Override
            public String name() {
                return "test-rotate";
            }

            @Override
            public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
                AtomicInteger next = new AtomicInteger();
                return ctx -> {
                    Endpoint e = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
                    e.acquire();
                    return e;
                };
            }
        };
    }

    /** Weighted random over the effective weights: the simplest strategy that honours them. */
    static Strategy weightedRandom() {
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
                return ctx -> {
                    int r = random.nextInt(sum);
                    int i = 0;
                    while (cumulative[i] <= r) {
                        i++;
                    }
                    Endpoint e = endpoints.get(i);
                    e.acquire();
                    return e;
                };
            }
        };
    }

    /** Registered through META-INF/services in the test class path, as lb-strategies registers its own. */
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
