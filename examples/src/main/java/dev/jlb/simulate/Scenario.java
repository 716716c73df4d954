package dev.jlb.simulate;

import dev.jlb.jetty.config.RouteConfig;
import java.util.List;
import java.util.Objects;

/**
 * What {@code jlb simulate} runs: one route as the configuration file gives it (strategy, health,
 * ejection, retries and their budget, timeouts), modelled backends in the route's order, the load and
 * the changes over time. Immutable; read by {@link ScenarioReader}.
 *
 * @param seed the seed of every random draw (the same seed gives the same numbers)
 * @param durationNanos simulated time
 * @param stepNanos the width of one row of the time series (CSV, plot)
 * @param load how requests arrive
 * @param overheadNanos added to every attempt: the balancer's and the network's own time
 * @param method the request method (retries of non-idempotent methods follow the route's policy)
 * @param keys how many distinct paths the requests spread over, uniformly ({@code /k/0} ...), for hash
 *     strategies keyed by the path; 0: every request is {@code GET /}
 * @param backends one model per backend of the route, in the route's order
 * @param changes model changes at given times, in time order
 * @param route the route, as the configuration file reads it
 */
record Scenario(long seed, long durationNanos, long stepNanos, Load load, long overheadNanos, String method, int keys,
        List<BackendModel> backends, List<Change> changes, RouteConfig route) {

    Scenario {
        Objects.requireNonNull(load, "load");
        backends = List.copyOf(backends);
        changes = List.copyOf(changes);
        Objects.requireNonNull(route, "route");
    }

    /**
     * How requests arrive: {@code connections} clients that each send the next request when the last
     * one is answered (and {@code thinkNanos} have passed), as wrk does; or an open stream of
     * {@code rate} requests per second with exponential gaps (Poisson arrivals), whatever the answers.
     */
    /** The same scenario with {@code route} instead (another strategy, say). */
    Scenario withRoute(RouteConfig other) {
        return new Scenario(seed, durationNanos, stepNanos, load, overheadNanos, method, keys, backends, changes, other);
    }

    record Load(int connections, double rate, long thinkNanos) {
        boolean closed() {
            return connections > 0;
        }
    }

    /**
     * One modelled backend.
     *
     * @param latency how long an answer takes once the backend serves it
     * @param errors the share of answers that are {@code errorStatus} (in [0, 1])
     * @param errorStatus the status of a failed answer
     * @param capacity requests served at once; more wait in the backend's queue (0: unlimited)
     * @param down connections are refused
     * @param hang connections are accepted and never answered
     */
    record BackendModel(LatencyModel latency, double errors, int errorStatus, int capacity, boolean down,
            boolean hang) {

        BackendModel with(Change c) {
            return new BackendModel(c.latency() != null ? c.latency() : latency,
                    c.errors() != null ? c.errors() : errors, errorStatus,
                    c.capacity() != null ? c.capacity() : capacity, c.down() != null ? c.down() : down,
                    c.hang() != null ? c.hang() : hang);
        }

        String describe() {
            StringBuilder b = new StringBuilder("latency ").append(latency);
            if (errors > 0) {
                b.append(", ").append(Math.round(errors * 1000) / 10.0).append("% ").append(errorStatus);
            }
            if (capacity > 0) {
                b.append(", capacity ").append(capacity);
            }
            if (down) {
                b.append(", down");
            }
            if (hang) {
                b.append(", hangs");
            }
            return b.toString();
        }
    }

    /** A change of one backend's model at {@code atNanos}; null fields keep their value. */
    record Change(long atNanos, int backend, LatencyModel latency, Double errors, Integer capacity, Boolean down,
            Boolean hang) {
    }
}
