package dev.jlb.standalone;

import dev.jlb.Ticker;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines of the client connections that are waiting for a request's headers, with one
 * scheduler task for all of them: a connection is {@linkplain #watch watched} when a request starts
 * (its first byte, or the accept for a connection's first request) and {@linkplain #unwatch
 * unwatched} when the headers are complete; one that is still watched at its deadline is told so
 * ({@link Watched#onHeaderTimeout()}, on the scheduler's thread).
 *
 * <p>Whether a request's headers or its deadline came first is decided by one atomic removal from
 * the map of deadlines: {@link #unwatch} returns false when the deadline won, and the deadline's
 * callback runs only when the headers had not come.
 *
 * <p>Expiries are checked at most every {@link #granularity()} (a tenth of the timeout, at most
 * 100 ms): under a slow-header attack each check visits every waiting connection, so checks are
 * batched rather than run once per connection. Time comes from the injected {@link Ticker}.
 * Thread-safe.
 */
final class HeaderTimeouts {

    /** A connection that can wait for headers. */
    interface Watched {
        /** Its deadline passed before the headers came; called once, on the scheduler's thread. */
        void onHeaderTimeout();
    }

    private static final Logger LOG = LoggerFactory.getLogger("jlb");
    private static final long MAX_GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final long timeoutNanos;
    private final long granularityNanos;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Map<Watched, Long> deadlines = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** When the pending check runs, or Long.MAX_VALUE when none is pending; written under lock. */
    private volatile long checkAt = Long.MAX_VALUE;
    /** Guarded by lock. */
    private Scheduler.Task check;
    /** Counts the checks scheduled, so that one cancelled too late does nothing. Guarded by lock. */
    private long generation;

    HeaderTimeouts(Duration timeout, Ticker ticker, Scheduler scheduler) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.timeoutNanos = timeout.toNanos();
        this.granularityNanos = Math.max(1, Math.min(MAX_GRANULARITY_NANOS, timeoutNanos / 10));
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    Duration timeout() {
        return Duration.ofNanos(timeoutNanos);
    }

    Duration granularity() {
        return Duration.ofNanos(granularityNanos);
    }

    /** Starts the clock of {@code connection}: its headers are due within the timeout from now. */
    void watch(Watched connection) {
        long deadline = ticker.read() + timeoutNanos;
        deadlines.put(connection, deadline);
        if (checkAt == Long.MAX_VALUE) {
            synchronized (lock) {
                if (checkAt == Long.MAX_VALUE) {
                    schedule(deadline);
                }
            }
        }
    }

    /**
     * Stops the clock of a watched {@code connection}.
     *
     * @return true when its headers came first; false when its deadline did (its
     *     {@link Watched#onHeaderTimeout()} runs or ran)
     */
    boolean unwatch(Watched connection) {
        return deadlines.remove(connection) != null;
    }

    /** Whether {@code connection} is watched (tests). */
    boolean isWatched(Watched connection) {
        return deadlines.containsKey(connection);
    }

    /** How many connections are waiting for headers. */
    int size() {
        return deadlines.size();
    }

    /** Runs {@code task} after {@code delay} on the scheduler (a connection's lingering close). */
    void later(Runnable task, Duration delay) {
        scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Schedules the check at {@code at} (or one granularity from now if that is later). Holds lock. */
    private void schedule(long at) {
        if (check != null) {
            check.cancel();
        }
        long now = ticker.read();
        long when = Math.max(at, now + granularityNanos);
        long mine = ++generation;
        checkAt = when;
        check = scheduler.schedule(() -> check(mine), when - now, TimeUnit.NANOSECONDS);
    }

    private void check(long scheduled) {
        synchronized (lock) {
            if (scheduled != generation) {
                return; // replaced by another check
            }
            checkAt = Long.MAX_VALUE;
            check = null;
        }
        long now = ticker.read();
        long next = Long.MAX_VALUE;
        for (Map.Entry<Watched, Long> e : deadlines.entrySet()) {
            long deadline = e.getValue();
            if (deadline - now <= 0) {
                if (deadlines.remove(e.getKey(), deadline)) {
                    try {
                        e.getKey().onHeaderTimeout();
                    } catch (RuntimeException x) {
                        LOG.warn("closing a connection after its header timeout failed", x);
                    }
                }
            } else if (deadline < next) {
                next = deadline;
            }
        }
        if (next != Long.MAX_VALUE) {
            synchronized (lock) {
                if (next < checkAt) {
                    schedule(next);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "HeaderTimeouts{timeout=" + timeout() + ", waiting=" + deadlines.size() + '}';
    }
}
