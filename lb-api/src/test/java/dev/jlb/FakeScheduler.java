package dev.jlb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} driven by a {@link FakeTicker}: nothing runs until the test
 * calls {@link #runDue()} or {@link #advance(Duration)}, and then tasks run on the test's thread in
 * time order (ties in submission order), with the ticker set to each task's due time. Public for
 * the engine's tests in {@code dev.jlb.internal}.
 */
public final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final FakeTicker ticker;
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long seq;
    private boolean shutdown;

    public FakeScheduler(FakeTicker ticker) {
        this.ticker = ticker;
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        final long due;
        final long order;

        Task(Callable<V> callable, long due) {
            super(callable);
            this.due = due;
            this.order = seq++;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - ticker.read(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Task<?> that = (Task<?>) other;
            int byTime = Long.compare(due, that.due);
            return byTime != 0 ? byTime : Long.compare(order, that.order);
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            boolean cancelled = super.cancel(mayInterrupt);
            synchronized (FakeScheduler.this) {
                queue.remove(this);
            }
            return cancelled;
        }
    }

    private synchronized <V> Task<V> enqueue(Callable<V> callable, long delayNanos) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        Task<V> task = new Task<>(callable, ticker.read() + Math.max(0, delayNanos));
        queue.add(task);
        return task;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return enqueue(Executors.callable(command), unit.toNanos(delay));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return enqueue(callable, unit.toNanos(delay));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by jlb");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by jlb");
    }

    @Override
    public void execute(Runnable command) {
        enqueue(Executors.callable(command), 0);
    }

    private synchronized Task<?> pollDue(long until) {
        Task<?> head = queue.peek();
        if (head == null || head.due > until) {
            return null;
        }
        return queue.poll();
    }

    /** Runs every task due now, including those that become due while running. Returns how many ran. */
    public int runDue() {
        int ran = 0;
        Task<?> task;
        while ((task = pollDue(ticker.read())) != null) {
            task.run();
            ran++;
        }
        return ran;
    }

    /** Moves time forward by {@code duration}, running each task at its due time, in order. */
    public void advance(Duration duration) {
        long target = ticker.read() + duration.toNanos();
        Task<?> task;
        while ((task = pollDue(target)) != null) {
            if (task.due > ticker.read()) {
                ticker.set(task.due);
            }
            task.run();
        }
        ticker.set(target);
    }

    /** Due times (ticker readings) of the pending tasks, sorted. */
    public synchronized List<Long> pendingDueTimes() {
        List<Long> result = new ArrayList<>();
        for (Task<?> task : queue) {
            result.add(task.due);
        }
        result.sort(null);
        return result;
    }

    public synchronized int pending() {
        return queue.size();
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> dropped = new ArrayList<>(queue);
        queue.clear();
        return dropped;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
