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
 * The long-lived state of one pool member: its configured backend, its in-flight count, its
 * counters and its health. Every snapshot points at the same entry, so rebuilding a snapshot never
 * resets a count.
 *
 * <p>Thread-safe. Counters are atomic. {@link #backend}, {@link #state} and the fields marked
 * "guarded" are written under the pool's writer lock; the volatile ones are read without it. The
 * request path (the {@code on...} completion methods) is lock-free and allocation-free: it updates
 * the failure streak and the latency average, and takes the pool's lock only when a streak reaches
 * the outlier threshold (rare).
 */
public final class BackendEntry extends BackendEntryPad1 {

    private static final VarHandle IN_FLIGHT;
    private static final VarHandle STREAK;
    private static final VarHandle EWMA;
    private static final VarHandle SAMPLES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IN_FLIGHT = lookup.findVarHandle(BackendEntryInFlight.class, "inFlight", int.class);
            STREAK = lookup.findVarHandle(BackendEntry.class, "consecutiveFailures", int.class);
            EWMA = lookup.findVarHandle(BackendEntry.class, "ewmaNanos", long.class);
            SAMPLES = lookup.findVarHandle(BackendEntry.class, "samples", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The pool this entry belongs to; told when a failure streak reaches the outlier threshold. */
    private final DefaultPool pool;

    volatile Backend backend;
    volatile BackendState state = BackendState.HEALTHY;
    /** Why the backend is in {@link #state}, from the last state change. */
    volatile String stateReason = "";
    /** The effective weight in the current snapshot; 0 when not eligible. */
    volatile int effectiveWeight;
    /** The share of its weight the backend gets now (slow start x degradation); 0 when not eligible. */
    volatile double weightFactor = 1.0;

    // Passive health, written on the request path.
    /** Consecutive failures counted by outlier detection (through {@link #STREAK}). */
    volatile int consecutiveFailures;
    /** Latency EWMA in nanoseconds, -1 before the first sample; opaque access through {@link #EWMA}. */
    private long ewmaNanos = -1;
    /** Latency samples so far, saturating; opaque access through {@link #SAMPLES}. */
    private int samples;

    // Health decisions: guarded by the pool's lock.
    /** Failing its active health check. */
    boolean activeUnhealthy;
    String activeReason = "";
    /** Whether an active check result arrived since checking (re)started; the first decides at once. */
    boolean checked;
    int checkPasses;
    int checkFailures;
    boolean ejected;
    long ejectedUntil;
    long ejectionDuration;
    boolean latencyEjection;
    /** The backoff level: how many recent ejections, decayed by time spent in the pool since. */
    int ejectionLevel;
    long ejectionEndedAt;
    String ejectReason = "";
    String restoreReason = "";
    volatile long ejections;
    boolean degraded;
    String degradeReason = "";
    /** Whether the last publish found it eligible; a change from false to true starts slow start. */
    boolean wasEligible;
    boolean ramping;
    long rampStart;

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

    BackendEntry(Backend backend, DefaultPool pool) {
        this.backend = backend;
        this.pool = pool;
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
        if (status >= 500) {
            // A 5xx the caller did not treat as a failure still counts for outlier detection.
            recordFailure();
        } else {
            if (consecutiveFailures != 0) {
                consecutiveFailures = 0;
            }
            if (latencyNanos >= 0) {
                recordLatency(latencyNanos);
            }
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
        if (kind == FailureKind.CONNECT || kind == FailureKind.TIMEOUT || kind == FailureKind.RESET
                || (kind == FailureKind.STATUS && (status >= 500 || status == 0))) {
            recordFailure();
        }
    }

    /** One more consecutive failure; tells the pool at the threshold and at each multiple after it. */
    private void recordFailure() {
        int streak = (int) STREAK.getAndAdd(this, 1) + 1;
        int threshold = pool.outlierThreshold;
        if (threshold > 0 && streak >= threshold && (streak - threshold) % threshold == 0) {
            pool.onConsecutiveFailures(this, streak);
        }
    }

    /**
     * Moves the latency average 1/8 of the way towards {@code sample}. Lock-free and racy on purpose:
     * two concurrent updates may lose one sample, which an average shrugs off.
     */
    void recordLatency(long sample) {
        long old = (long) EWMA.getOpaque(this);
        EWMA.setOpaque(this, old < 0 ? sample : old + (sample - old) / 8);
        int n = (int) SAMPLES.getOpaque(this);
        if (n != Integer.MAX_VALUE) {
            SAMPLES.setOpaque(this, n + 1);
        }
    }

    /** The latency average in nanoseconds, -1 when nothing was measured. */
    long latencyEwmaNanos() {
        return (long) EWMA.getOpaque(this);
    }

    /** Latency samples recorded (saturating). */
    int latencySamples() {
        return (int) SAMPLES.getOpaque(this);
    }

    /** Forgets the latency average (after an ejection for latency, so it is judged on fresh samples). */
    void resetLatency() {
        EWMA.setOpaque(this, -1L);
        SAMPLES.setOpaque(this, 0);
    }

    void resetStreak() {
        consecutiveFailures = 0;
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
        return "BackendEntry{" + backend.id() + ", state=" + state + ", inFlight=" + inFlight
                + ", consecutiveFailures=" + consecutiveFailures + '}';
    }
}
