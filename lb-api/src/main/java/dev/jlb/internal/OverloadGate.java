package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.OverloadProtection;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A route's {@link OverloadProtection}: admits picks under the limits and keeps the waiting
 * requests. One per load balancer with limits; its members call {@link #released()} after every
 * completed lease.
 *
 * <p>Thread-safe. Admission is lock-free (a counter for the route, the member's own in-flight
 * count for its limit). The queue is an {@link ArrayDeque} under this object's monitor, held while
 * a completed lease hands its capacity to the head of the queue (a pick), never while calling a
 * waiter back.
 */
final class OverloadGate {

    /** Picks the strategy gets to find a backend under its limit before the first one under it is taken. */
    private static final int REPICKS = 4;

    private final OverloadProtection limits;
    private final int backendMax;
    private final int routeMax;
    private final long timeoutNanos;
    private final Timers timers;
    private final AtomicInteger routeInFlight = new AtomicInteger();
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    /** The queue's length, readable without the monitor. */
    private volatile int waiting;
    private final LongAdder queuedTotal = new LongAdder();
    private DefaultLoadBalancer lb;
    private DefaultPool pool;
    /** The refusals, made once: stackless, their messages fixed by the limits (a full queue answers fast). */
    private final NoBackendAvailableException overloaded;
    private final NoBackendAvailableException timedOut;

    OverloadGate(OverloadProtection limits, Timers timers) {
        this.limits = limits;
        this.backendMax = limits.backendMaxInFlight();
        this.routeMax = limits.maxInFlight();
        this.timeoutNanos = limits.queueTimeout().toNanos();
        this.timers = timers;
        this.overloaded = new NoBackendAvailableException(Reason.OVERLOADED, "service unavailable: overloaded ("
                + describeLimits() + (limits.maxQueued() > 0 ? ", and " + limits.maxQueued() + " requests queued)" : ")"));
        this.timedOut = new NoBackendAvailableException(Reason.QUEUE_TIMEOUT,
                "service unavailable: overloaded, no backend within the queue timeout ("
                        + Durations.format(limits.queueTimeout()) + ")");
    }

    void bind(DefaultLoadBalancer lb, DefaultPool pool) {
        this.lb = lb;
        this.pool = pool;
    }

    OverloadProtection limits() {
        return limits;
    }

    int waiting() {
        return waiting;
    }

    long queuedTotal() {
        return queuedTotal.sum();
    }

    /**
     * Lets an acquired pick through the limits: {@code endpoint} itself, another endpoint of the
     * snapshot under the backend limit (acquired; {@code endpoint} given back), or null when the
     * limits leave none (nothing left acquired). {@code excluded} may be null.
     */
    SnapshotEndpoint admit(SnapshotEndpoint endpoint, Snapshot snapshot, RequestContext context,
            Collection<Backend> excluded, RandomSource random) {
        if (routeMax > 0 && routeInFlight.incrementAndGet() > routeMax) {
            routeInFlight.decrementAndGet();
            endpoint.entry.releaseUnused();
            return null;
        }
        if (backendMax > 0 && endpoint.entry.inFlight > backendMax) {
            endpoint.entry.releaseUnused();
            endpoint = underLimit(snapshot, context, excluded, random);
            if (endpoint == null && routeMax > 0) {
                routeInFlight.decrementAndGet();
            }
        }
        return endpoint;
    }

    private SnapshotEndpoint underLimit(Snapshot snapshot, RequestContext context, Collection<Backend> excluded,
            RandomSource random) {
        Strategy.Picker picker = snapshot.picker;
        for (int i = 0; i < REPICKS && picker != null; i++) {
            SnapshotEndpoint candidate = (SnapshotEndpoint) picker.pick(context);
            if (candidate.entry.inFlight <= backendMax
                    && (excluded == null || !excluded.contains(candidate.backend))) {
                return candidate;
            }
            candidate.entry.releaseUnused();
        }
        List<SnapshotEndpoint> endpoints = snapshot.endpoints;
        int n = endpoints.size();
        int start = n == 0 ? 0 : random.nextInt(n);
        for (int i = 0; i < n; i++) {
            SnapshotEndpoint candidate = endpoints.get((start + i) % n);
            if (excluded != null && excluded.contains(candidate.backend)) {
                continue;
            }
            for (int count = candidate.entry.inFlight; count < backendMax; count = candidate.entry.inFlight) {
                if (candidate.entry.tryAcquire(count)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** Why the limits refused a request, for its 503. */
    NoBackendAvailableException overloaded() {
        return overloaded;
    }

    private String describeLimits() {
        StringBuilder sb = new StringBuilder();
        if (backendMax > 0) {
            sb.append("every backend at max_in_flight ").append(backendMax);
        }
        if (routeMax > 0) {
            sb.append(sb.length() == 0 ? "" : " or ").append("the route at max_in_flight ").append(routeMax);
        }
        return sb.toString();
    }

    /** A lease of an admitted pick completed: the route has room again, and the queue's head may go. */
    void released() {
        if (routeMax > 0) {
            routeInFlight.decrementAndGet();
        }
        if (waiting != 0) {
            drain();
        }
    }

    /** {@link LoadBalancer#selectOrWait}: a lease now, or a place in the queue. */
    void selectOrWait(RequestContext context, Backend preferred, LoadBalancer.Waiter waiter) {
        if (waiting == 0) {
            Selection selection = null;
            try {
                selection = lb.leaseOrNull(context, preferred);
            } catch (NoBackendAvailableException e) {
                waiter.refused(e);
                return;
            }
            if (selection != null) {
                waiter.selected(selection);
                return;
            }
        }
        Waiting w = new Waiting(context, preferred, waiter);
        synchronized (this) {
            if (queue.size() >= limits.maxQueued()) {
                w = null;
            } else {
                queue.add(w);
                waiting = queue.size();
            }
        }
        if (w == null) {
            waiter.refused(pool.rejected(overloaded()));
            return;
        }
        queuedTotal.increment();
        Waiting queued = w;
        w.timer = timers.schedule(() -> expire(queued), timeoutNanos);
        // A lease may have completed between the refusal and the enqueue, with nobody to wake.
        drain();
    }

    private void expire(Waiting w) {
        boolean removed;
        synchronized (this) {
            removed = queue.remove(w);
            waiting = queue.size();
        }
        if (removed) {
            w.waiter.refused(pool.rejected(timedOut));
        }
    }

    /** Serves the queue in order while the limits let picks through. */
    private void drain() {
        List<Object> ready = null;
        synchronized (this) {
            while (!queue.isEmpty()) {
                Waiting head = queue.peek();
                Object outcome;
                try {
                    outcome = lb.leaseOrNull(head.context, head.preferred);
                } catch (NoBackendAvailableException e) {
                    outcome = e;
                }
                if (outcome == null) {
                    break;
                }
                queue.poll();
                if (ready == null) {
                    ready = new ArrayList<>(2);
                }
                ready.add(head);
                ready.add(outcome);
            }
            waiting = queue.size();
        }
        if (ready == null) {
            return;
        }
        for (int i = 0; i < ready.size(); i += 2) {
            Waiting w = (Waiting) ready.get(i);
            ScheduledFuture<?> timer = w.timer;
            if (timer != null) {
                timer.cancel(false);
            }
            Object outcome = ready.get(i + 1);
            if (outcome instanceof Selection) {
                w.waiter.selected((Selection) outcome);
            } else {
                w.waiter.refused((NoBackendAvailableException) outcome);
            }
        }
    }

    private static final class Waiting {
        final RequestContext context;
        final Backend preferred;
        final LoadBalancer.Waiter waiter;
        /** Set right after the enqueue; a drain before that finds it null and the timer's expire finds nothing. */
        volatile ScheduledFuture<?> timer;

        Waiting(RequestContext context, Backend preferred, LoadBalancer.Waiter waiter) {
            this.context = context;
            this.preferred = preferred;
            this.waiter = waiter;
        }
    }

    @Override
    public String toString() {
        return "OverloadGate{" + limits + ", inFlight=" + routeInFlight.get() + ", waiting=" + waiting + '}';
    }
}
