package dev.jlb.internal;

import dev.jlb.LatencyDistribution;
import java.util.Arrays;
import java.util.Objects;

/** An immutable, sparse copy of a {@link LatencyBuckets} histogram: the non-empty buckets only. */
final class DefaultLatencyDistribution implements LatencyDistribution {

    static final DefaultLatencyDistribution EMPTY = new DefaultLatencyDistribution(new int[0], new long[0], 0);

    /** Bucket indexes, ascending. */
    private final int[] indexes;
    private final long[] counts;
    private final long count;

    private DefaultLatencyDistribution(int[] indexes, long[] counts, long count) {
        this.indexes = indexes;
        this.counts = counts;
        this.count = count;
    }

    /** From a full array of bucket counts, {@code nonEmpty} of them above zero. */
    static DefaultLatencyDistribution of(long[] buckets, int nonEmpty) {
        if (nonEmpty == 0) {
            return EMPTY;
        }
        int[] indexes = new int[nonEmpty];
        long[] counts = new long[nonEmpty];
        long total = 0;
        int j = 0;
        for (int i = 0; i < buckets.length; i++) {
            long n = buckets[i];
            if (n > 0) {
                indexes[j] = i;
                counts[j] = n;
                total += n;
                j++;
            }
        }
        return new DefaultLatencyDistribution(indexes, counts, total);
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long quantileNanos(double quantile) {
        if (!(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile: " + quantile + " (expected: in [0, 1])");
        }
        if (count == 0) {
            return -1;
        }
        // The rank of the sample wanted, 1-based: the smallest with at least quantile x count at or below it.
        long rank = Math.max(1, (long) Math.ceil(quantile * count));
        long seen = 0;
        for (int j = 0; j < indexes.length; j++) {
            seen += counts[j];
            if (seen >= rank) {
                return LatencyBuckets.value(indexes[j]);
            }
        }
        return LatencyBuckets.value(indexes[indexes.length - 1]);
    }

    @Override
    public LatencyDistribution since(LatencyDistribution earlier) {
        Objects.requireNonNull(earlier, "earlier");
        if (!(earlier instanceof DefaultLatencyDistribution)) {
            throw new IllegalArgumentException("earlier: " + earlier + " (expected: a distribution from jlb)");
        }
        DefaultLatencyDistribution old = (DefaultLatencyDistribution) earlier;
        if (old.count == 0) {
            return this;
        }
        long[] full = new long[LatencyBuckets.COUNT];
        for (int j = 0; j < indexes.length; j++) {
            full[indexes[j]] = counts[j];
        }
        for (int j = 0; j < old.indexes.length; j++) {
            int i = old.indexes[j];
            full[i] = Math.max(0, full[i] - old.counts[j]);
        }
        int nonEmpty = 0;
        for (long n : full) {
            if (n != 0) {
                nonEmpty++;
            }
        }
        return of(full, nonEmpty);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DefaultLatencyDistribution)) {
            return false;
        }
        DefaultLatencyDistribution that = (DefaultLatencyDistribution) o;
        return Arrays.equals(indexes, that.indexes) && Arrays.equals(counts, that.counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(indexes) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        if (count == 0) {
            return "LatencyDistribution{count=0}";
        }
        return "LatencyDistribution{count=" + count + ", p50=" + Durations.approx(quantileNanos(0.5))
                + ", p90=" + Durations.approx(quantileNanos(0.9)) + ", p99=" + Durations.approx(quantileNanos(0.99))
                + ", max=" + Durations.approx(quantileNanos(1)) + '}';
    }
}
