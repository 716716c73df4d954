package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import java.util.List;

/**
 * Smooth weighted round robin, the sequence nginx produces: weights {@code {5, 1, 1}} give
 * {@code a a b a c a a}, never {@code a a a a a b c}.
 *
 * <p>nginx runs its algorithm on every pick (add each weight to its backend's current value, take
 * the largest, subtract the total from it), which is O(n) and needs a lock. The sequence is
 * periodic with period {@code sum(weights) / gcd(weights)}, so this strategy computes one period
 * per snapshot and a pick is one shared increment and an array read: O(1), lock-free.
 *
 * <p>The period is bounded by {@link #MAX_PERIOD} slots (or one slot per backend when there are more
 * backends than that). A longer period, say 100 backends with unrelated weights in the thousands,
 * is first scaled down: each weight becomes {@code max(1, round(weight * MAX_PERIOD / total))}, so
 * every backend keeps at least one slot and the shares are exact to within about one slot in
 * {@code MAX_PERIOD} (0.0015 percentage points).
 *
 * <p>Picks start at a random position of the period, so several balancers do not move in step.
 */
final class WeightedRoundRobinStrategy implements Strategy {

    static final String NAME = "weighted-round-robin";
    static final WeightedRoundRobinStrategy INSTANCE = new WeightedRoundRobinStrategy();

    /** The largest precomputed period, in slots, unless there are more backends than this. */
    static final int MAX_PERIOD = 1 << 16;

    private WeightedRoundRobinStrategy() {
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
        Endpoint[] period = period(array, Endpoints.weights(array));
        return new WrrPicker(period, random.nextInt(period.length));
    }

    /** A picker whose first pick is slot {@code floorMod(start, period)}; for tests. */
    static Picker newPicker(List<? extends Endpoint> endpoints, long start) {
        Endpoint[] array = Endpoints.toArray(endpoints);
        return new WrrPicker(period(array, Endpoints.weights(array)), start);
    }

    /**
     * One period of the smooth sequence for these weights (after reducing them by their gcd, and
     * scaling them down if the period would exceed {@link #MAX_PERIOD}).
     */
    static Endpoint[] period(Endpoint[] endpoints, int[] weights) {
        int[] reduced = reduce(weights, Math.max(MAX_PERIOD, endpoints.length));
        int[] sequence = smoothSequence(reduced);
        Endpoint[] period = new Endpoint[sequence.length];
        for (int i = 0; i < sequence.length; i++) {
            period[i] = endpoints[sequence[i]];
        }
        return period;
    }

    /** Divides the weights by their gcd and, if their sum still exceeds {@code limit}, scales them down. */
    static int[] reduce(int[] weights, int limit) {
        int gcd = Endpoints.gcd(weights);
        int[] reduced = new int[weights.length];
        for (int i = 0; i < weights.length; i++) {
            reduced[i] = weights[i] / gcd;
        }
        long total = Endpoints.sum(reduced);
        if (total <= limit) {
            return reduced;
        }
        // Scale so the sum fits; each weight keeps at least one slot. max(1, ...) can push the sum
        // above the limit when many weights round to 0, so shrink the scale until it fits.
        double scale = (double) limit / total;
        while (true) {
            long sum = 0;
            for (int i = 0; i < weights.length; i++) {
                reduced[i] = (int) Math.max(1, Math.round(weights[i] / (double) gcd * scale));
                sum += reduced[i];
            }
            if (sum <= limit) {
                int g = Endpoints.gcd(reduced);
                for (int i = 0; i < reduced.length; i++) {
                    reduced[i] /= g;
                }
                return reduced;
            }
            scale *= (double) limit / sum * 0.999;
        }
    }

    /**
     * The nginx smooth weighted round robin sequence over one period, as endpoint indices.
     *
     * <p>Backends of equal weight always have equal current values except for the multiples of the
     * total subtracted when they were picked, so within one weight class they are picked in index
     * order, round and round. The simulation therefore tracks one current value per distinct weight
     * (and a rotation position within it) and costs O(period x distinct weights), not
     * O(period x backends); ties go to the lowest index, as in nginx.
     */
    static int[] smoothSequence(int[] weights) {
        int n = weights.length;
        // Group indices by weight, each group in ascending index order.
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        sortByWeightThenIndex(order, weights);
        int groups = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || weights[order[i]] != weights[order[i - 1]]) {
                groups++;
            }
        }
        long[] groupWeight = new long[groups];
        int[] groupStart = new int[groups];
        int[] groupSize = new int[groups];
        int g = -1;
        for (int i = 0; i < n; i++) {
            if (i == 0 || weights[order[i]] != weights[order[i - 1]]) {
                g++;
                groupWeight[g] = weights[order[i]];
                groupStart[g] = i;
            }
            groupSize[g]++;
        }
        long total = Endpoints.sum(weights);
        int[] position = new int[groups]; // next member to pick within each group
        long[] rounds = new long[groups]; // times the group's rotation wrapped around
        int[] sequence = new int[(int) total];
        for (int t = 1; t <= total; t++) {
            int best = -1;
            long bestCurrent = 0;
            int bestIndex = 0;
            for (int k = 0; k < groups; k++) {
                // The current value of the group's next member: t * w minus total for each time that
                // member was picked (the completed rounds of the group's rotation).
                long current = t * groupWeight[k] - total * rounds[k];
                int index = order[groupStart[k] + position[k]];
                if (best < 0 || current > bestCurrent || (current == bestCurrent && index < bestIndex)) {
                    best = k;
                    bestCurrent = current;
                    bestIndex = index;
                }
            }
            sequence[t - 1] = bestIndex;
            if (++position[best] == groupSize[best]) {
                position[best] = 0;
                rounds[best]++;
            }
        }
        return sequence;
    }

    private static void sortByWeightThenIndex(int[] order, int[] weights) {
        // Pack (weight, index) into longs and sort primitives: no boxing, stable by index.
        long[] keys = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            keys[i] = ((long) weights[order[i]] << 32) | order[i];
        }
        java.util.Arrays.sort(keys);
        for (int i = 0; i < order.length; i++) {
            order[i] = (int) keys[i];
        }
    }

    @Override
    public String toString() {
        return NAME;
    }

    private static final class WrrPicker implements Picker {
        private final Endpoint[] period;
        private final Sequence next;

        WrrPicker(Endpoint[] period, long start) {
            this.period = period;
            this.next = new Sequence(start);
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint[] period = this.period;
            int slot = Math.floorMod(next.getAndIncrement(), period.length);
            Endpoint endpoint = period[slot];
            Explanation explanation = context.explanation();
            if (explanation != null) {
                // The smooth sequence is precomputed: the slot in its period stands for the current weights.
                Explain.chosen(explanation, "slot=" + (slot + 1) + "/" + period.length, endpoint);
            }
            endpoint.acquire();
            return endpoint;
        }

        @Override
        public String toString() {
            return "WeightedRoundRobinPicker{period=" + period.length + ", next=" + next + '}';
        }
    }
}
