package dev.jlb;

import dev.jlb.discovery.DiscoveredMembership;
import dev.jlb.discovery.Discovery;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import dev.jlb.internal.DefaultLoadBalancer;
import dev.jlb.internal.Settings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Decides which backend each request goes to, and keeps the books: in-flight counts, statistics and
 * health.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder()
 *         .backend("http://127.0.0.1:8081")
 *         .backend("http://127.0.0.1:8082", 2)
 *         .strategy("least-connections")
 *         .build();
 * try (Selection selection = lb.select(RequestContext.of("GET", "/"))) {
 *     // send the request to selection.backend(), then selection.onSuccess(status, latencyNanos)
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #select(RequestContext)} takes no lock and allocates at most the returned
 * {@link Selection}. A load balancer owns the threads it starts (health checks) and stops them in
 * {@link #close()}; after that, {@code select} still works on the last membership.
 */
public interface LoadBalancer extends AutoCloseable {

    /**
     * A new builder.
     *
     * @return a new builder
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Selects a backend for a request and acquires it: its in-flight count rises by one until the
     * returned selection completes.
     *
     * @param context the context
     * @return the selection
     * @throws NoBackendAvailableException when no backend is eligible; the message says why
     */
    Selection select(RequestContext context);

    /**
     * Selects a backend that is not in {@code excluded} (backends already tried by this request).
     * Used for retries: the selection counts as a retry when {@code excluded} is not empty.
     *
     * @param context the context
     * @param excluded the excluded
     * @return the selection
     * @throws NoBackendAvailableException when every eligible backend is excluded, or none is eligible
     */
    Selection select(RequestContext context, Collection<Backend> excluded);

    /**
     * Selects {@code preferred} when the strategy could pick it now, else a backend picked by the
     * strategy exactly as {@link #select(RequestContext)} does: the basis of affinity decided outside
     * the strategy, such as sticky-session cookies. Either way the backend is acquired (its in-flight
     * count rises by one until the returned selection completes, exactly once).
     *
     * <p>The strategy could pick {@code preferred} when it is a member with the same identity
     * ({@link Backend#equals}: scheme, host and port; the weight is ignored) and is eligible: not
     * drained, not unhealthy, not ejected. In panic with {@link dev.jlb.health.PanicMode#ROUTE_ALL},
     * when the strategy picks among every non-drained backend, so does this method. When
     * {@code preferred} is not eligible (removed, drained, unhealthy, ejected) or is {@code null},
     * the strategy picks, silently: no exception, no retry counted. The selection's
     * {@link Selection#backend()} is the member as the pool holds it (with its current weight);
     * compare it with {@code preferred} to learn whether the preference held. The selection is never
     * a {@linkplain Selection#isRetry() retry}.
     *
     * <p>O(1) whatever the pool size (one hash lookup in the current membership snapshot),
     * lock-free, and allocation-free apart from the returned selection. Passing the pool's own
     * instance (from {@link Pool#backends()} or an earlier {@link Selection#backend()}) is the fast
     * path: it is found by reference, and a caller that completes the selection in the same method
     * lets the JIT remove the selection's allocation, as with {@code select}. An equal instance
     * costs an {@code equals} (host and scheme string comparisons) per call.
     *
     * @param context the context
     * @param preferred the backend to select if it is eligible, or {@code null} for none
     * @return the selection
     * @throws NoBackendAvailableException when {@code preferred} is not eligible and no backend is
     * eligible; the message says why, as for {@link #select(RequestContext)}
     */
    Selection selectPreferring(RequestContext context, Backend preferred);

    /**
     * Selects as {@link #selectPreferring} does, or, when the route's {@link OverloadProtection}
     * limits leave no backend and it has a queue, waits in that queue without holding a thread:
     * {@code waiter} is called exactly once, either now on this thread or later on the thread that
     * completed a lease (or on the load balancer's timer thread for a timeout). Requests that wait are
     * served in arrival order; while any waits, a new request queues behind it.
     *
     * <p>Without a queue this is {@code selectPreferring}, with the outcome given to {@code waiter}.
     *
     * @param context the context
     * @param preferred the backend to select if it is eligible, or {@code null} for none
     * @param waiter the waiter
     */
    default void selectOrWait(RequestContext context, Backend preferred, Waiter waiter) {
        Selection selection;
        try {
            selection = selectPreferring(context, preferred);
        } catch (NoBackendAvailableException e) {
            waiter.refused(e);
            return;
        }
        waiter.selected(selection);
    }

    /**
     * Where {@link #selectOrWait} delivers its outcome. Called once per request, on any thread: it
     * must not block (start the request, answer the client).
     */
    interface Waiter {

        /**
         * The request has its lease: complete it exactly once, as any selection.
         *
         * @param selection the selection
         */
        void selected(Selection selection);

        /**
         * No lease: no backend is eligible, the limits refused the request and the queue is full
         * ({@link NoBackendAvailableException.Reason#OVERLOADED}), or it waited too long
         * ({@link NoBackendAvailableException.Reason#QUEUE_TIMEOUT}).
         *
         * @param e the e
         */
        void refused(NoBackendAvailableException e);
    }

    /** {@return the route's overload limits (default {@link OverloadProtection#disabled()})} */
    default OverloadProtection overload() {
        return OverloadProtection.disabled();
    }

    /** {@return the live membership: add, remove, drain and re-weight backends, read their state} */
    Pool pool();

    /** {@return the name given to the builder (default {@value Builder#DEFAULT_NAME}); used in logs and metrics} */
    String name();

    /** {@return the current strategy} */
    Strategy strategy();

    /**
     * Replaces the strategy. Takes effect atomically for new selections; in-flight counts and
     * statistics are kept.
     *
     * @param strategy the strategy
     */
    void updateStrategy(Strategy strategy);

    /** {@return the active health check ({@link ActiveHealthCheck#disabled()} when none)} */
    ActiveHealthCheck healthCheck();

    /**
     * Replaces the active health check; {@link ActiveHealthCheck#disabled()} stops checking. An equal
     * check changes nothing. Otherwise the old probe is closed (unless the new check uses the same
     * probe instance), checks in flight are forgotten, and the
     * new check starts a round at once. Each backend keeps its state and its streaks of passed and
     * failed checks, judged against the new rise/fall. Disabling makes every {@code UNHEALTHY} backend
     * healthy again (nothing judges it any more).
     *
     * @param healthCheck the health check
     */
    void updateHealthCheck(ActiveHealthCheck healthCheck);

    /** {@return the passive outlier detection ({@link OutlierDetection#disabled()} when off)} */
    OutlierDetection outlierDetection();

    /**
     * Replaces the outlier detection. Streaks, ejection counts and current ejections are kept (an
     * ejection ends at the time it was given); disabling ends every ejection for failures at once.
     *
     * @param outlierDetection the outlier detection
     */
    void updateOutlierDetection(OutlierDetection outlierDetection);

    /** {@return the response-time health ({@link LatencyHealth#disabled()} when off)} */
    LatencyHealth latencyHealth();

    /**
     * Replaces the response-time health. Latency averages are kept and the backends are judged again
     * at once with the new rules; disabling restores every degraded backend and ends every ejection for
     * latency.
     *
     * @param latencyHealth the latency health
     */
    void updateLatencyHealth(LatencyHealth latencyHealth);

    /** {@return the slow start ({@link SlowStart#disabled()} when off)} */
    SlowStart slowStart();

    /**
     * Replaces the slow start. Backends that are ramping continue from where they are in time with the
     * new window; disabling gives them their full weight at once.
     *
     * @param slowStart the slow start
     */
    void updateSlowStart(SlowStart slowStart);

    /** {@return what happens when too few backends are eligible} */
    PanicMode panicMode();

    /** {@return the eligible share under which the pool is in panic; 0 when panic is off} */
    double panicThreshold();

    /**
     * Replaces the panic mode and threshold; takes effect at once.
     *
     * @param mode the mode
     * @param threshold the threshold
     * @throws IllegalArgumentException when the threshold is outside {@code [0, 1]}
     */
    void updatePanic(PanicMode mode, double threshold);

    /** {@return whether the pool is in panic now (see {@link PanicMode})} */
    boolean inPanic();

    /**
     * A snapshot of this load balancer's counters and of every backend's statistics. Takes the
     * pool's lock briefly to list the backends; never blocks the request path.
     *
     * @return a snapshot of this load balancer's counters and of every backend's statistics
     */
    LoadBalancerStats stats();

    /**
     * Counts a request that ended with an outcome its retry policy retries (a connect failure, a
     * retryable status...) but that had no attempt left, or whose retry the retry budget refused:
     * {@link LoadBalancerStats#retriesExhausted()}.
     * Called by the adapters that implement retries; lock-free.
     */
    void recordRetriesExhausted();

    /**
     * The discoveries that feed this load balancer's pool ({@link Builder#discovery}); attach or
     * detach one at run time here.
     *
     * @return the discoveries that feed this load balancer's pool ({@link Builder#discovery})
     */
    DiscoveredMembership discovery();

    /**
     * Stops the threads this load balancer started (health checks, timers, discoveries) and closes the probe.
     * Idempotent. Selections still complete normally and {@code select} keeps working on the last
     * membership; health state is frozen: no more checks and no new ejections (an ejection whose time
     * is over ends at the next membership change).
     */
    @Override
    void close();

    /**
     * Builds a {@link LoadBalancer}. Setters validate their argument at once; {@link #build()}
     * checks the rules that involve several settings. Not thread-safe.
     */
    final class Builder {

        /** The name of a load balancer built without one. */
        public static final String DEFAULT_NAME = "default";

        /** The strategy of a load balancer built without one. */
        public static final String DEFAULT_STRATEGY = "round-robin";

        private String name = DEFAULT_NAME;
        private final List<Backend> backends = new ArrayList<>();
        private Strategy strategy;
        private String strategyName;
        private Ticker ticker = Ticker.systemTicker();
        private RandomSource random = RandomSource.threadLocal();
        private final List<PoolListener> listeners = new ArrayList<>();
        private ActiveHealthCheck healthCheck = ActiveHealthCheck.disabled();
        private OutlierDetection outlierDetection = OutlierDetection.defaults();
        private LatencyHealth latencyHealth = LatencyHealth.disabled();
        private SlowStart slowStart = SlowStart.disabled();
        private PanicMode panicMode = PanicMode.ROUTE_ALL;
        private double panicThreshold = PanicMode.DEFAULT_THRESHOLD;
        private ScheduledExecutorService scheduler;
        private OverloadProtection overload = OverloadProtection.disabled();
        private final List<Discovery> discoveries = new ArrayList<>();

        Builder() {
        }

        /**
         * Limits on requests in flight per backend and per route, and the queue for requests they
         * refuse (default {@link OverloadProtection#disabled()}: none). Fixed for the load
         * balancer's life.
         *
         * @param overload the overload
         * @return this builder
         */
        public Builder overload(OverloadProtection overload) {
            this.overload = Objects.requireNonNull(overload, "overload");
            return this;
        }

        /**
         * The name used in logs and metrics (default {@value #DEFAULT_NAME}).
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: not blank)");
            }
            this.name = name;
            return this;
        }

        /**
         * Adds a backend with weight {@value Backend#DEFAULT_WEIGHT}; see {@link Backend#of(String)}.
         *
         * @param uri the uri
         * @return this builder
         */
        public Builder backend(String uri) {
            return backend(Backend.of(uri));
        }

        /**
         * Adds a backend with a weight; see {@link Backend#of(String, int)}.
         *
         * @param uri the uri
         * @param weight the weight
         * @return this builder
         */
        public Builder backend(String uri, int weight) {
            return backend(Backend.of(uri, weight));
        }

        /**
         * Adds a backend. Each backend may be added once.
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(Backend backend) {
            backends.add(Objects.requireNonNull(backend, "backend"));
            return this;
        }

        /**
         * Adds backends in order.
         *
         * @param backends the backends
         * @return this builder
         */
        public Builder backends(Collection<Backend> backends) {
            Objects.requireNonNull(backends, "backends").forEach(this::backend);
            return this;
        }

        /**
         * Adds backends with weight {@value Backend#DEFAULT_WEIGHT}, in order.
         *
         * @param uris the uris
         * @return this builder
         */
        public Builder backends(String... uris) {
            for (String uri : Objects.requireNonNull(uris, "uris")) {
                backend(uri);
            }
            return this;
        }

        /**
         * The strategy (default {@value #DEFAULT_STRATEGY}).
         *
         * @param strategy the strategy
         * @return this builder
         */
        public Builder strategy(Strategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            this.strategyName = null;
            return this;
        }

        /**
         * The strategy by registered name, such as {@code least-connections}; see
         * {@link StrategyRegistry}.
         *
         * @param name the name
         * @return this builder
         * @throws IllegalArgumentException when no strategy has that name
         */
        public Builder strategy(String name) {
            this.strategy = StrategyRegistry.create(name);
            this.strategyName = name;
            return this;
        }

        /**
         * The time source (default {@link Ticker#systemTicker()}).
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * The randomness for strategies and jitter (default {@link RandomSource#threadLocal()}).
         *
         * @param random the random
         * @return this builder
         */
        public Builder random(RandomSource random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Adds a listener of pool changes; it also receives the {@code ADDED} events of the initial backends.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(PoolListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The active health check (default {@link ActiveHealthCheck#disabled()}: none), such as
         * {@code ActiveHealthCheck.http("/health").build()}.
         *
         * @param healthCheck the health check
         * @return this builder
         */
        public Builder healthCheck(ActiveHealthCheck healthCheck) {
            this.healthCheck = Objects.requireNonNull(healthCheck, "healthCheck");
            return this;
        }

        /**
         * Passive outlier ejection (default {@link OutlierDetection#defaults()}: on, 5 consecutive
         * failures, 30s base ejection time, 300s cap, at most 50% ejected);
         * {@link OutlierDetection#disabled()} turns it off.
         *
         * @param outlierDetection the outlier detection
         * @return this builder
         */
        public Builder outlierDetection(OutlierDetection outlierDetection) {
            this.outlierDetection = Objects.requireNonNull(outlierDetection, "outlierDetection");
            return this;
        }

        /**
         * Response-time health (default {@link LatencyHealth#disabled()}: off).
         *
         * @param latencyHealth the latency health
         * @return this builder
         */
        public Builder latencyHealth(LatencyHealth latencyHealth) {
            this.latencyHealth = Objects.requireNonNull(latencyHealth, "latencyHealth");
            return this;
        }

        /**
         * Slow start for backends that join or come back (default {@link SlowStart#disabled()}: off).
         *
         * @param slowStart the slow start
         * @return this builder
         */
        public Builder slowStart(SlowStart slowStart) {
            this.slowStart = Objects.requireNonNull(slowStart, "slowStart");
            return this;
        }

        /**
         * What happens when the eligible share of the non-draining backends falls below
         * {@code threshold} (default {@link PanicMode#ROUTE_ALL} below
         * {@value PanicMode#DEFAULT_THRESHOLD}); threshold 0 turns panic off. See {@link PanicMode}.
         *
         * @param mode the mode
         * @param threshold the threshold
         * @return this builder
         * @throws IllegalArgumentException when the threshold is outside {@code [0, 1]}
         */
        public Builder panic(PanicMode mode, double threshold) {
            Objects.requireNonNull(mode, "mode");
            this.panicThreshold = PanicMode.checkThreshold(threshold);
            this.panicMode = mode;
            return this;
        }

        /**
         * The executor that runs health checks and health timers (ejection ends, slow-start steps,
         * latency evaluations). Default: one daemon thread that the load balancer creates when it first
         * needs it and stops in {@link LoadBalancer#close()}. A supplied executor is shared, not owned:
         * {@code close()} cancels the load balancer's tasks on it but does not shut it down. Tasks are
         * short and never block (probes are asynchronous), so one thread serves many load balancers.
         * Delays are computed from the {@link #ticker(Ticker) ticker}; a test that injects a fake
         * ticker injects an executor driven by the same fake clock.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Adds a source of backends (DNS, Kubernetes...), started by {@link #build()} and stopped by
         * {@link LoadBalancer#close()}: its snapshots add, re-weight and remove backends beside the
         * listed ones (see {@link DiscoveredMembership}). Each discovery once.
         *
         * @param discovery the discovery
         * @return this builder
         */
        public Builder discovery(Discovery discovery) {
            Objects.requireNonNull(discovery, "discovery");
            if (discoveries.contains(discovery)) {
                throw new IllegalArgumentException("discovery: " + discovery.source() + " (expected: each discovery once)");
            }
            discoveries.add(discovery);
            return this;
        }

        /**
         * Builds the load balancer and starts its health checks, if any: the first round runs at once,
         * and every backend is eligible until its first result.
         *
         * @return the load balancer
         * @throws IllegalArgumentException when a backend is listed twice
         */
        public LoadBalancer build() {
            Set<Backend> seen = new LinkedHashSet<>();
            for (Backend backend : backends) {
                if (!seen.add(backend)) {
                    throw new IllegalArgumentException("backend: " + backend.uri() + " (expected: each backend once)");
                }
            }
            Strategy resolved = strategy != null ? strategy : StrategyRegistry.create(DEFAULT_STRATEGY);
            return DefaultLoadBalancer.create(new Settings(name, List.copyOf(backends), resolved, ticker, random,
                    List.copyOf(listeners), healthCheck, outlierDetection, latencyHealth, slowStart, panicMode,
                    panicThreshold, scheduler, overload, List.copyOf(discoveries)));
        }

        @Override
        public String toString() {
            return "LoadBalancer.Builder{name=" + name + ", backends=" + backends.size() + ", strategy="
                    + (strategy == null ? DEFAULT_STRATEGY : strategyName != null ? strategyName : strategy.name())
                    + ", healthCheck=" + healthCheck + ", outlierDetection=" + outlierDetection + ", latencyHealth="
                    + latencyHealth + ", slowStart=" + slowStart + ", panic=" + panicMode + " below " + panicThreshold
                    + (overload.isEnabled() ? ", overload=" + overload : "") + '}';
        }
    }
}
