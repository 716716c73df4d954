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
 * <p>A histogram is a plain {@code long[COUNT]} updated with {@link #record}: one atomic add on one
 * element, no lock, no allocation. Internal.
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

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);

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

    /** Counts one latency; lock-free, allocation-free. */
    static void record(long[] buckets, long nanos) {
        ELEMENT.getAndAdd(buckets, index(nanos), 1L);
    }

    /** A sparse immutable copy of a live histogram. */
    static DefaultLatencyDistribution snapshot(long[] buckets) {
        int nonEmpty = 0;
        long[] copy = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            long n = (long) ELEMENT.getOpaque(buckets, i);
            copy[i] = n;
            if (n != 0) {
                nonEmpty++;
            }
        }
        return DefaultLatencyDistribution.of(copy, nonEmpty);
    }
}
