package dev.jlb.health;

import dev.jlb.Backend;
import java.util.concurrent.CompletionStage;

/**
 * A probe: asks one backend whether it is healthy. The bundled probes are built with
 * {@link ActiveHealthCheck#http(String)} (an HTTP request on {@code java.net.http}) and
 * {@link ActiveHealthCheck#tcp()} (a TCP connect); implement this interface to plug your own, and
 * wrap it with {@link ActiveHealthCheck#of(HealthCheck)} to give it an interval, a timeout and
 * rise/fall thresholds.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #check(Backend)} is called on a scheduler thread shared with every other backend's
 *       checks: it must return at once and do its work asynchronously. A probe that blocks delays
 *       the checks of other backends.</li>
 *   <li>Calls for one backend never overlap: jlb calls {@code check} again only after the previous
 *       stage completed or timed out. Calls for different backends run concurrently.</li>
 *   <li>The timeout is enforced by jlb: when the stage has not completed in time the check counts as
 *       failed ({@code "timeout after 1s"}) and jlb tries to cancel the stage through
 *       {@link java.util.concurrent.CompletableFuture#cancel(boolean)}. A probe may enforce it
 *       too.</li>
 *   <li>A stage completed exceptionally counts as a failed check whose reason describes the
 *       exception ({@code connection refused}, {@code connection reset}, ...); so does an exception
 *       thrown by {@code check} itself.</li>
 *   <li>jlb measures the check's response time itself, from the call to the completion, with the
 *       load balancer's {@link dev.jlb.Ticker}.</li>
 * </ul>
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface HealthCheck extends AutoCloseable {

    /**
     * Checks one backend. Must not block.
     *
     * @param backend the backend
     * @return a stage completed with the result; never {@code null}
     */
    CompletionStage<HealthCheckResult> check(Backend backend);

    /**
     * Whether a passed check says the backend <em>answers requests</em>, not merely that it accepts
     * connections: {@code true} for the HTTP probe (it sends a request and judges the answer),
     * {@code false} for the TCP probe (a connect). Only a pass of a probe that returns {@code true}
     * ends an outlier ejection early ({@link OutlierDetection#unejectOnHealthCheckPass()}): a backend
     * ejected for answering 503 still accepts connections, and a TCP pass would bring it back at
     * every check. Default {@code false}; a custom probe that asks the backend what real requests
     * would get (an HTTP or gRPC health endpoint, say) returns {@code true}.
     *
     * @return the boolean
     */
    default boolean checksResponses() {
        return false;
    }

    /**
     * Releases what the probe holds (threads, connections). Called by the load balancer when it
     * stops using the probe: on {@link dev.jlb.LoadBalancer#close()}, or when
     * {@link dev.jlb.LoadBalancer#updateHealthCheck(ActiveHealthCheck)} replaces it with a check that
     * does not use the same probe instance. The bundled
     * probes acquire their resources again on the next {@code check}, so one probe may be shared by
     * several load balancers. Default: nothing to release. Must not throw.
     */
    @Override
    default void close() {
    }
}
