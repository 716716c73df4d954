package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import java.util.List;

/**
 * Weighted least connections: the backend with the lowest {@code inFlight / weight}, the in-flight
 * count being the one {@link dev.jlb.Selection}s keep (requests started and not yet completed).
 *
 * <p><b>Ties</b> are broken at random, with probability proportional to weight among the tied
 * backends (uniform when their weights are equal), never "lowest index first": at low load, when
 * every count is 0, the split then still follows the weights, and two balancers do not send their
 * first requests to the same backend.
 *
 * <p><b>Pick and increment are one step.</b> A pick reads every count, chooses, and acquires the
 * chosen backend with {@link Endpoint#tryAcquire(int)}, which succeeds only if its count is still the
 * one the choice was based on; otherwise the pick starts over. A burst of concurrent selects thus
 * spreads over the backends instead of piling onto the one that looked least loaded to all of them.
 * After {@value #MAX_ATTEMPTS} lost races in a row (extreme contention) the last choice is acquired
 * unconditionally, so a pick always terminates.
 *
 * <p><b>Cost.</b> Below {@value #TREE_MIN_BACKENDS} backends: two lock-free passes over the
 * backends per pick (O(n)), plus a random draw when there is a tie; at tens of backends that beats
 * anything with a lock. From {@value #TREE_MIN_BACKENDS} on, the loads sit in a {@link LoadTree}
 * that every count change updates (each backend's {@link LoadTree.Tracker}), and a pick is
 * O(log n) under the tree's lock, with the same answer: the lowest {@code inFlight / weight},
 * ties by weight at random. The threshold is above the pool size up to which jlb builds a
 * throw-away picker over the backends not yet tried for a retry, so such a picker never takes the
 * trackers away from the snapshot's tree.
 */
final class LeastConnectionsStrategy implements Strategy {

    static final String NAME = "least-connections";
    static final LeastConnectionsStrategy INSTANCE = new LeastConnectionsStrategy();

    /** Lost compare-and-set races after which a pick acquires its choice unconditionally. */
    static final int MAX_ATTEMPTS = 16;

    /** The pool size from which picks use a {@link LoadTree}. */
    static final int TREE_MIN_BACKENDS = 128;

    /** The scan at every size: for the benchmark's before-and-after. */
    static final LeastConnectionsStrategy SCAN_ONLY = new LeastConnectionsStrategy(Integer.MAX_VALUE);

    private final int treeMinBackends;

    private LeastConnectionsStrategy() {
        this(TREE_MIN_BACKENDS);
    }

    private LeastConnectionsStrategy(int treeMinBackends) {
        this.treeMinBackends = treeMinBackends;
    }

    @Override
    public Tracker newTracker(dev.jlb.Backend backend) {
        return treeMinBackends == Integer.MAX_VALUE ? null : new LoadTree.Tracker();
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
        if (array.length >= treeMinBackends) {
            LoadTree tree = new LoadTree(array, weights);
            if (tree.bind()) {
                return new TreePicker(tree, random, array.length);
            }
        }
        return new LeastConnectionsPicker(array, weights, random);
    }

    private static final class TreePicker implements Picker {
        private final LoadTree tree;
        private final RandomSource random;
        private final int size;

        TreePicker(LoadTree tree, RandomSource random, int size) {
            this.tree = tree;
            this.random = random;
            this.size = size;
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint chosen = tree.pickAndAcquire(random);
            Explanation explanation = context.explanation();
            if (explanation != null) {
                // The tree holds every load; the pick compared the chosen one's against the rest.
                explanation.begin("tree_of=" + size);
                explanation.candidate(chosen, Explain.load(chosen, true));
            }
            return chosen;
        }

        @Override
        public String toString() {
            return "LeastConnectionsPicker{endpoints=" + size + ", tree}";
        }
    }

    @Override
    public String toString() {
        return NAME;
    }

    private static final class LeastConnectionsPicker implements Picker {
        private final Endpoint[] endpoints;
        private final int[] weights;
        private final boolean uniform;
        private final RandomSource random;

        LeastConnectionsPicker(Endpoint[] endpoints, int[] weights, RandomSource random) {
            this.endpoints = endpoints;
            this.weights = weights;
            this.uniform = Endpoints.allEqual(weights);
            this.random = random;
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint chosen = pick(endpoints, weights, uniform, random);
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.leastLoaded(explanation, endpoints, chosen);
            }
            return chosen;
        }

        /**
         * The whole pick, kept out of line on purpose. C2 never inlines a hot method of more than
         * {@code FreqInlineSize} (325) bytes of bytecode, and this one is larger. Inlined, its loops
         * made the compiled {@code LoadBalancer.select} big enough (over {@code InlineSmallCode},
         * 2500 bytes) that callers stopped inlining {@code select}, and then the {@code Selection}
         * it returns could no longer be scalar-replaced: 24 B per request in JMH {@code -prof gc},
         * depending on compilation order. Out of line, a call costs about a nanosecond next to an
         * O(n) scan. Keep it above 325 bytes (javap -c) when changing it.
         */
        private static Endpoint pick(Endpoint[] endpoints, int[] weights, boolean uniform, RandomSource random) {
            int n = endpoints.length;
            for (int attempt = 1; ; attempt++) {
                // Pass 1: the lowest load bestInFlight / bestWeight, and the total weight of the ties.
                int best = 0;
                long bestInFlight = endpoints[0].inFlight();
                long bestWeight = weights[0];
                int tieWeight = weights[0];
                int ties = 1;
                if (uniform) {
                    // Equal weights: compare the counts themselves; ties weigh one each.
                    for (int i = 1; i < n; i++) {
                        int inFlight = endpoints[i].inFlight();
                        if (inFlight < bestInFlight) {
                            best = i;
                            bestInFlight = inFlight;
                            ties = 1;
                        } else if (inFlight == bestInFlight) {
                            ties++;
                        }
                    }
                    tieWeight = ties;
                } else {
                    for (int i = 1; i < n; i++) {
                        long inFlight = endpoints[i].inFlight();
                        long weight = weights[i];
                        long lhs = inFlight * bestWeight;
                        long rhs = bestInFlight * weight;
                        if (lhs < rhs) {
                            best = i;
                            bestInFlight = inFlight;
                            bestWeight = weight;
                            tieWeight = weights[i];
                            ties = 1;
                        } else if (lhs == rhs) {
                            tieWeight += weights[i];
                            ties++;
                        }
                    }
                }
                int chosen = best;
                int expected = (int) bestInFlight;
                if (ties > 1) {
                    // Pass 2: the tie that holds the random point within the tied weight. Counts
                    // may have moved since pass 1: if no tie is left at that point, start over.
                    int point = random.nextInt(tieWeight);
                    chosen = -1;
                    for (int i = best; i < n; i++) {
                        int inFlight = endpoints[i].inFlight();
                        if ((long) inFlight * bestWeight == bestInFlight * weights[i]) {
                            point -= uniform ? 1 : weights[i];
                            if (point < 0) {
                                chosen = i;
                                expected = inFlight;
                                break;
                            }
                        }
                    }
                    if (chosen < 0) {
                        if (attempt >= MAX_ATTEMPTS) {
                            return acquire(endpoints[best]);
                        }
                        continue;
                    }
                }
                Endpoint endpoint = endpoints[chosen];
                if (endpoint.tryAcquire(expected)) {
                    return endpoint;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    return acquire(endpoint);
                }
            }
        }

        private static Endpoint acquire(Endpoint endpoint) {
            endpoint.acquire();
            return endpoint;
        }

        @Override
        public String toString() {
            return "LeastConnectionsPicker{endpoints=" + endpoints.length + '}';
        }
    }
}
