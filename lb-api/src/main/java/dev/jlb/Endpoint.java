package dev.jlb;

/**
 * A backend as a {@link Strategy} sees it in one membership snapshot: the backend, its effective
 * weight in that snapshot, and its live in-flight count.
 *
 * <p>The in-flight count is shared by every snapshot (it lives with the backend, not with the
 * snapshot), so rebuilding a snapshot never resets it. It rises when a picker acquires the endpoint
 * and falls exactly once when the request's {@link Selection} completes.
 *
 * <p>Endpoints are created by jlb; strategies never implement this interface. All methods are
 * thread-safe, lock-free and allocation-free.
 */
public interface Endpoint {

    /** {@return the backend, with its configured weight} */
    Backend backend();

    /**
     * The effective weight in this snapshot, always {@code >= 1}: the configured weight, reduced
     * while the backend ramps up after slow start or is degraded by response-time health. Only
     * ratios between the endpoints of one snapshot mean anything: while any endpoint has a reduced
     * weight, jlb expresses every weight of the snapshot in hundredths ({@code configured x 100 x
     * factor}), so a weight is at most {@code Backend.MAX_WEIGHT x 100} (1,000,000); sum weights in a
     * {@code long}.
     *
     * @return the int
     */
    int weight();

    /** {@return the number of requests currently in flight to this backend, across all snapshots} */
    int inFlight();

    /** Increments the in-flight count unconditionally. Each acquire is matched by one release. */
    void acquire();

    /**
     * Increments the in-flight count only if it still equals {@code expected}, in one atomic step;
     * returns whether it did. Least-loaded strategies use it so that a pick and its increment are one
     * step and a burst of concurrent picks spreads over the backends instead of piling onto one.
     *
     * @param expected the expected
     * @return the boolean
     */
    boolean tryAcquire(int expected);

    /** {@return the position of this endpoint in the snapshot list given to the strategy} */
    int index();

    /**
     * The tracker the snapshot's strategy made for this backend with
     * {@link Strategy#newTracker(Backend)}, or {@code null} when it made none. The same object in
     * every snapshot while the strategy stays the same.
     *
     * @return the strategy.tracker
     */
    default Strategy.Tracker tracker() {
        return null;
    }
}
