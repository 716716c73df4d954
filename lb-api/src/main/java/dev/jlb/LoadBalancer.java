package dev.jlb;

import dev.jlb.internal.DefaultLoadBalancer;
import dev.jlb.internal.Settings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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

    /** A new builder. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Selects a backend for a request and acquires it: its in-flight count rises by one until the
     * returned selection completes.
     *
     * @throws NoBackendAvailableException when no backend is eligible; the message says why
     */
    Selection select(RequestContext context);

    /**
     * Selects a backend that is not in {@code excluded} (backends already tried by this request).
     * Used for retries: the selection counts as a retry when {@code excluded} is not empty.
     *
     * @throws NoBackendAvailableException when every eligible backend is excluded, or none is eligible
     */
    Selection select(RequestContext context, Collection<Backend> excluded);

    /** The live membership: add, remove, drain and re-weight backends, read their state. */
    Pool pool();

    /** The name given to the builder (default {@value Builder#DEFAULT_NAME}); used in logs and metrics. */
    String name();

    /** The current strategy. */
    Strategy strategy();

    /**
     * Replaces the strategy. Takes effect atomically for new selections; in-flight counts and
     * statistics are kept.
     */
    void updateStrategy(Strategy strategy);

    /** Stops the threads this load balancer started. Idempotent. Selections still complete normally. */
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

        Builder() {
        }

        /** The name used in logs and metrics (default {@value #DEFAULT_NAME}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: not blank)");
            }
            this.name = name;
            return this;
        }

        /** Adds a backend with weight {@value Backend#DEFAULT_WEIGHT}; see {@link Backend#of(String)}. */
        public Builder backend(String uri) {
            return backend(Backend.of(uri));
        }

        /** Adds a backend with a weight; see {@link Backend#of(String, int)}. */
        public Builder backend(String uri, int weight) {
            return backend(Backend.of(uri, weight));
        }

        /** Adds a backend. Each backend may be added once. */
        public Builder backend(Backend backend) {
            backends.add(Objects.requireNonNull(backend, "backend"));
            return this;
        }

        /** Adds backends in order. */
        public Builder backends(Collection<Backend> backends) {
            Objects.requireNonNull(backends, "backends").forEach(this::backend);
            return this;
        }

        /** Adds backends with weight {@value Backend#DEFAULT_WEIGHT}, in order. */
        public Builder backends(String... uris) {
            for (String uri : Objects.requireNonNull(uris, "uris")) {
                backend(uri);
            }
            return this;
        }

        /** The strategy (default {@value #DEFAULT_STRATEGY}). */
        public Builder strategy(Strategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            this.strategyName = null;
            return this;
        }

        /**
         * The strategy by registered name, such as {@code least-connections}; see
         * {@link StrategyRegistry}.
         *
         * @throws IllegalArgumentException when no strategy has that name
         */
        public Builder strategy(String name) {
            this.strategy = StrategyRegistry.create(name);
            this.strategyName = name;
            return this;
        }

        /** The time source (default {@link Ticker#systemTicker()}). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The randomness for strategies and jitter (default {@link RandomSource#threadLocal()}). */
        public Builder random(RandomSource random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Adds a listener of pool changes; it also receives the {@code ADDED} events of the initial backends. */
        public Builder listener(PoolListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the load balancer and starts its health checks, if any.
         *
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
                    List.copyOf(listeners)));
        }

        @Override
        public String toString() {
            return "LoadBalancer.Builder{name=" + name + ", backends=" + backends.size() + ", strategy="
                    + (strategy == null ? DEFAULT_STRATEGY : strategyName != null ? strategyName : strategy.name()) + '}';
        }
    }
}
