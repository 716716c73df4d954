package dev.jlb.jetty.engine;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyHeaders;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.StickyTokens;
import dev.jlb.jetty.internal.Retries;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One route of an {@link HttpEngine}: the requests whose path falls under {@link ProxyOptions#prefix()}
 * go to its {@link LoadBalancer} with its options (retries, timeouts, headers, prefix stripping,
 * sticky cookies, listener), as with a {@code LoadBalancingHandler} on the same options.
 *
 * <p>A route counts its requests in flight: {@link #shutdown()} stops it taking new ones (the engine
 * looks the request up again in its current routes) and completes when the last one ended, so that
 * a hot reload can replace a route without dropping a request. Thread-safe.
 */
public final class EngineRoute {

    final LoadBalancer loadBalancer;
    final ProxyOptions options;
    final String prefix;
    final RetryPolicy retry;
    final long attemptTimeoutNanos;
    final long connectTimeoutNanos;
    final long idleTimeoutMillis;
    final int bufferLimit;
    final String via11;
    final String via10;
    final StickyTokens sticky;
    /** Whether the load balancer has an overload queue: requests then select through it. */
    final boolean queued;
    /** The retry rules and the retry budget, shared by the route's requests. */
    final Retries.Route retries;
    final byte[] requestIdHeader;
    /** The request header that asks for an explained decision (see {@link dev.jlb.jetty.ExplainOptions}). */
    static final String EXPLAIN_HEADER = "X-Jlb-Explain";
    /** Whether requests may ask for an explained decision: those that do are handed to the Jetty path. */
    final boolean explains;

    private final AtomicLong inFlight = new AtomicLong();
    private volatile boolean retired;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    /**
     * Creates a route; it does not close {@code loadBalancer}.
     *
     * @param loadBalancer picks the backends
     * @param options what the proxy does with each request
     */
    public EngineRoute(LoadBalancer loadBalancer, ProxyOptions options) {
        this(Objects.requireNonNull(loadBalancer, "loadBalancer"), options, true);
    }

    /**
     * A route the engine leaves to the Jetty-model path: requests under {@code prefix} (unless a
     * longer engine route takes them) go to the connector's {@code HTTP/1.1} factory.
     *
     * @param prefix the prefix
     * @return the engine route
     */
    public static EngineRoute jetty(String prefix) {
        return new EngineRoute(null, ProxyOptions.builder().prefix(prefix).build(), false);
    }

    private EngineRoute(LoadBalancer loadBalancer, ProxyOptions options, boolean engine) {
        this.loadBalancer = loadBalancer;
        this.options = Objects.requireNonNull(options, "options");
        this.prefix = options.prefix() == null ? "/" : options.prefix();
        this.retry = options.retry();
        this.attemptTimeoutNanos = options.attemptTimeout().toNanos();
        this.connectTimeoutNanos = options.connectTimeout().toNanos();
        this.idleTimeoutMillis = options.idleTimeout().toMillis();
        this.bufferLimit = retry.retries() ? retry.bufferLimitBytes() : 0;
        this.via11 = ProxyHeaders.viaEntry("HTTP/1.1", options.via());
        this.via10 = ProxyHeaders.viaEntry("HTTP/1.0", options.via());
        this.sticky = engine && options.stickyCookie().isEnabled() ? new StickyTokens(options.stickyCookie()) : null;
        this.retries = new Retries.Route(loadBalancer, retry, options.totalTimeout().toNanos());
        this.queued = loadBalancer != null && loadBalancer.overload().maxQueued() > 0;
        this.requestIdHeader = options.requestIdHeader().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        this.explains = options.explain().enabled();
    }

    /** {@return whether the engine serves this route (false: the Jetty path does)} */
    public boolean isEngine() {
        return loadBalancer != null;
    }

    /** {@return the load balancer, or null for a route left to the Jetty path} */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /** {@return the options} */
    public ProxyOptions options() {
        return options;
    }

    /** {@return the path prefix this route takes ({@code /} for everything)} */
    public String prefix() {
        return prefix;
    }

    /** {@return requests in flight on this route} */
    public long inFlight() {
        return inFlight.get();
    }

    /** Whether the decoded request path falls under this route's prefix. */
    boolean matches(String path) {
        return ProxyHeaders.matches(path, prefix);
    }

    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

    void start() {
        if (started.compareAndSet(false, true) && sticky != null) {
            sticky.start(loadBalancer.pool());
        }
    }

    /** Counts a request in; false when the route is retired (the caller looks it up again). */
    boolean enter() {
        inFlight.incrementAndGet();
        if (retired) {
            exit();
            return false;
        }
        return true;
    }

    void exit() {
        if (inFlight.decrementAndGet() == 0 && retired) {
            drained.complete(null);
        }
    }

    /**
     * Stops taking requests; the future completes once the requests in flight ended. The route's
     * sticky-cookie tokens stop following the pool then too. Idempotent.
     *
     * @return the completable future
     */
    public CompletableFuture<Void> shutdown() {
        retired = true;
        if (inFlight.get() == 0) {
            drained.complete(null);
        }
        return drained.whenComplete((v, x) -> {
            if (sticky != null) {
                sticky.stop();
            }
        });
    }

    /** {@return whether a reload replaced this route (its connections finish, new ones go to the new route)} */
    public boolean isRetired() {
        return retired;
    }

    @Override
    public String toString() {
        return "EngineRoute{" + prefix + ", " + (loadBalancer == null ? "jetty" : loadBalancer.name()) + (retired ? ", retired" : "") + '}';
    }
}
