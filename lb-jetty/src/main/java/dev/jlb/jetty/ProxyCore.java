package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.jetty.internal.DecisionLog;
import dev.jlb.jetty.internal.Retries;
import java.util.Objects;
import org.eclipse.jetty.client.HttpClient;

/**
 * What every exchange of one adapter shares: the load balancer, the options in the units the
 * request path needs, and the {@link HttpClient} once started. Immutable after {@link #start}.
 */
final class ProxyCore {

    final LoadBalancer loadBalancer;
    final ProxyOptions options;
    final RetryPolicy retry;
    final long attemptTimeoutNanos;
    final long totalTimeoutNanos;
    final long idleTimeoutMillis;
    /** Bytes of request body kept for replay: 0 when this policy never retries. */
    final int bufferLimit;
    /** The header rules of this adapter. */
    final HeaderRewriter headers;
    /** The sticky-cookie tokens, or null when sticky sessions are off. */
    final StickyTokens sticky;
    /** The retry rules and the retry budget (requests and retries of this adapter), shared by its requests. */
    final Retries.Route retries;
    /** Whether the load balancer has an overload queue: requests then select through it. */
    final boolean queued;
    /** When a hedge goes, or null when the policy does not hedge. */
    final HedgeDelay hedgeDelay;
    /** Where explained decisions are kept, or null when none are (explanations off, or a history of 0). */
    final DecisionLog decisions;

    private volatile HttpClient client;
    /** The per-attempt timeouts, from {@link #start}. */
    private volatile AttemptTimeouts timeouts;

    ProxyCore(LoadBalancer loadBalancer, ProxyOptions options) {
        this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
        this.queued = loadBalancer.overload().maxQueued() > 0;
        this.options = Objects.requireNonNull(options, "options");
        this.retry = options.retry();
        this.attemptTimeoutNanos = options.attemptTimeout().toNanos();
        this.totalTimeoutNanos = options.totalTimeout().toNanos();
        this.retries = new Retries.Route(loadBalancer, retry, totalTimeoutNanos);
        this.idleTimeoutMillis = options.idleTimeout().toMillis();
        this.bufferLimit = retry.retries() ? retry.bufferLimitBytes() : 0;
        this.sticky = options.stickyCookie().isEnabled() ? new StickyTokens(options.stickyCookie()) : null;
        this.headers = new HeaderRewriter(options, sticky);
        this.hedgeDelay = retry.hedges() ? new HedgeDelay(loadBalancer, retry) : null;
        ExplainOptions explain = options.explain();
        this.decisions = explain.enabled() && explain.history() > 0
                ? DecisionLog.of(loadBalancer, explain.history()) : null;
    }

    void start(HttpClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.timeouts = new AttemptTimeouts(client.getScheduler());
        if (sticky != null) {
            sticky.start(loadBalancer.pool());
        }
    }

    /** Stops what {@link #start} started apart from the client (the adapter owns it). */
    void stop() {
        if (sticky != null) {
            sticky.stop();
        }
        AttemptTimeouts t = timeouts;
        if (t != null) {
            t.destroy();
        }
    }

    HttpClient client() {
        return client;
    }

    AttemptTimeouts timeouts() {
        return timeouts;
    }

    @Override
    public String toString() {
        return "ProxyCore{" + loadBalancer.name() + ", " + options + '}';
    }
}
