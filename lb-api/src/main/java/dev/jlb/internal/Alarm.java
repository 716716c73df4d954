package dev.jlb.internal;

import java.util.concurrent.ScheduledFuture;

/**
 * A one-shot timer that keeps the earliest time asked of it: the pool's wake-up for the next
 * ejection end or slow-start step. Thread-safe; {@link #wakeAt} is called under the pool's lock, and
 * the task runs on the health scheduler with no lock held.
 */
final class Alarm {
    private final Timers timers;
    private final Runnable task;
    private ScheduledFuture<?> pending;
    private long at;
    /** Tells a timer that fires after being replaced or cancelled that it no longer counts. */
    private long seq;

    Alarm(Timers timers, Runnable task) {
        this.timers = timers;
        this.task = task;
    }

    /** Makes sure the task runs at {@code at} (ticker time) or earlier; {@code now} is the ticker's reading. */
    synchronized void wakeAt(long at, long now) {
        if (pending != null && this.at - at <= 0) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        long mine = ++seq;
        this.at = at;
        pending = timers.schedule(() -> fire(mine), at - now);
    }

    private void fire(long mine) {
        synchronized (this) {
            if (mine == seq) {
                pending = null;
            }
        }
        task.run();
    }

    synchronized void cancel() {
        seq++;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    @Override
    public synchronized String toString() {
        return "Alarm{" + (pending == null ? "idle" : "at " + at) + '}';
    }
}
