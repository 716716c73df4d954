package dev.jlb.internal;

import dev.jlb.RandomSource;
import dev.jlb.Ticker;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheck;
import dev.jlb.health.HealthCheckResult;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one {@link ActiveHealthCheck} against every member: one chain of checks per backend, each
 * check started {@code interval x jitter} after the previous one started and never before it
 * ended, with the timeout enforced by the scheduler. Results go to the {@link Results} it was given;
 * {@link ActiveHealth} decides what they mean.
 *
 * <p>{@link #start}, {@link #stop} and {@link #stopAll} are called under the pool's lock.
 */
final class ActiveChecker {

    /** Where each check's result goes: called on the thread that completed the check, with no lock held. */
    @FunctionalInterface
    interface Results {
        /**
         * @param elapsedNanos the check's response time
         * @param ejectionsAtStart the member's ejection count when the check started: a later ejection
         *     makes the count larger, so an equal count now means the check started after the
         *     current ejection began
         */
        void onResult(Task task, HealthCheckResult result, long elapsedNanos, long ejectionsAtStart);
    }

    private final Results results;
    private final ActiveHealthCheck check;
    private final HealthCheck probe;
    private final Timers timers;
    private final Ticker ticker;
    private final RandomSource random;
    /** Guarded by the pool's lock. */
    private final Map<BackendEntry, Task> tasks = new HashMap<>();

    ActiveChecker(Results results, ActiveHealthCheck check, Timers timers, Ticker ticker, RandomSource random) {
        this.results = results;
        this.check = check;
        this.probe = check.probe().orElseThrow();
        this.timers = timers;
        this.ticker = ticker;
        this.random = random;
    }

    ActiveHealthCheck check() {
        return check;
    }

    HealthCheck probe() {
        return probe;
    }

    /** Starts checking a member: its first check runs at once. */
    void start(BackendEntry entry) {
        Task task = new Task(entry);
        Task old = tasks.put(entry, task);
        if (old != null) {
            old.cancel();
        }
        task.next = timers.schedule(task, 0);
    }

    /** Stops checking a member; a check in flight is forgotten. */
    void stop(BackendEntry entry) {
        Task task = tasks.remove(entry);
        if (task != null) {
            task.cancel();
        }
    }

    /** Stops every chain, and closes the probe unless {@code next} (the replacement, or null) uses the same one. */
    void stopAll(ActiveHealthCheck next) {
        for (Task task : tasks.values()) {
            task.cancel();
        }
        tasks.clear();
        if (next != null && next.probe().orElse(null) == probe) {
            return;
        }
        try {
            probe.close();
        } catch (RuntimeException e) {
            System.getLogger("dev.jlb").log(System.Logger.Level.WARNING, "jlb: closing probe " + probe + " failed", e);
        }
    }

    /** The next interval: {@code interval x (1 + jitter x u)}, u uniform in [-1, 1). */
    long nextIntervalNanos() {
        long base = check.interval().toNanos();
        double jitter = check.jitter();
        if (jitter == 0.0) {
            return base;
        }
        return (long) (base * (1.0 + jitter * (2.0 * random.nextDouble() - 1.0)));
    }

    /** The chain of checks of one backend. */
    final class Task implements Runnable {
        final BackendEntry entry;
        volatile boolean cancelled;
        volatile ScheduledFuture<?> next;

        Task(BackendEntry entry) {
            this.entry = entry;
        }

        ActiveChecker owner() {
            return ActiveChecker.this;
        }

        void cancel() {
            cancelled = true;
            ScheduledFuture<?> pending = next;
            if (pending != null) {
                pending.cancel(false);
            }
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            Attempt attempt = new Attempt(this, ticker.read(), entry.status().ejections());
            CompletionStage<HealthCheckResult> stage;
            try {
                stage = probe.check(entry.backend);
                if (stage == null) {
                    throw new NullPointerException(probe + " returned no stage");
                }
            } catch (RuntimeException e) {
                attempt.finish(HealthCheckResult.unhealthy("probe failed: " + Failures.describe(e)), false);
                return;
            }
            attempt.stage = stage;
            attempt.timeout = timers.schedule(() -> attempt.finish(HealthCheckResult.unhealthy(
                    "timeout after " + Durations.format(check.timeout())), true), check.timeout().toNanos());
            stage.whenComplete((result, failure) -> attempt.finish(failure != null
                    ? HealthCheckResult.unhealthy(describe(failure))
                    : result != null ? result : HealthCheckResult.unhealthy("no result"), false));
        }
    }

    /**
     * The reason for a failed probe. A probe that enforces the same timeout itself (the HTTP probe
     * sets it on its request) races the scheduler's timer; either way the reason reads the same.
     */
    private String describe(Throwable failure) {
        String reason = Failures.describe(failure);
        return reason.equals("timeout") ? "timeout after " + Durations.format(check.timeout()) : reason;
    }

    /** One check: completed once, by its result or by its timeout, whichever comes first. */
    private final class Attempt {
        final Task task;
        final long start;
        /** The backend's ejection count when this check started; see {@link Results#onResult}. */
        final long ejectionsAtStart;
        final AtomicBoolean done = new AtomicBoolean();
        volatile CompletionStage<HealthCheckResult> stage;
        volatile ScheduledFuture<?> timeout;

        Attempt(Task task, long start, long ejectionsAtStart) {
            this.task = task;
            this.start = start;
            this.ejectionsAtStart = ejectionsAtStart;
        }

        void finish(HealthCheckResult result, boolean timedOut) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> timer = timeout;
            if (timer != null) {
                timer.cancel(false);
            }
            if (timedOut) {
                try {
                    stage.toCompletableFuture().cancel(true);
                } catch (UnsupportedOperationException ignored) {
                    // a stage that cannot be cancelled ends by itself; its late result is ignored
                }
            }
            long now = ticker.read();
            results.onResult(task, result, now - start, ejectionsAtStart);
            if (!task.cancelled) {
                task.next = timers.schedule(task, start + nextIntervalNanos() - now);
                if (task.cancelled) {
                    ScheduledFuture<?> pending = task.next;
                    if (pending != null) {
                        pending.cancel(false);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ActiveChecker{" + check + ", backends=" + tasks.size() + '}';
    }
}
