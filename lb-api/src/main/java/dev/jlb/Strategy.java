package dev.jlb;

import java.util.List;

/**
 * Picks one backend per request from an immutable snapshot of eligible backends.
 *
 * <p>A strategy has one job. Membership, health, draining and ejection are decided before it runs:
 * it only ever sees eligible endpoints, each with an effective weight {@code >= 1}.
 *
 * <p>Expensive per-membership work (a weighted schedule, a hash ring) belongs in
 * {@link #newPicker(List, RandomSource)}, which jlb calls once each time it publishes a new
 * snapshot (under its writer lock, never on the request path). The returned {@link Picker} is then
 * used by all request threads at once.
 *
 * <p>Strategies are thread-safe and may be shared between load balancers. Obtain the bundled ones
 * from {@code dev.jlb.strategy.Strategies} (module {@code lb-strategies}) or by name through
 * {@link StrategyRegistry}.
 */
public interface Strategy {

    /** {@return the registered name, such as {@code round-robin}; used in logs and configuration files} */
    String name();

    /**
     * Prepares a picker for one snapshot.
     *
     * @param endpoints the eligible endpoints, never empty, immutable; {@code endpoints.get(i).index() == i}
     * @param random the randomness to use for start positions, tie breaks and random picks
     * @return the picker
     */
    Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random);

    /**
     * The long-lived state this strategy keeps about {@code backend}, or {@code null} (the default)
     * for a strategy that reads nothing but weights and in-flight counts. jlb calls it under its
     * writer lock, once per pool member whenever the pool's strategy becomes this one (before the
     * first {@link #newPicker} that sees the member), keeps the tracker with the member across
     * every later snapshot, feeds it the member's outcomes and hands it to pickers as
     * {@link Endpoint#tracker()}.
     *
     * @param backend the backend
     * @return the tracker
     */
    default Tracker newTracker(Backend backend) {
        return null;
    }

    /**
     * This strategy on the load balancer's clock. jlb calls it with the load balancer's
     * {@link LoadBalancer.Builder#ticker(Ticker) ticker} when the load balancer is built and on every
     * {@link LoadBalancer#updateStrategy(Strategy)}, under its writer lock, and uses the strategy it
     * returns. A strategy that reads a clock on the system ticker (peak EWMA's averages) returns a copy
     * that reads {@code ticker} instead, so that a fake ticker in a test and the simulator's virtual
     * clock govern the strategy's time as they govern health checks and ejection; a strategy given a
     * ticker of its own keeps it. The default, for strategies that read no clock, returns this.
     *
     * @param ticker the load balancer's ticker
     * @return the strategy to use, this one or a copy on {@code ticker}
     */
    default Strategy withTicker(Ticker ticker) {
        return this;
    }

    /**
     * What a strategy learns about one backend from its requests (a latency average, a position
     * in an index of loads). Called on the request path, by any thread, concurrently: every method
     * must be thread-safe, lock-free or holding a lock only briefly, must not block and should not
     * allocate.
     */
    interface Tracker {

        /**
         * The backend's in-flight count changed (an acquire or a release; read the new value from
         * the endpoint). Called after every change, by the thread that made it.
         */
        default void inFlightChanged() {
        }

        /**
         * An attempt on the backend completed (not called for cancelled attempts).
         *
         * @param latencyNanos the time to the response headers as the caller reported it, or
         *     {@code -1} when there is none (a connect failure, a reset)
         * @param failure whether the attempt failed: a connect failure, a timeout, a reset, or a
         *     5xx response (also when the caller did not treat it as a failure)
         */
        default void completed(long latencyNanos, boolean failure) {
        }
    }

    /**
     * Picks from one snapshot. Thread-safe, lock-free, and allocation-free: it runs on every request.
     *
     * <p>A picker may describe its pick when the request asks for it: when
     * {@link RequestContext#explanation()} is not null, it fills that {@link Explanation} with the
     * candidates it compared and their scores (this path may allocate). The bundled strategies do.
     */
    @FunctionalInterface
    interface Picker {

        /**
         * Picks one of the snapshot's endpoints <em>and acquires it</em>: before returning, the
         * picker increments the chosen endpoint's in-flight count exactly once, with
         * {@link Endpoint#acquire()} or a successful {@link Endpoint#tryAcquire(int)}. jlb releases
         * it exactly once when the request's {@link Selection} completes.
         *
         * @param context the context
         * @return one of the endpoints given to {@link Strategy#newPicker}, never {@code null}
         */
        Endpoint pick(RequestContext context);
    }
}
