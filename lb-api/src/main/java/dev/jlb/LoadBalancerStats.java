package dev.jlb;

import java.util.List;

/**
 * A point-in-time view of one {@link LoadBalancer}'s counters (one route, in the standalone
 * balancer) and of every backend's {@link BackendStats}, from {@link LoadBalancer#stats()}.
 *
 * <p>Every count is a total since the load balancer was built and never goes backwards, including
 * across membership changes: the counts of a removed backend stay in the load balancer's totals.
 * They are kept as plain counters in the backends' state and summed when a snapshot is taken; the
 * request path does no extra work for them. Values are read one after the other without a lock, so
 * under load they may be a few requests apart from each other. Immutable.
 */
public interface LoadBalancerStats {

    /** {@return the load balancer's {@linkplain LoadBalancer#name() name}} */
    String name();

    /**
     * The load balancer's {@link Ticker} reading when the snapshot was taken, in nanoseconds: the
     * time base for rates computed from two snapshots.
     *
     * @return the long
     */
    long nanoTime();

    /**
     * Requests routed: selections that were not retries, counted when they complete, plus
     * selections refused because no backend was available ({@link #noBackend()}). A request retried
     * twice counts once here and twice in {@link #retries()}.
     *
     * @return the long
     */
    long requests();

    /**
     * Selections that were not retries and failed with {@link NoBackendAvailableException}: the
     * requests the adapters answered with 503 because no backend was available.
     *
     * @return the long
     */
    long noBackend();

    /**
     * {@link #noBackend()} for one reason. {@link NoBackendAvailableException.Reason#ALL_EXCLUDED}
     * is always 0: only retries exclude backends, and a retry that finds none left is counted by the
     * adapter's outcome, not here.
     *
     * @param reason the reason
     * @return {@link #noBackend()} for one reason
     */
    long noBackend(NoBackendAvailableException.Reason reason);

    /**
     * Attempts that were retries (selections with exclusions), over every backend, counted when they complete.
     *
     * @return the long
     */
    long retries();

    /**
     * Requests that failed with an outcome their retry policy retries, but had used all their
     * attempts or were refused another by the route's retry budget; reported by adapters through
     * {@link LoadBalancer#recordRetriesExhausted()}.
     *
     * @return the long
     */
    long retriesExhausted();

    /**
     * Attempts in flight now, over every current backend.
     *
     * @return the int
     */
    int inFlight();

    /** {@return whether the pool was in panic (see {@link dev.jlb.health.PanicMode})} */
    boolean inPanic();

    /** {@return every current backend's statistics, in membership order} */
    List<BackendStats> backends();

    /** {@return requests waiting in the route's overload queue now (see {@link OverloadProtection})} */
    default int queued() {
        return 0;
    }

    /** {@return requests that ever entered the route's overload queue} */
    default long queuedTotal() {
        return 0;
    }

    @Override
    String toString();
}
