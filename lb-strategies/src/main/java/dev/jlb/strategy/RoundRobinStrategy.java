package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import java.util.List;

/**
 * Round robin: each eligible backend in turn, ignoring weights, from a random start so that several
 * balancers (or a rebuilt snapshot) do not all begin with the first backend.
 *
 * <p>The position is a shared {@code long} incremented once per pick, so under any concurrency every
 * run of {@code n} consecutive increments covers each of the {@code n} backends exactly once.
 */
final class RoundRobinStrategy implements Strategy {

    static final String NAME = "round-robin";
    static final RoundRobinStrategy INSTANCE = new RoundRobinStrategy();

    private RoundRobinStrategy() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
        Endpoint[] array = Endpoints.toArray(endpoints);
        return newPicker(array, array.length == 1 ? 0 : random.nextInt(array.length));
    }

    /** A picker whose first pick is {@code endpoints[floorMod(start, n)]}; for tests of the wrap-around. */
    static Picker newPicker(Endpoint[] endpoints, long start) {
        if (endpoints.length == 1) {
            return new SinglePicker(endpoints[0]);
        }
        return new RoundRobinPicker(endpoints, start);
    }

    @Override
    public String toString() {
        return NAME;
    }

    private static final class RoundRobinPicker implements Picker {
        private final Endpoint[] endpoints;
        private final Sequence next;

        RoundRobinPicker(Endpoint[] endpoints, long start) {
            this.endpoints = endpoints;
            this.next = new Sequence(start);
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint[] endpoints = this.endpoints;
            int position = Math.floorMod(next.getAndIncrement(), endpoints.length);
            Endpoint endpoint = endpoints[position];
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.chosen(explanation, "position=" + (position + 1) + "/" + endpoints.length, endpoint);
            }
            endpoint.acquire();
            return endpoint;
        }

        @Override
        public String toString() {
            return "RoundRobinPicker{endpoints=" + endpoints.length + ", next=" + next + '}';
        }
    }
}
