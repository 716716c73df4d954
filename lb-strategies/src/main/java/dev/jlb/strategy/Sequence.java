package dev.jlb.strategy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Left padding: keeps the hot counter off the cache line of whatever precedes it in the heap. */
abstract class SequencePad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

/** The counter, on a cache line of its own. */
abstract class SequenceValue extends SequencePad0 {
    volatile long value;
}

/** Right padding. */
abstract class SequencePad1 extends SequenceValue {
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

/**
 * A shared, ever-increasing position for the rotating strategies: {@code getAndIncrement} on a
 * padded {@code long}, so that the counter every request thread writes does not share a cache line
 * with the read-only picker fields next to it.
 *
 * <p>A {@code long} does not wrap in practice (2^63 picks is ~290 years at 10^9 picks per second);
 * callers still map it with {@link Math#floorMod(long, int)} so that a negative value would stay a
 * valid index.
 */
final class Sequence extends SequencePad1 {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(SequenceValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Sequence(long start) {
        VALUE.setRelease(this, start);
    }

    long getAndIncrement() {
        return (long) VALUE.getAndAdd(this, 1L);
    }

    long get() {
        return value;
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
