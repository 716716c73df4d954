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
