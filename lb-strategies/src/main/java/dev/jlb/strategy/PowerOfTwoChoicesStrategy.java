package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import java.util.List;

/**
 * Power of two choices: draw two distinct backends at random and take the less loaded one, load
 * being {@code inFlight / weight} (compared by cross-multiplication, no division). O(1) per pick at
 * any number of backends, and, unlike least connections, robust to stale counts: it never sends a
 * burst to one "best" backend.
 *
 * <p><b>Weighted draws.</b> When weights differ, both draws are by weight (an {@link AliasTable})
 * rather than uniform. With uniform draws and the usual tie rule, a lightly loaded pool (every
 * in-flight count 0, which is most of the time under modest traffic) would split requests evenly
 * whatever the weights; with weighted draws the first draw, which wins ties, already follows the
 * weights, so weights hold at every load, and under load the {@code inFlight / weight} comparison
 * steers requests toward the backends that are below their share. The second draw is redrawn once
 * by weight if it hits the first backend, then taken uniformly among the others, so the two are
 * always distinct.
 *
 * <p>The chosen backend is acquired unconditionally: a count that changed since it was read makes
 * the choice slightly stale, never wrong (the point of two random choices).
 */
final class PowerOfTwoChoicesStrategy implements Strategy {

    static final String NAME = "p2c";
    static final PowerOfTwoChoicesStrategy INSTANCE = new PowerOfTwoChoicesStrategy();

    private PowerOfTwoChoicesStrategy() {
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
            Endpoint[] endpoints = this.endpoints;
            int n = endpoints.length;
            long r = random.nextLong();
            int a = Endpoints.below(r >>> 32, n);
            int b = Endpoints.below(r, n - 1);
            if (b >= a) {
                b++;
            }
            Endpoint first = endpoints[a];
            Endpoint second = endpoints[b];
            // Equal weights: compare the counts; ties keep the first (itself a uniform draw).
            Endpoint chosen = second.inFlight() < first.inFlight() ? second : first;
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.pair(explanation, first, second);
            }
            chosen.acquire();
            return chosen;
        }

        @Override
        public String toString() {
            return "PowerOfTwoChoicesPicker{endpoints=" + endpoints.length + ", uniform}";
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
            int a = table.draw(random.nextLong());
            int b = table.draw(random.nextLong());
            if (b == a) {
                b = table.draw(random.nextLong());
                if (b == a) {
                    b = random.nextInt(endpoints.length - 1);
                    if (b >= a) {
                        b++;
                    }
                }
            }
            Endpoint first = endpoints[a];
            Endpoint second = endpoints[b];
            // second.inFlight / second.weight < first.inFlight / first.weight, without dividing. The
            // weights come from the endpoints, whose cache lines the counts need anyway.
            Endpoint chosen = (long) second.inFlight() * first.weight() < (long) first.inFlight() * second.weight()
                    ? second : first;
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.pair(explanation, first, second);
            }
            chosen.acquire();
            return chosen;
        }

        @Override
        public String toString() {
            return "PowerOfTwoChoicesPicker{endpoints=" + endpoints.length + ", weighted}";
        }
    }
}
