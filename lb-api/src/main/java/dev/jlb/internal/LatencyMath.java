package dev.jlb.internal;

import java.util.Arrays;

/** Small arithmetic of latency health. Internal; public for tests only. */
public final class LatencyMath {
    private LatencyMath() {
    }

    /** The median of {@code sorted} without one occurrence of {@code value}, which it must hold. */
    public static long medianExcluding(long[] sorted, long value) {
        int skip = Arrays.binarySearch(sorted, value);
        if (skip < 0) {
            throw new IllegalArgumentException("value: " + value + " (expected: one of " + Arrays.toString(sorted) + ")");
        }
        int m = sorted.length - 1;
        if (m % 2 == 1) {
            return at(sorted, skip, m / 2);
        }
        long a = at(sorted, skip, m / 2 - 1);
        long b = at(sorted, skip, m / 2);
        return a + (b - a) / 2;
    }

    private static long at(long[] sorted, int skip, int k) {
        return sorted[k < skip ? k : k + 1];
    }
}
