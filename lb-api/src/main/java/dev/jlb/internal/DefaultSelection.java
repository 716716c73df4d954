package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.Selection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** A lease on one backend; the first completion wins, atomically. */
final class DefaultSelection implements Selection {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(DefaultSelection.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BackendEntry entry;
    private final Backend backend;
    private final boolean retry;
    @SuppressWarnings("unused") // accessed through DONE
    private volatile int done;

    DefaultSelection(BackendEntry entry, Backend backend, boolean retry) {
        this.entry = entry;
        this.backend = backend;
        this.retry = retry;
    }

    private boolean complete() {
        return DONE.compareAndSet(this, 0, 1);
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
        return done != 0;
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
        return "Selection{" + backend.id() + (retry ? ", retry" : "") + (done != 0 ? ", done" : "") + '}';
    }
}
