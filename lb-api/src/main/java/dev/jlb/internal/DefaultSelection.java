package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.Selection;

/**
 * A lease on one backend; the first completion wins, atomically.
 *
 * <p>Exactly-once completion uses this object's monitor, not a compare-and-set. The reason is
 * allocation: when a caller selects and completes in one compiled method (the common synchronous
 * case), C2's escape analysis removes the {@code new DefaultSelection} and elides the lock with it.
 * It never removes an object whose field is the target of a CAS: HotSpot's
 * {@code PhaseMacroExpand::can_eliminate_allocation} rejects any field use that is a LoadStore node,
 * which a VarHandle or field-updater {@code compareAndSet} compiles to. Measured with JMH
 * {@code -prof gc} (lb-strategies {@code SelectBenchmark}): the CAS version cost 32 B per
 * select+complete, this one 0 B and a few ns less. When the selection does escape (asynchronous
 * proxying), the monitor is an uncontended thin lock, one CAS on the object header; under concurrent
 * completion it still lets exactly one caller through. The lock is never held while calling out.
 */
final class DefaultSelection implements Selection {

    private final BackendEntry entry;
    private final Backend backend;
    private final boolean retry;
    /** Written under this object's monitor; volatile so {@link #isDone()} can read it without it. */
    private volatile boolean done;

    DefaultSelection(BackendEntry entry, Backend backend, boolean retry) {
        this.entry = entry;
        this.backend = backend;
        this.retry = retry;
    }

    /** Returns true for the first caller only, whatever the threads. */
    private boolean complete() {
        synchronized (this) {
            if (done) {
                return false;
            }
            done = true;
            return true;
        }
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public boolean isRetry() {
        return retry;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public void onSuccess(int status, long latencyNanos) {
        if (complete()) {
            entry.onSuccess(status, latencyNanos, retry);
        }
    }

    @Override
    public void onFailure(FailureKind kind, long latencyNanos) {
        if (complete()) {
            entry.onFailure(kind == null ? FailureKind.OTHER : kind, 0, latencyNanos, retry);
        }
    }

    @Override
    public void onFailure(int status, long latencyNanos) {
        if (complete()) {
            entry.onFailure(FailureKind.STATUS, status, latencyNanos, retry);
        }
    }

    @Override
    public void close() {
        if (complete()) {
            entry.onCancel(retry);
        }
    }

    @Override
    public String toString() {
        return "Selection{" + backend.id() + (retry ? ", retry" : "") + (done ? ", done" : "") + '}';
    }
}
