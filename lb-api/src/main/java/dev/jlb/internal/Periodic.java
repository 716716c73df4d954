package dev.jlb.internal;

import java.util.concurrent.ScheduledFuture;

/**
 * A task run every interval on the health scheduler, each run scheduled when the previous one ended:
 * the pool's latency evaluation. Thread-safe; {@link #start} and {@link #stop} are called under the
 * pool's lock, and the task runs with no lock held.
 */
final class Periodic {
    private final Timers timers;
    private final Runnable task;
    private ScheduledFuture<?> pending;
    /** Tells a run of an earlier start that it no longer counts. */
    private long seq;

    Periodic(Timers timers, Runnable task) {
        this.timers = timers;
        this.task = task;
    }

    /** (Re)starts: the first run one {@code intervalNanos} from now. */
    synchronized void start(long intervalNanos) {
        stop();
        long mine = seq;
        pending = timers.schedule(() -> run(mine, intervalNanos), intervalNanos);
    }

    synchronized void stop() {
        seq++;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void run(long mine, long intervalNanos) {
        synchronized (this) {
            if (mine != seq) {
                return;
            }
        }
        task.run();
        synchronized (this) {
            if (mine == seq) {
                pending = timers.schedule(() -> run(mine, intervalNanos), intervalNanos);
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "Periodic{" + (pending == null ? "stopped" : "running") + '}';
    }
}
