package dev.jlb.internal;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The health scheduler of one load balancer: a user-supplied {@link ScheduledExecutorService}
 * (shared, never shut down here) or one daemon thread created on first use and stopped by
 * {@link #close()}. Every task is guarded: an exception is logged, never lost silently, and never
 * kills the thread.
 */
final class Timers {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    private final String name;
    private final ScheduledExecutorService supplied;
    private ScheduledExecutorService owned;
    private boolean closed;

    Timers(String name, ScheduledExecutorService supplied) {
        this.name = name;
        this.supplied = supplied;
    }

    private synchronized ScheduledExecutorService executor() {
        if (closed) {
            return null;
        }
        if (supplied != null) {
            return supplied;
        }
        if (owned == null) {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "jlb-health-" + name);
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            owned = executor;
        }
        return owned;
    }

    /** Runs {@code task} after {@code delayNanos} (at once when {@code <= 0}); null once closed. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        ScheduledExecutorService executor = executor();
        if (executor == null) {
            return null;
        }
        try {
            return executor.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.WARNING, "jlb[" + name + "]: a health task failed", e);
                }
            }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "jlb[" + name + "]: the health scheduler rejected a task: " + e);
            return null;
        }
    }

    /** Stops the owned thread; a supplied executor is left running. */
    void close() {
        ScheduledExecutorService toStop;
        synchronized (this) {
            closed = true;
            toStop = owned;
        }
        if (toStop != null) {
            toStop.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "Timers{" + name + (supplied != null ? ", supplied" : "") + '}';
    }
}
