package dev.jlb.simulate;

/**
 * Latencies in log-spaced buckets 1% wide, from 1 us to about 3 hours: percentiles within 1% of the
 * exact value in constant memory, however long the simulated run. Single-threaded.
 */
final class Histogram {
    private static final double BASE = Math.log(1.01);
    private static final long MIN_NANOS = 1_000;
    private static final int BUCKETS = 2400;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long sum;

    void record(long nanos) {
        long v = Math.max(nanos, MIN_NANOS);
        int i = (int) Math.min(BUCKETS - 1, Math.log((double) v / MIN_NANOS) / BASE);
        counts[i]++;
        total++;
        sum += nanos;
    }

    long count() {
        return total;
    }

    double meanNanos() {
        return total == 0 ? 0 : (double) sum / total;
    }

    /** The latency under which {@code q} (in [0, 1]) of the samples lie; 0 without samples. */
    long percentileNanos(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) {
                // The bucket's middle (geometric).
                return (long) (MIN_NANOS * Math.exp((i + 0.5) * BASE));
            }
        }
        return (long) (MIN_NANOS * Math.exp(BUCKETS * BASE));
    }

    void clear() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        sum = 0;
    }
}
