package dev.jlb.internal;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancerStats;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.NoBackendAvailableException.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of a route that no member holds: selections refused, retries exhausted, and what the
 * removed members counted. Only the rare paths count here; {@link #stats} sums the rest from the
 * members.
 *
 * <p>{@link #rejected} and {@link #retryExhausted} are lock-free (request threads). {@link #retire}
 * and {@link #foldRetired} are called under the pool's lock, which guards the removed members.
 */
final class RouteCounters {
    /** Non-retry selections refused, by {@link Reason} ordinal. */
    private final LongAdder[] rejections = new LongAdder[Reason.values().length];
    private final LongAdder retriesExhausted = new LongAdder();
    /** Removed members whose counts are not folded yet (requests may still be in flight). Guarded by the pool's lock. */
    private final List<BackendEntry> retired = new ArrayList<>();
    /** Completed attempts and retries of removed members, folded once idle. Guarded by the pool's lock. */
    private long retiredCompleted;
    private long retiredRetries;
    /** The highest requests total reported: the derived total may lag by the completions under way. */
    private final AtomicLong requestsReported = new AtomicLong();

    RouteCounters() {
        for (int i = 0; i < rejections.length; i++) {
            rejections[i] = new LongAdder();
        }
    }

    /** Counts a non-retry selection refused with {@code e}; returns {@code e} for the caller to throw. */
    NoBackendAvailableException rejected(NoBackendAvailableException e) {
        rejections[e.reason().ordinal()].increment();
        return e;
    }

    void retryExhausted() {
        retriesExhausted.increment();
    }

    /** Keeps counting a removed member until it is idle. Call under the pool's lock. */
    void retire(BackendEntry entry) {
        retired.add(entry);
    }

    /** The removed members' counts at one moment. */
    record Retired(List<BackendEntry> busy, long completed, long retries) {
    }

    /**
     * Folds the removed members with nothing in flight (they can count no more) into the totals, and
     * returns the totals with the members still busy. Call under the pool's lock, together with the
     * copy of the members, so that a member removed meanwhile is counted exactly once.
     */
    Retired foldRetired() {
        for (var it = retired.iterator(); it.hasNext(); ) {
            BackendEntry entry = it.next();
            if (entry.inFlight == 0) {
                retiredCompleted += entry.successes() + entry.failures() + entry.cancelled();
                retiredRetries += entry.retries();
                it.remove();
            }
        }
        return new Retired(new ArrayList<>(retired), retiredCompleted, retiredRetries);
    }

    /** The route's statistics from its members and the removed ones; see {@link LoadBalancerStats}. */
    LoadBalancerStats stats(String name, long now, boolean panic, List<BackendEntry> members, Retired removed) {
        long completed = removed.completed();
        long retries = removed.retries();
        List<BackendStats> backends = new ArrayList<>(members.size());
        int inFlight = 0;
        for (BackendEntry entry : members) {
            DefaultBackendStats stats = new DefaultBackendStats(entry);
            backends.add(stats);
            inFlight += stats.inFlight();
            completed += stats.successes() + stats.failures() + stats.cancelled();
            retries += stats.retries();
        }
        for (BackendEntry entry : removed.busy()) {
            completed += entry.successes() + entry.failures() + entry.cancelled();
            retries += entry.retries();
        }
        long[] refused = new long[rejections.length];
        long refusedTotal = 0;
        for (int i = 0; i < refused.length; i++) {
            refused[i] = rejections[i].sum();
            refusedTotal += refused[i];
        }
        // Completions are read before retries, which are counted before their completion (see
        // BackendEntry): the difference may be low by the retries completing meanwhile, never high,
        // and the high-water mark keeps it from going back.
        long derived = completed - retries + refusedTotal;
        long requests = requestsReported.accumulateAndGet(derived, Math::max);
        return new DefaultLoadBalancerStats(name, now, requests, refused, refusedTotal, retries,
                retriesExhausted.sum(), inFlight, panic, Collections.unmodifiableList(backends));
    }

    @Override
    public String toString() {
        return "RouteCounters{retriesExhausted=" + retriesExhausted.sum() + '}';
    }
}
