package dev.jlb.testing;

import dev.jlb.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A Jetty {@link Scheduler} and a {@link Ticker} that move only when a test says so: {@link #advance}
 * moves the time and runs, on the test's thread, the tasks that are then due, in time order.
 */
public final class ManualScheduler extends AbstractLifeCycle implements Scheduler, Ticker {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    /** Guarded by this. */
    private final List<Pending> pending = new ArrayList<>();
    private long order;

    private final class Pending implements Task {
        final Runnable task;
        final long due;
        final long seq;
        boolean cancelled;

        Pending(Runnable task, long due, long seq) {
            this.task = task;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public boolean cancel() {
            synchronized (ManualScheduler.this) {
                boolean was = pending.remove(this);
                cancelled = true;
                return was;
            }
        }
    }

    @Override
    public long read() {
        return nanos.get();
    }

    @Override
    public synchronized Task schedule(Runnable task, long delay, TimeUnit unit) {
        Pending p = new Pending(task, nanos.get() + Math.max(0, unit.toNanos(delay)), order++);
        pending.add(p);
        return p;
    }

    /** Tasks scheduled and not yet run or cancelled. */
    public synchronized int pending() {
        return pending.size();
    }

    /** Moves the time forward, running every task due by then at its due time. */
    public void advance(Duration duration) {
        long target = nanos.get() + duration.toNanos();
        while (true) {
            Pending next;
            synchronized (this) {
                next = pending.stream().filter(p -> p.due <= target)
                        .min((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq))
                        .orElse(null);
                if (next == null) {
                    break;
                }
                pending.remove(next);
                nanos.set(Math.max(nanos.get(), next.due));
            }
            next.task.run();
        }
        nanos.set(Math.max(nanos.get(), target));
    }
}
