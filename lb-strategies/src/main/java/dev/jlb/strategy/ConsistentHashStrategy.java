package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2016; HAProxy's
 * {@code hash-balance-factor}, Envoy's {@code hash_balance_factor}).
 *
 * <p><b>The ring.</b> Each backend owns {@value #POINTS_PER_WEIGHT} points per unit of weight on a
 * 64-bit ring, point {@code j} of a backend being {@code XXH64(backend id, seed j)} (the id is
 * {@code host:port}). The ring depends only on the set of backends and their weights, never on their
 * order, a random seed or the JVM, so every jlb instance maps a key to the same backend without any
 * shared state, and removing one of N backends moves only the keys it owned (about 1/N of them).
 * A ring larger than {@value #MAX_POINTS} points is scaled down proportionally (each backend keeps at
 * least one point); only then does its layout depend on the other backends' weights.
 *
 * <p><b>The bound.</b> A request's key is hashed with {@link XxHash64} and walks the ring clockwise
 * from there. The first backend whose in-flight count stays within its share of
 * {@code factor x (total in flight + 1)}, that is {@code inFlight + 1 <= ceil(factor x (total + 1)
 * x weight / totalWeight)}, gets the request. With {@code factor = 1.25} no backend carries more
 * than 125% of its weighted average, so a hot key spills over to the next backends on the ring
 * instead of overloading its own. The check and the increment are one step
 * ({@link Endpoint#tryAcquire(int)}); the total is read without a lock, so under concurrency the
 * bound holds up to the requests that start at the same moment.
 *
 * <p><b>Cost.</b> Finding the key's point is a lookup in a bucket index over the ring's top bits
 * (about one ring point per bucket) and a search within the bucket: O(1) expected, however large
 * the ring. A backend with nothing in
 * flight is always within its bound, so at low load that is the whole pick. Otherwise the pick sums
 * the in-flight counts until the sum shows the backend is within bound, which is O(n) in the worst
 * case (a busy, evenly loaded pool).
 *
 * <p><b>Missing key.</b> A request without a key (no such header, cookie, client address or path)
 * goes to a random point of the ring: a weighted random pick, still under the bound.
 */
final class ConsistentHashStrategy implements Strategy {

    static final String NAME = "consistent-hash";

    /** Ring points per unit of weight (before any scaling). */
    static final int POINTS_PER_WEIGHT = 100;

    /** The largest ring, in points. */
    static final int MAX_POINTS = 1 << 20;

    /** Lost compare-and-set races on one backend after which the pick acquires it unconditionally. */
    static final int MAX_ATTEMPTS = 16;

    private final HashKey key;
    private final double factor;

    ConsistentHashStrategy(HashKey key, double factor) {
        this.key = key;
        this.factor = factor;
    }

    @Override
    public String name() {
        return NAME;
    }

    HashKey key() {
        return key;
    }

    double factor() {
        return factor;
    }

    @Override
    public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
        Endpoint[] array = Endpoints.toArray(endpoints);
        if (array.length == 1) {
            return new SinglePicker(array[0]);
        }
        int[] weights = Endpoints.weights(array);
        long[] ring = ring(array, weights);
        return new RingPicker(array, Endpoints.sum(weights), ring, bucketIndex(ring), key, factor, random);
    }

    /**
     * {@code index[b]} is the first ring position whose bucket (top bits, in signed order) is at
     * least {@code b}; {@code index[buckets]} is the ring length. About one point per bucket.
     */
    static int[] bucketIndex(long[] ring) {
        int bits = bucketBits(ring.length);
        int buckets = 1 << bits;
        int[] index = new int[buckets + 1];
        int position = 0;
        for (int b = 0; b < buckets; b++) {
            index[b] = position;
            while (position < ring.length && bucket(ring[position], bits) == b) {
                position++;
            }
        }
        index[buckets] = ring.length;
        return index;
    }

    static int bucketBits(int ringLength) {
        return Math.max(1, 31 - Integer.numberOfLeadingZeros(ringLength));
    }

    /** The top {@code bits} bits of {@code point}, ordered as the signed ring order. */
    static int bucket(long point, int bits) {
        return (int) ((point ^ Long.MIN_VALUE) >>> (64 - bits));
    }

    /**
     * The sorted ring: each entry is a point's hash with its low bits replaced by the index of the
     * backend that owns it.
     */
    static long[] ring(Endpoint[] endpoints, int[] weights) {
        int n = endpoints.length;
        long mask = ownerMask(n);
        long requested = 0;
        for (int weight : weights) {
            requested += (long) POINTS_PER_WEIGHT * weight;
        }
        int[] points = new int[n];
        long size = 0;
        for (int i = 0; i < n; i++) {
            long p = (long) POINTS_PER_WEIGHT * weights[i];
            if (requested > MAX_POINTS) {
                p = Math.max(1, p * MAX_POINTS / requested);
            }
            points[i] = (int) p;
            size += p;
        }
        long[] ring = new long[Math.toIntExact(size)];
        int k = 0;
        for (int i = 0; i < n; i++) {
            String id = endpoints[i].backend().id();
            for (int j = 0; j < points[i]; j++) {
                ring[k++] = (XxHash64.hash(id, j) & ~mask) | i;
            }
        }
        Arrays.sort(ring);
        return ring;
    }

    static long ownerMask(int n) {
        int bits = Math.max(1, 64 - Long.numberOfLeadingZeros(n - 1));
        return (1L << bits) - 1;
    }

    @Override
    public String toString() {
        return NAME + "{key=" + key + ", factor=" + format(factor) + '}';
    }

    static String format(double factor) {
        return String.format(Locale.ROOT, "%s", factor);
    }

    private static final class RingPicker implements Picker {
        private final Endpoint[] endpoints;
        private final long totalWeight;
        private final long[] ring;
        private final int[] index;
        private final int bits;
        private final long mask;
        private final HashKey key;
        private final double factor;
        private final RandomSource random;

        RingPicker(Endpoint[] endpoints, long totalWeight, long[] ring, int[] index, HashKey key, double factor,
                RandomSource random) {
            this.endpoints = endpoints;
            this.totalWeight = totalWeight;
            this.ring = ring;
            this.index = index;
            this.bits = bucketBits(ring.length);
            this.mask = ownerMask(endpoints.length);
            this.key = key;
            this.factor = factor;
            this.random = random;
        }

        /**
         * More than 325 bytes of bytecode, so C2 keeps it out of line and the compiled
         * {@code LoadBalancer.select} stays small enough for its callers to inline (see
         * {@code LeastConnectionsStrategy}): keep it so when changing it.
         */
        @Override
        public Endpoint pick(RequestContext context) {
            long[] ring = this.ring;
            int length = ring.length;
            long point = key.hash(context, random) & ~mask;
            int b = bucket(point, bits);
            int start = Arrays.binarySearch(ring, index[b], index[b + 1], point);
            if (start < 0) {
                start = -start - 1;
            }
            if (start == length) {
                start = 0;
            }
            // The exact total in flight once a pick had to sum all counts; -1 until then.
            long total = -1;
            int rejected = -1;
            for (int step = 0, p = start; step < length; step++, p = p + 1 == length ? 0 : p + 1) {
                int owner = (int) (ring[p] & mask);
                if (owner == rejected) {
                    continue;
                }
                Endpoint endpoint = endpoints[owner];
                for (int attempt = 1; ; attempt++) {
                    int inFlight = endpoint.inFlight();
                    if (inFlight > 0) {
                        // Within bound iff factor * (total + 1) * weight > inFlight * totalWeight.
                        double capacityPerRequest = factor * endpoint.weight();
                        double needed = (double) inFlight * totalWeight;
                        if (total < 0) {
                            long sum = sumUntil(capacityPerRequest, needed);
                            if ((sum + 1) * capacityPerRequest <= needed) {
                                total = sum;
                                break;
                            }
                        } else if ((total + 1) * capacityPerRequest <= needed) {
                            break;
                        }
                    }
                    if (endpoint.tryAcquire(inFlight)) {
                        return explained(context, point, endpoint);
                    }
                    if (attempt >= MAX_ATTEMPTS) {
                        endpoint.acquire();
                        return explained(context, point, endpoint);
                    }
                }
                rejected = owner;
            }
            // Every backend looked full: only possible while counts move under us. Take the key's own.
            Endpoint endpoint = endpoints[(int) (ring[start] & mask)];
            endpoint.acquire();
            return explained(context, point, endpoint);
        }

        /** {@code chosen}, described first when the request asks for it. */
        private Endpoint explained(RequestContext context, long point, Endpoint chosen) {
            Explanation explanation = context.explanation();
            if (explanation != null) {
                explain(explanation, point, chosen);
            }
            return chosen;
        }

        /** The key's hash, the ring's owner of that point, and the backend bounded load chose (acquired). */
        private void explain(Explanation explanation, long point, Endpoint chosen) {
            int b = bucket(point, bits);
            int start = Arrays.binarySearch(ring, index[b], index[b + 1], point);
            if (start < 0) {
                start = -start - 1;
            }
            Endpoint owner = endpoints[(int) (ring[start == ring.length ? 0 : start] & mask)];
            explanation.begin("hash=" + Long.toHexString(point) + ",owner=" + owner.backend().id()
                    + (owner == chosen ? "" : ",bounded_load_moved_to=" + chosen.backend().id()));
            explanation.candidate(owner, Explain.load(owner, owner == chosen));
            if (owner != chosen) {
                explanation.candidate(chosen, Explain.load(chosen, true));
            }
        }

        /**
         * Sums the in-flight counts, stopping as soon as {@code (sum + 1) * capacityPerRequest >
         * needed}: the exact total when it returns a sum that does not satisfy that.
         */
        private long sumUntil(double capacityPerRequest, double needed) {
            long sum = 0;
            for (Endpoint endpoint : endpoints) {
                sum += endpoint.inFlight();
                if ((sum + 1) * capacityPerRequest > needed) {
                    return sum;
                }
            }
            return sum;
        }

        @Override
        public String toString() {
            return "ConsistentHashPicker{endpoints=" + endpoints.length + ", points=" + ring.length + ", key=" + key
                    + ", factor=" + format(factor) + '}';
        }
    }
}
