package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.FailureKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/** Left padding: keeps the hot in-flight counter off the cache line of whatever precedes it. */
abstract class BackendEntryPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

/** The in-flight counter, on a cache line of its own. */
abstract class BackendEntryInFlight extends BackendEntryPad0 {
    volatile int inFlight;
}

/** Right padding. */
abstract class BackendEntryPad1 extends BackendEntryInFlight {
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

/**
 * The long-lived state of one pool member: its configured backend, its in-flight count and its
 * counters. Every snapshot points at the same entry, so rebuilding a snapshot never resets a count.
 *
 * <p>Thread-safe: counters are atomic; {@link #backend} and {@link #state} are written under the
 * pool's writer lock and read without it.
 */
public final class BackendEntry extends BackendEntryPad1 {

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(BackendEntryInFlight.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    volatile Backend backend;
    volatile BackendState state = BackendState.HEALTHY;
    /** The effective weight in the current snapshot; 0 when not eligible. */
    volatile int effectiveWeight;

    final LongAdder successes = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    /** Responses by status class, index 1..5 (index 0 unused). */
    final LongAdder[] responses = {
        null, new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()
    };

    BackendEntry(Backend backend) {
        this.backend = backend;
    }

    public Backend backend() {
        return backend;
    }

    public BackendState state() {
        return state;
    }

    public int inFlight() {
        return inFlight;
    }

    void acquire() {
        IN_FLIGHT.getAndAdd(this, 1);
    }

    boolean tryAcquire(int expected) {
        return IN_FLIGHT.compareAndSet(this, expected, expected + 1);
    }

    /** Gives back an acquisition without recording an outcome (a pick the balancer discarded). */
    void releaseUnused() {
        IN_FLIGHT.getAndAdd(this, -1);
    }

    void onSuccess(int status, long latencyNanos, boolean retry) {
        IN_FLIGHT.getAndAdd(this, -1);
        successes.increment();
        countStatus(status);
        if (retry) {
            retries.increment();
        }
    }

    void onFailure(FailureKind kind, int status, long latencyNanos, boolean retry) {
        IN_FLIGHT.getAndAdd(this, -1);
        failures.increment();
        if (kind == FailureKind.CONNECT) {
            connectFailures.increment();
        } else if (kind == FailureKind.TIMEOUT) {
            timeouts.increment();
        }
        countStatus(status);
        if (retry) {
            retries.increment();
        }
    }

    void onCancel(boolean retry) {
        IN_FLIGHT.getAndAdd(this, -1);
        cancelled.increment();
        if (retry) {
            retries.increment();
        }
    }

    private void countStatus(int status) {
        if (status >= 100 && status < 600) {
            responses[status / 100].increment();
        }
    }

    @Override
    public String toString() {
        return "BackendEntry{" + backend.id() + ", state=" + state + ", inFlight=" + inFlight + '}';
    }
}
