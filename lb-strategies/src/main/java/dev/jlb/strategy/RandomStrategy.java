package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import java.util.List;

/**
 * Weighted random: each pick is an independent draw with probability {@code weight / total}. O(1)
 * per pick at any number of backends (one random {@code long}, an {@link AliasTable} lookup); a
 * plain uniform draw when all weights are equal.
 */
final class RandomStrategy implements Strategy {

    static final String NAME = "random";
    static final RandomStrategy INSTANCE = new RandomStrategy();

    private RandomStrategy() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
        Endpoint[] array = Endpoints.toArray(endpoints);
        if (array.length == 1) {
            return new SinglePicker(array[0]);
        }
        int[] weights = Endpoints.weights(array);
        return Endpoints.allEqual(weights) ? new UniformPicker(array, random)
                : new WeightedPicker(array, new AliasTable(weights), random);
    }

    @Override
    public String toString() {
        return NAME;
    }

    private static final class UniformPicker implements Picker {
        private final Endpoint[] endpoints;
        private final RandomSource random;

        UniformPicker(Endpoint[] endpoints, RandomSource random) {
            this.endpoints = endpoints;
            this.random = random;
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint endpoint = endpoints[random.nextInt(endpoints.length)];
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.chosen(explanation, "uniform_of=" + endpoints.length, endpoint);
            }
            endpoint.acquire();
            return endpoint;
        }

        @Override
        public String toString() {
            return "RandomPicker{endpoints=" + endpoints.length + ", uniform}";
        }
    }

    private static final class WeightedPicker implements Picker {
        private final Endpoint[] endpoints;
        private final AliasTable table;
        private final RandomSource random;

        WeightedPicker(Endpoint[] endpoints, AliasTable table, RandomSource random) {
            this.endpoints = endpoints;
            this.table = table;
            this.random = random;
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint endpoint = endpoints[table.draw(random.nextLong())];
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.chosen(explanation, "weighted_of=" + endpoints.length, endpoint);
            }
            endpoint.acquire();
            return endpoint;
        }

        @Override
        public String toString() {
            return "RandomPicker{endpoints=" + endpoints.length + ", weighted}";
        }
    }
}
