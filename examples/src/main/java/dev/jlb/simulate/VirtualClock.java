package dev.jlb.simulate;

import dev.jlb.Ticker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The simulator's time: a {@link Ticker} that moves only when the next event runs, and the event
 * queue behind it. It is also the load balancer's {@link ScheduledExecutorService}, so health checks,
 * ejection ends and slow-start ramps happen at virtual times, between the simulated requests.
 *
 * <p>Events at the same time run in the order they were scheduled, which (with seeded randomness)
 * makes a run deterministic. Single-threaded: only the thread that calls {@link #runUntil(long)}
 * touches it; the load balancer schedules from inside the events it runs.
 */
final class VirtualClock extends AbstractExecutorService implements Ticker, ScheduledExecutorService {

    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            Comparator.<Event>comparingLong(e -> e.time).thenComparingLong(e -> e.seq));
    private long now;
    private long sequence;
    private boolean shutdown;

    @Override
    public long read() {
        return now;
    }

    /** Runs {@code task} at {@code now + delayNanos} (at once: after the events already due now). */
    Event at(long delayNanos, Runnable task) {
        Event e = new Event(now + Math.max(0, delayNanos), sequence++, task);
        queue.add(e);
        return e;
    }

    /** Runs every event due up to {@code endNanos} in time order, then sets the time to {@code endNanos}. */
    void runUntil(long endNanos) {
        while (!queue.isEmpty() && queue.peek().time <= endNanos) {
            Event e = queue.poll();
            if (e.cancelled) {
                continue;
            }
            now = e.time;
            e.done = true;
            e.task.run();
        }
        now = Math.max(now, endNanos);
    }

    // ---- ScheduledExecutorService: the load balancer's timers ------------------------------------

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new RejectedExecutionException("the simulation is over");
        }
        return at(unit.toNanos(delay), command);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new RejectedExecutionException("the simulator's clock runs Runnable tasks only");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new RejectedExecutionException("the simulator's clock runs one-shot tasks only");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new RejectedExecutionException("the simulator's clock runs one-shot tasks only");
    }

    @Override
    public void execute(Runnable command) {
        at(0, command);
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> pending = new ArrayList<>();
        for (Event e : queue) {
            pending.add(e.task);
        }
        queue.clear();
        return pending;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    /** One scheduled task; cancelling it before it runs removes it from the run. */
    final class Event implements ScheduledFuture<Object> {
        final long time;
        final long seq;
        final Runnable task;
        boolean cancelled;
        boolean done;

        Event(long time, long seq, Runnable task) {
            this.time = time;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(time - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done || cancelled) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
