package dev.jlb.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The bucket layout of jlb's latency histograms, log-linear like HdrHistogram's: bucket 0 holds
 * latencies under 2<sup>10</sup> ns (1.024 us); then each power of two from 2<sup>10</sup> to
 * 2<sup>39</sup> is split into 8 equal buckets; the last bucket holds 2<sup>40</sup> ns (about 18
 * minutes) and more. A bucket is at most 1/8 of its lower bound wide, so its midpoint is within 1/16
 * of any value in it.
 *
 * <p>A histogram is an {@code int[COUNT]} updated with {@link #record}: one atomic add on one
 * element, no lock, no allocation. {@code int} rather than {@code long} halves the memory of a
 * backend's state (at 10,000 backends, the pages a random pick touches no longer fit the TLB with
 * {@code long}s: measured +18% per pick for weighted random, +5% with half the size). A bucket
 * that reaches {@link #FOLD} is folded, under the histogram's lock, into a {@code long[]} that is
 * allocated then ({@link #fold}); a snapshot reads both under that lock. Internal.
 */
final class LatencyBuckets {

    /** Sub-buckets per power of two, as a shift. */
    private static final int SUB_BITS = 3;
    private static final int SUB_MASK = (1 << SUB_BITS) - 1;
    /** The first power of two with its own buckets: 2^10 ns. */
    static final int MIN_EXPONENT = 10;
    /** Latencies of 2^40 ns or more share the last bucket. */
    static final int MAX_EXPONENT = 40;
    /** Buckets per histogram. */
    static final int COUNT = 2 + ((MAX_EXPONENT - MIN_EXPONENT) << SUB_BITS);
    static final int OVERFLOW = COUNT - 1;

    /** A bucket at this count is folded into the {@code long} side (well below the int's limit). */
    static final int FOLD = 1 << 30;

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(int[].class);

    private LatencyBuckets() {
    }

    /** The bucket of a latency in nanoseconds ({@code >= 0}). */
    static int index(long nanos) {
        if (nanos < (1L << MIN_EXPONENT)) {
            return 0;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        if (exponent >= MAX_EXPONENT) {
            return OVERFLOW;
        }
        return 1 + ((exponent - MIN_EXPONENT) << SUB_BITS) + (int) ((nanos >>> (exponent - SUB_BITS)) & SUB_MASK);
    }

    /** The smallest latency of a bucket. */
    static long lowerBound(int index) {
        if (index == 0) {
            return 0;
        }
        if (index == OVERFLOW) {
            return 1L << MAX_EXPONENT;
        }
        int i = index - 1;
        int exponent = MIN_EXPONENT + (i >>> SUB_BITS);
        return (1L << exponent) + ((long) (i & SUB_MASK) << (exponent - SUB_BITS));
    }

    /** The value a bucket stands for: its midpoint (the lower bound of the overflow bucket). */
    static long value(int index) {
        if (index == OVERFLOW) {
            return lowerBound(index);
        }
        long low = lowerBound(index);
        return low + (lowerBound(index + 1) - low) / 2;
    }

    /**
     * Counts one latency; lock-free, allocation-free.
     *
     * @return the bucket's index when it reached {@link #FOLD} and must be {@linkplain #fold folded}, else -1
     */
    static int record(int[] counts, long nanos) {
        int i = index(nanos);
        return (int) ELEMENT.getAndAdd(counts, i, 1) == FOLD - 1 ? i : -1;
    }

    /**
     * Moves {@link #FOLD} counts of bucket {@code i} to the {@code long} side. Call while holding the
     * lock of {@code counts}; returns {@code folded}, allocated on first use.
     */
    static long[] fold(int[] counts, long[] folded, int i) {
        long[] f = folded != null ? folded : new long[counts.length];
        f[i] += FOLD;
        ELEMENT.getAndAdd(counts, i, -FOLD);
        return f;
    }

    /** A sparse immutable copy. Call while holding the lock of {@code counts}. */
    static DefaultLatencyDistribution snapshot(int[] counts, long[] folded) {
        int nonEmpty = 0;
        long[] copy = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            long n = (int) ELEMENT.getVolatile(counts, i) + (folded == null ? 0 : folded[i]);
            copy[i] = n;
            if (n != 0) {
                nonEmpty++;
            }
        }
        return DefaultLatencyDistribution.of(copy, nonEmpty);
    }
}
