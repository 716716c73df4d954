package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.Scheduler;

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
    final String via11;
    final String via20;
    /** The sticky-cookie tokens, or null when sticky sessions are off. */
    final StickyTokens sticky;
    /** Whether the retry budget is in force: the policy retries and has a budget. */
    final boolean budgeted;
    /** The route's retry budget (requests and retries of this adapter), shared by its requests. */
    final dev.jlb.RetryBudget budget;
    /** Whether the load balancer has an overload queue: requests then select through it. */
    final boolean queued;

    private volatile HttpClient client;
    private volatile Scheduler scheduler;
    /** The per-attempt timeouts, from {@link #start}. */
    private volatile AttemptTimeouts timeouts;

    ProxyCore(LoadBalancer loadBalancer, ProxyOptions options) {
        this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
        this.queued = loadBalancer.overload().maxQueued() > 0;
        this.options = Objects.requireNonNull(options, "options");
        this.retry = options.retry();
        this.budgeted = retry.retries() && retry.hasBudget();
        this.budget = retry.newRetryBudget();
        this.attemptTimeoutNanos = options.attemptTimeout().toNanos();
        this.totalTimeoutNanos = options.totalTimeout().toNanos();
        this.idleTimeoutMillis = options.idleTimeout().toMillis();
        this.bufferLimit = retry.retries() ? retry.bufferLimitBytes() : 0;
        this.via11 = ProxyHeaders.viaEntry("HTTP/1.1", options.via());
        this.via20 = ProxyHeaders.viaEntry("HTTP/2.0", options.via());
        this.sticky = options.stickyCookie().isEnabled() ? new StickyTokens(options.stickyCookie()) : null;
    }

    void start(HttpClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.scheduler = client.getScheduler();
        this.timeouts = new AttemptTimeouts(scheduler);
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

    Scheduler scheduler() {
        return scheduler;
    }

    AttemptTimeouts timeouts() {
        return timeouts;
    }

    String via(String protocol) {
        if ("HTTP/1.1".equals(protocol)) {
            return via11;
        }
        if ("HTTP/2.0".equals(protocol)) {
            return via20;
        }
        return ProxyHeaders.viaEntry(protocol, options.via());
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public String toString() {
        return "ProxyCore{" + loadBalancer.name() + ", " + options + '}';
    }
}
