package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.FailureKind;
import dev.jlb.Strategy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Left padding: keeps the hot fields off the cache line of whatever precedes the entry. */
abstract class BackendEntryPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07;
}

/**
 * Everything a select plus a successful completion writes, side by side (64 bytes), so that a
 * request touches one or two cache lines of its backend's state rather than one per counter: at
 * 10,000 backends those lines are cache misses. Atomic updates go through the
 * {@link BackendEntry} VarHandles.
 */
abstract class BackendEntryHot extends BackendEntryPad0 {
    volatile int inFlight;
    /** Consecutive failures counted by outlier detection. */
    volatile int consecutiveFailures;
    /** Latency samples for the EWMA so far, saturating; opaque access. */
    int samples;
    /** The latency histogram's buckets ({@link LatencyBuckets}); its monitor guards the folding. */
    final int[] latency = new int[LatencyBuckets.COUNT];
    /** Latency EWMA in nanoseconds, -1 before the first sample; opaque access. */
    long ewmaNanos = -1;
    /** Successes by status class 1xx..5xx. */
    long responses1;
    long responses2;
    long responses3;
    long responses4;
    long responses5;
}

/** Right padding. */
abstract class BackendEntryPad1 extends BackendEntryHot {
    long p10, p11, p12, p13, p14, p15, p16, p17;
}

/**
 * The long-lived state of one pool member that the request path writes: its in-flight count, its
 * counters, its failure streak, its latency histogram and average; plus its configured backend and
 * the {@link MemberStatus} the last publish gave it. Every snapshot points at the same entry, so
 * rebuilding a snapshot never resets a count. The health judgements about it live in the pieces
 * that make them ({@link PoolHealth}), keyed by the entry.
 *
 * <p>Thread-safe. Counters are atomic. {@link #backend} and {@link #status} are written under the
 * pool's writer lock and read without it. The request path (the {@code on...} completion methods)
 * is lock-free and allocation-free: it updates the counters, the failure streak, the latency
 * histogram and average, and takes the pool's lock only when a streak reaches the outlier threshold
 * (rare, through {@link Streaks#reached}).
 *
 * <p>Layout: a select plus a successful completion touches only {@link BackendEntryHot}'s fields
 * and one histogram bucket. Counters are plain {@code long} fields updated with one atomic add
 * each (no {@code LongAdder}: its cells would be more cache lines per backend, and the in-flight
 * count on the same line is contended as much anyway). A success is counted once, in its status
 * class (or, without a status, in {@link #otherSuccesses}); a failure with a status in
 * {@link #failedResponses}. Every counter a snapshot reports is one atomic counter or a sum of
 * them, so it never goes backwards between two snapshots.
 */
public final class BackendEntry extends BackendEntryPad1 {

    private static final VarHandle IN_FLIGHT;
    private static final VarHandle STREAK;
    private static final VarHandle EWMA;
    private static final VarHandle SAMPLES;
    private static final VarHandle RESPONSES1;
    private static final VarHandle RESPONSES2;
    private static final VarHandle RESPONSES3;
    private static final VarHandle RESPONSES4;
    private static final VarHandle RESPONSES5;
    private static final VarHandle FAILURES;
    private static final VarHandle OTHER_SUCCESSES;
    private static final VarHandle CANCELLED;
    private static final VarHandle RETRIES;
    private static final VarHandle CONNECT_FAILURES;
    private static final VarHandle TIMEOUTS;
    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IN_FLIGHT = lookup.findVarHandle(BackendEntryHot.class, "inFlight", int.class);
            STREAK = lookup.findVarHandle(BackendEntryHot.class, "consecutiveFailures", int.class);
            EWMA = lookup.findVarHandle(BackendEntryHot.class, "ewmaNanos", long.class);
            SAMPLES = lookup.findVarHandle(BackendEntryHot.class, "samples", int.class);
            RESPONSES1 = lookup.findVarHandle(BackendEntryHot.class, "responses1", long.class);
            RESPONSES2 = lookup.findVarHandle(BackendEntryHot.class, "responses2", long.class);
            RESPONSES3 = lookup.findVarHandle(BackendEntryHot.class, "responses3", long.class);
            RESPONSES4 = lookup.findVarHandle(BackendEntryHot.class, "responses4", long.class);
            RESPONSES5 = lookup.findVarHandle(BackendEntryHot.class, "responses5", long.class);
            FAILURES = lookup.findVarHandle(BackendEntry.class, "failures", long.class);
            OTHER_SUCCESSES = lookup.findVarHandle(BackendEntry.class, "otherSuccesses", long.class);
            CANCELLED = lookup.findVarHandle(BackendEntry.class, "cancelled", long.class);
            RETRIES = lookup.findVarHandle(BackendEntry.class, "retries", long.class);
            CONNECT_FAILURES = lookup.findVarHandle(BackendEntry.class, "connectFailures", long.class);
            TIMEOUTS = lookup.findVarHandle(BackendEntry.class, "timeouts", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A pool's outlier threshold as its members' request path reads it, and what happens when a
     * member's failure streak reaches it. One per pool, shared by its members.
     */
    abstract static class Streaks {
        /** The streak that ejects; 0 while outlier detection is off. */
        volatile int threshold;

        /**
         * Called on the request thread whose failure made the streak reach the threshold, or a
         * multiple of it. Rare; may take the pool's lock.
         */
        abstract void reached(BackendEntry entry, int streak);
    }

    private final Streaks streaks;
    /** The pool's overload limits, told of every completed lease; null without limits. */
    private final OverloadGate gate;

    volatile Backend backend;
    /** The pool strategy's tracker of this member, or null; written under the pool's lock. */
    volatile Strategy.Tracker tracker;
    /** The strategy that made {@link #tracker}; written and read under the pool's lock. */
    private Strategy trackerOwner;
    /** What the last publish decided about this member; written under the pool's lock. */
    volatile MemberStatus status;

    // Counters off the common path, atomic through the VarHandles above.
    private long failures;
    /** Failures with a status, by class: index 1..5 for 1xx..5xx (index 0 unused). */
    private final long[] failedResponses = new long[6];
    /** Successes without a status in 100..599. */
    private long otherSuccesses;
    /** The latency counts folded out of {@link #latency}; null until a bucket first reaches the fold. */
    private long[] latencyFolded;
    private long cancelled;
    private long retries;
    private long connectFailures;
    private long timeouts;

    BackendEntry(Backend backend, Streaks streaks, OverloadGate gate, MemberStatus status) {
        this.backend = backend;
        this.streaks = streaks;
        this.gate = gate;
        this.status = status;
    }

    public Backend backend() {
        return backend;
    }

    public BackendState state() {
        return status.state();
    }

    MemberStatus status() {
        return status;
    }

    public int inFlight() {
        return inFlight;
    }

    /**
     * Gives this member the tracker {@code strategy} keeps for it, made once per strategy change.
     * Under the pool's lock.
     */
    void bindTracker(Strategy strategy) {
        if (trackerOwner != strategy) {
            trackerOwner = strategy;
            tracker = strategy.newTracker(backend);
        }
    }

    void acquire() {
        IN_FLIGHT.getAndAdd(this, 1);
        inFlightChanged();
    }

    boolean tryAcquire(int expected) {
        if (IN_FLIGHT.compareAndSet(this, expected, expected + 1)) {
            inFlightChanged();
            return true;
        }
        return false;
    }

    /** Gives back an acquisition without recording an outcome (a pick the balancer discarded). */
    void releaseUnused() {
        IN_FLIGHT.getAndAdd(this, -1);
        inFlightChanged();
    }

    /** A lease completed. */
    private void release() {
        IN_FLIGHT.getAndAdd(this, -1);
        inFlightChanged();
        if (gate != null) {
            gate.released();
        }
    }

    private void inFlightChanged() {
        Strategy.Tracker t = tracker;
        if (t != null) {
            t.inFlightChanged();
        }
    }

    private void completed(long latencyNanos, boolean failure) {
        Strategy.Tracker t = tracker;
        if (t != null) {
            t.completed(latencyNanos, failure);
        }
    }

    // A retry is counted before its completion: a reader that sums completions before retries
    // (LoadBalancerStats#requests) may then count it low for a moment, never high.

    void onSuccess(int status, long latencyNanos, boolean retry) {
        release();
        completed(latencyNanos, status >= 500);
        if (retry) {
            RETRIES.getAndAdd(this, 1L);
        }
        if (!countSuccess(status)) {
            OTHER_SUCCESSES.getAndAdd(this, 1L);
        }
        if (latencyNanos >= 0) {
            recordResponseLatency(latencyNanos);
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
        release();
        completed(latencyNanos, true);
        if (retry) {
            RETRIES.getAndAdd(this, 1L);
        }
        FAILURES.getAndAdd(this, 1L);
        if (kind == FailureKind.CONNECT) {
            CONNECT_FAILURES.getAndAdd(this, 1L);
        } else if (kind == FailureKind.TIMEOUT) {
            TIMEOUTS.getAndAdd(this, 1L);
        }
        if (status >= 100 && status < 600) {
            ELEMENT.getAndAdd(failedResponses, status / 100, 1L);
            if (latencyNanos >= 0) {
                recordResponseLatency(latencyNanos);
            }
        }
        if (kind == FailureKind.CONNECT || kind == FailureKind.TIMEOUT || kind == FailureKind.RESET
                || (kind == FailureKind.STATUS && (status >= 500 || status == 0))) {
            recordFailure();
        }
    }

    private void recordResponseLatency(long nanos) {
        int full = LatencyBuckets.record(latency, nanos);
        if (full >= 0) {
            foldLatency(full);
        }
    }

    /** Once per 2^30 latencies of one bucket. */
    private void foldLatency(int bucket) {
        synchronized (latency) {
            latencyFolded = LatencyBuckets.fold(latency, latencyFolded, bucket);
        }
    }

    /** One more consecutive failure; tells the pool at the threshold and at each multiple after it. */
    private void recordFailure() {
        int streak = (int) STREAK.getAndAdd(this, 1) + 1;
        int threshold = streaks.threshold;
        if (threshold > 0 && streak >= threshold && (streak - threshold) % threshold == 0) {
            streaks.reached(this, streak);
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
        release();
        if (retry) {
            RETRIES.getAndAdd(this, 1L);
        }
        CANCELLED.getAndAdd(this, 1L);
    }

    /** Counts a success in its status class; returns false (and counts nothing) outside 100..599. */
    private boolean countSuccess(int status) {
        switch (status / 100) {
            case 1:
                RESPONSES1.getAndAdd(this, 1L);
                return true;
            case 2:
                RESPONSES2.getAndAdd(this, 1L);
                return true;
            case 3:
                RESPONSES3.getAndAdd(this, 1L);
                return true;
            case 4:
                RESPONSES4.getAndAdd(this, 1L);
                return true;
            case 5:
                RESPONSES5.getAndAdd(this, 1L);
                return true;
            default:
                return false;
        }
    }

    // ---- Reading (snapshots) -----------------------------------------------------------------

    /** Responses of a status class, 1..5: successes and failures. */
    long responses(int statusClass) {
        return successes(statusClass) + (long) ELEMENT.getVolatile(failedResponses, statusClass);
    }

    /** Successes of a status class, 1..5. */
    private long successes(int statusClass) {
        switch (statusClass) {
            case 1:
                return (long) RESPONSES1.getVolatile(this);
            case 2:
                return (long) RESPONSES2.getVolatile(this);
            case 3:
                return (long) RESPONSES3.getVolatile(this);
            case 4:
                return (long) RESPONSES4.getVolatile(this);
            case 5:
                return (long) RESPONSES5.getVolatile(this);
            default:
                throw new IllegalArgumentException("statusClass: " + statusClass + " (expected: 1..5)");
        }
    }

    long successes() {
        long sum = (long) OTHER_SUCCESSES.getVolatile(this);
        for (int c = 1; c <= 5; c++) {
            sum += successes(c);
        }
        return sum;
    }

    long failures() {
        return (long) FAILURES.getVolatile(this);
    }

    long cancelled() {
        return (long) CANCELLED.getVolatile(this);
    }

    long retries() {
        return (long) RETRIES.getVolatile(this);
    }

    long connectFailures() {
        return (long) CONNECT_FAILURES.getVolatile(this);
    }

    long timeouts() {
        return (long) TIMEOUTS.getVolatile(this);
    }

    DefaultLatencyDistribution latency() {
        synchronized (latency) {
            return LatencyBuckets.snapshot(latency, latencyFolded);
        }
    }

    @Override
    public String toString() {
        return "BackendEntry{" + backend.id() + ", state=" + status.state() + ", inFlight=" + inFlight
                + ", consecutiveFailures=" + consecutiveFailures + '}';
    }
}
