package dev.jlb;

import dev.jlb.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits that keep a route's backends from being overloaded, as Envoy's circuit breakers and
 * HAProxy's {@code maxconn} with its queue do: at most {@link #backendMaxInFlight()} requests in
 * flight to any one backend, at most {@link #maxInFlight()} to the whole route, and, when the limits
 * leave no backend, a bounded first-in first-out queue of {@link #maxQueued()} requests that wait
 * up to {@link #queueTimeout()} for a lease to complete. A request that finds the queue full (or no
 * queue) is refused at once with {@link NoBackendAvailableException.Reason#OVERLOADED}; one that
 * waits too long with {@link NoBackendAvailableException.Reason#QUEUE_TIMEOUT}. The proxy adapters
 * answer both with a 503 and the reason.
 *
 * <p>A backend at its limit is not eligible for the pick: the strategy's choice is kept when it is
 * under the limit, otherwise the strategy picks again a few times, then the first backend under the
 * limit is taken. Waiting requests are served in arrival order, each when a lease completes, on the
 * thread that completed it; a request that arrives while others wait queues behind them.
 *
 * <p>Off by default ({@link #disabled()}: no limit, no queue). Immutable and thread-safe.
 */
public final class OverloadProtection {

    /** The default longest wait in the queue. */
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(1);

    private static final OverloadProtection DISABLED = new OverloadProtection(0, 0, 0, DEFAULT_QUEUE_TIMEOUT);

    private final int backendMaxInFlight;
    private final int maxInFlight;
    private final int maxQueued;
    private final Duration queueTimeout;

    private OverloadProtection(int backendMaxInFlight, int maxInFlight, int maxQueued, Duration queueTimeout) {
        this.backendMaxInFlight = backendMaxInFlight;
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
        this.queueTimeout = queueTimeout;
    }

    /** {@return no limits and no queue: the load balancer's default} */
    public static OverloadProtection disabled() {
        return DISABLED;
    }

    /** {@return a new builder: no limits, no queue} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return whether any limit is set} */
    public boolean isEnabled() {
        return backendMaxInFlight > 0 || maxInFlight > 0;
    }

    /** {@return the most requests in flight to one backend; 0 for no limit} */
    public int backendMaxInFlight() {
        return backendMaxInFlight;
    }

    /** {@return the most requests in flight to the whole route (attempts, across its backends); 0 for no limit} */
    public int maxInFlight() {
        return maxInFlight;
    }

    /**
     * {@return the most requests waiting for a lease; 0: none waits, a request the limits refuse gets a 503 at once}
     */
    public int maxQueued() {
        return maxQueued;
    }

    /** {@return the longest a request waits in the queue} */
    public Duration queueTimeout() {
        return queueTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OverloadProtection && ((OverloadProtection) o).backendMaxInFlight == backendMaxInFlight
                && ((OverloadProtection) o).maxInFlight == maxInFlight && ((OverloadProtection) o).maxQueued == maxQueued
                && ((OverloadProtection) o).queueTimeout.equals(queueTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(backendMaxInFlight, maxInFlight, maxQueued, queueTimeout);
    }

    @Override
    public String toString() {
        return !isEnabled() ? "OverloadProtection{disabled}"
                : "OverloadProtection{backendMaxInFlight=" + backendMaxInFlight + ", maxInFlight=" + maxInFlight
                        + ", maxQueued=" + maxQueued + ", queueTimeout=" + Durations.format(queueTimeout) + '}';
    }

    /** Builds {@link OverloadProtection}; every limit defaults to 0 (none), the timeout to 1s. */
    public static final class Builder {
        private int backendMaxInFlight;
        private int maxInFlight;
        private int maxQueued;
        private Duration queueTimeout = DEFAULT_QUEUE_TIMEOUT;

        private Builder() {
        }

        /**
         * At most this many requests in flight to each backend; 0 for no limit.
         *
         * @param backendMaxInFlight the backend max in flight
         * @return this builder
         */
        public Builder backendMaxInFlight(int backendMaxInFlight) {
            this.backendMaxInFlight = nonNegative("backend_max_in_flight", backendMaxInFlight);
            return this;
        }

        /**
         * At most this many requests in flight to the route; 0 for no limit.
         *
         * @param maxInFlight the max in flight
         * @return this builder
         */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = nonNegative("max_in_flight", maxInFlight);
            return this;
        }

        /**
         * At most this many requests waiting for a lease; 0 for no queue.
         *
         * @param maxQueued the max queued
         * @return this builder
         */
        public Builder maxQueued(int maxQueued) {
            this.maxQueued = nonNegative("max_queued", maxQueued);
            return this;
        }

        /**
         * The longest wait in the queue, {@code > 0} (default 1s).
         *
         * @param queueTimeout the queue timeout
         * @return this builder
         */
        public Builder queueTimeout(Duration queueTimeout) {
            this.queueTimeout = Durations.requirePositive(queueTimeout, "queue_timeout");
            return this;
        }

        private static int nonNegative(String name, int value) {
            if (value < 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
            }
            return value;
        }

        /**
         *
         * @return the overload protection
         * @throws IllegalArgumentException {@code max_queued: <n> (expected: 0 without a limit ...)}
         * when a queue is asked for without any limit that could fill it
         */
        public OverloadProtection build() {
            if (maxQueued > 0 && backendMaxInFlight == 0 && maxInFlight == 0) {
                throw new IllegalArgumentException("max_queued: " + maxQueued
                        + " (expected: 0 unless max_in_flight or backend_max_in_flight is set)");
            }
            return backendMaxInFlight == 0 && maxInFlight == 0 ? DISABLED
                    : new OverloadProtection(backendMaxInFlight, maxInFlight, maxQueued, queueTimeout);
        }
    }
}
