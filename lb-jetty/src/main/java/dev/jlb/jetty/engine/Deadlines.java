package dev.jlb.jetty.engine;

import dev.jlb.Ticker;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The engine's timeouts (attempt, connect, total): the entries waiting for a deadline and one timer
 * set for the earliest of them, re-armed only when a new deadline comes before the one it is set
 * for. A timer task per request would be a {@code ScheduledThreadPoolExecutor} entry scheduled and
 * cancelled under one lock on every request. Time is read from an injected {@link Ticker}, so tests
 * drive it with a fake ticker and a manual scheduler. Thread-safe.
 */
final class Deadlines {

    /** Something that expires: {@link #deadline()} in ticker nanoseconds, {@code Long.MAX_VALUE} for never. */
    interface Entry {
        long deadline();

        /** Called once the deadline passed (on the scheduler's thread); the entry is no longer watched. */
        void expire();
    }

    private final Scheduler scheduler;
    private final Ticker ticker;
    private final Set<Entry> waiting = ConcurrentHashMap.newKeySet();
    /** The deadline the timer is set for, {@code Long.MAX_VALUE} for none. */
    private final AtomicLong armed = new AtomicLong(Long.MAX_VALUE);

    Deadlines(Scheduler scheduler, Ticker ticker) {
        this.scheduler = scheduler;
        this.ticker = ticker;
    }

    Ticker ticker() {
        return ticker;
    }

    long now() {
        return ticker.read();
    }

    void add(Entry entry) {
        waiting.add(entry);
        arm(entry.deadline());
    }

    void remove(Entry entry) {
        waiting.remove(entry);
    }

    int size() {
        return waiting.size();
    }

    private void arm(long deadline) {
        while (true) {
            long current = armed.get();
            if (deadline >= current) {
                return;
            }
            if (armed.compareAndSet(current, deadline)) {
                long delay = Math.max(0, deadline - ticker.read());
                scheduler.schedule(this::fire, delay, TimeUnit.NANOSECONDS);
                return;
            }
        }
    }

    private void fire() {
        armed.set(Long.MAX_VALUE);
        long now = ticker.read();
        long next = Long.MAX_VALUE;
        for (Entry e : waiting) {
            long d = e.deadline();
            if (d <= now) {
                if (waiting.remove(e)) {
                    try {
                        e.expire();
                    } catch (Throwable x) {
                        // an entry's failure must not stop the others from expiring
                    }
                }
            } else if (d < next) {
                next = d;
            }
        }
        if (next != Long.MAX_VALUE) {
            arm(next);
        }
    }
}
