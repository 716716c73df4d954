package dev.jlb.jetty.metrics;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.LoadBalancerStats;
import dev.jlb.PoolEvent;
import dev.jlb.StatsWindow;
import dev.jlb.discovery.Discovery;
import dev.jlb.Ticker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds one {@link LoadBalancer}'s statistics to a Micrometer {@link MeterRegistry}: function-based
 * meters that read the core's counters when the registry is scraped or published. Nothing is
 * recorded per request; the request path does not know Micrometer.
 *
 * <pre>{@code
 * LoadBalancerMetrics metrics = LoadBalancerMetrics.of(lb);
 * metrics.bindTo(registry);      // e.g. a PrometheusMeterRegistry
 * ...
 * metrics.close();               // removes the meters (when the route goes away)
 * }</pre>
 *
 * <p>Every meter has the tag {@code route} (the load balancer's {@linkplain LoadBalancer#name()
 * name}); per-backend meters also {@code backend} (its {@linkplain Backend#id() id},
 * {@code host:port}). Backends added later get their meters when they join, removed ones lose them.
 * Names follow Micrometer's conventions (dot-separated, base unit seconds); the Prometheus names
 * are in brackets:
 *
 * <table>
 * <caption>meters</caption>
 * <tr><th>name</th><th>type</th><th>more tags</th><th>meaning</th></tr>
 * <tr><td>{@code jlb.route.requests} ({@code jlb_route_requests_total})</td><td>counter</td><td></td>
 *     <td>{@link LoadBalancerStats#requests()}</td></tr>
 * <tr><td>{@code jlb.route.no.backend}</td><td>counter</td><td>{@code reason}</td>
 *     <td>requests refused (503) for lack of a backend, by reason</td></tr>
 * <tr><td>{@code jlb.route.retries}</td><td>counter</td><td></td><td>retry attempts</td></tr>
 * <tr><td>{@code jlb.route.retries.exhausted}</td><td>counter</td><td></td>
 *     <td>requests that failed retryably with no attempt left</td></tr>
 * <tr><td>{@code jlb.route.in.flight}</td><td>gauge</td><td></td><td>attempts in flight</td></tr>
 * <tr><td>{@code jlb.route.panic}</td><td>gauge</td><td></td><td>1 in panic, else 0</td></tr>
 * <tr><td>{@code jlb.route.backends}</td><td>gauge</td><td>{@code state}</td><td>backends per state</td></tr>
 * <tr><td>{@code jlb.backend.requests}</td><td>counter</td><td>{@code outcome}</td>
 *     <td>attempts completed: {@code success}, {@code failure}, {@code cancelled}</td></tr>
 * <tr><td>{@code jlb.backend.responses}</td><td>counter</td><td>{@code status}</td>
 *     <td>responses by class, {@code 1xx} to {@code 5xx}</td></tr>
 * <tr><td>{@code jlb.backend.connect.failures}, {@code jlb.backend.timeouts}</td><td>counter</td><td></td>
 *     <td>failed attempts of those kinds</td></tr>
 * <tr><td>{@code jlb.backend.retries}</td><td>counter</td><td></td><td>retry attempts sent to the backend</td></tr>
 * <tr><td>{@code jlb.backend.ejections}</td><td>counter</td><td></td><td>passive-health ejections</td></tr>
 * <tr><td>{@code jlb.backend.in.flight}</td><td>gauge</td><td></td><td>attempts in flight</td></tr>
 * <tr><td>{@code jlb.backend.latency} ({@code jlb_backend_latency_seconds})</td><td>gauge</td>
 *     <td>{@code quantile}</td><td>time to response headers over the latency window; NaN without samples</td></tr>
 * <tr><td>{@code jlb.backend.state}</td><td>gauge</td><td>{@code state}</td><td>1 for the current state, 0 for the others</td></tr>
 * <tr><td>{@code jlb.backend.weight}, {@code jlb.backend.effective.weight}</td><td>gauge</td><td></td>
 *     <td>configured and effective weight</td></tr>
 * <tr><td>{@code jlb.discovery.resolutions}, {@code jlb.discovery.failures}</td><td>counter</td><td>{@code source}</td>
 *     <td>lookups (DNS answers, Kubernetes lists and watch events) that succeeded and that failed</td></tr>
 * <tr><td>{@code jlb.discovery.backends}</td><td>gauge</td><td>{@code source}</td><td>backends in its last snapshot</td></tr>
 * <tr><td>{@code jlb.discovery.last.success} ({@code jlb_discovery_last_success_seconds})</td><td>gauge</td>
 *     <td>{@code source}</td><td>when the last lookup succeeded, in seconds since the epoch; NaN before the first</td></tr>
 * </table>
 *
 * <p>Discovery meters ({@code source}: such as {@code dns://api.internal:8080}) follow the
 * discoveries a reload attaches and detaches.
 *
 * <p>Reading: one {@link LoadBalancer#stats()} snapshot serves every meter for
 * {@link Builder#refreshInterval(Duration)} (default {@value #DEFAULT_REFRESH_MILLIS} ms), so one
 * scrape takes one snapshot. Latency quantiles are computed over a sliding window
 * ({@link Builder#latencyWindow(Duration)}, default {@value #DEFAULT_LATENCY_WINDOW_SECONDS} s; see
 * {@link StatsWindow}) from the core's histogram.
 *
 * <p>Thread-safe: this object owns the binding (the pool and discovery listeners, the meters
 * registered, {@link #close()}) and the shared reading, all guarded by its lock, which the meters
 * take when the registry reads them; the pool's and the discoveries' events arrive on their threads.
 */
public final class LoadBalancerMetrics implements MeterBinder, AutoCloseable {

    /** How long one statistics snapshot serves the meters, by default. */
    public static final long DEFAULT_REFRESH_MILLIS = 1000;
    /** The window of the latency quantiles, by default. */
    public static final long DEFAULT_LATENCY_WINDOW_SECONDS = 60;
    /** The quantiles published, by default. */
    public static final List<Double> DEFAULT_QUANTILES = List.of(0.5, 0.9, 0.99);

    private final LoadBalancer loadBalancer;
    private final List<Double> quantiles;
    private final Tags routeTags;

    /** Guarded by this. */
    private MeterRegistry registry;
    private AutoCloseable listener;
    private final List<Meter> routeMeters = new ArrayList<>();
    private final Map<Backend, BackendMeters> backendMeters = new ConcurrentHashMap<>();
    private final DiscoveryMeters discoveryMeters;
    private AutoCloseable discoveryListener;
    private boolean closed;

    /** The current reading; guarded by this. */
    private final StatsReading reading;

    private LoadBalancerMetrics(Builder builder) {
        this.loadBalancer = builder.loadBalancer;
        this.reading = new StatsReading(new StatsWindow(loadBalancer, builder.latencyWindow), builder.ticker,
                builder.refreshInterval.toNanos());
        this.quantiles = builder.quantiles;
        this.routeTags = Tags.of("route", loadBalancer.name());
        this.discoveryMeters = new DiscoveryMeters(routeTags);
    }

    /**
     * Meters for {@code loadBalancer} with the defaults.
     *
     * @param loadBalancer the load balancer
     * @return the load balancer metrics
     */
    public static LoadBalancerMetrics of(LoadBalancer loadBalancer) {
        return builder(loadBalancer).build();
    }

    /**
     * A builder of meters for {@code loadBalancer}.
     *
     * @param loadBalancer the load balancer
     * @return a new builder
     */
    public static Builder builder(LoadBalancer loadBalancer) {
        return new Builder(loadBalancer);
    }

    /** {@return the load balancer measured} */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /**
     * Registers the meters. Call once; the meters stay until {@link #close()}.
     *
     * @throws IllegalStateException when already bound or closed
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("metrics: closed (expected: open)");
        }
        if (this.registry != null) {
            throw new IllegalStateException("registry: " + registry + " (expected: one bindTo per LoadBalancerMetrics, "
                    + "bound to " + this.registry + ")");
        }
        this.registry = registry;
        RouteMeters.register(this, routeTags, registry, routeMeters);
        // The listener first, so that no backend added meanwhile is missed (registering twice is harmless).
        // The pool holds the listener, and through it this object, which the meters reference weakly.
        listener = loadBalancer.pool().addListener(this::onPoolEvent);
        for (Backend backend : loadBalancer.pool().backends()) {
            addBackend(backend);
        }
        discoveryListener = loadBalancer.discovery().addChangeListener(this::syncDiscoveries);
        syncDiscoveries();
    }

    /**
     * Registers meters for discoveries attached since the last call and removes those of detached
     * ones. The membership's lock is taken before this object's elsewhere (its pool events reach
     * {@link #onPoolEvent}), so the discoveries are read before this lock is taken.
     */
    private void syncDiscoveries() {
        List<Discovery> now = loadBalancer.discovery().discoveries();
        synchronized (this) {
            if (closed || registry == null) {
                return;
            }
            discoveryMeters.sync(now, registry);
        }
    }

    private void onPoolEvent(PoolEvent event) {
        if (event.type() == PoolEvent.Type.ADDED) {
            synchronized (this) {
                if (!closed) {
                    addBackend(event.backend());
                }
            }
        } else if (event.type() == PoolEvent.Type.REMOVED) {
            BackendMeters gone;
            MeterRegistry r;
            synchronized (this) {
                gone = backendMeters.remove(event.backend());
                r = registry;
            }
            // Outside this object's lock: a scrape holds it while reading (and the registry its own).
            if (gone != null && r != null) {
                gone.removeFrom(r);
            }
        }
    }

    /** Removes every meter and stops following the pool. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable l : new AutoCloseable[] {listener, discoveryListener}) {
            if (l != null) {
                try {
                    l.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        if (registry != null) {
            discoveryMeters.removeAll(registry);
            for (Meter meter : routeMeters) {
                registry.remove(meter);
            }
            for (Backend backend : List.copyOf(backendMeters.keySet())) {
                removeBackend(backend);
            }
        }
        routeMeters.clear();
    }

    // ---- Reading -------------------------------------------------------------------------------

    /**
     * The statistics the meters read, refreshed when older than the refresh interval; the caller
     * reads them holding this object's lock.
     */
    synchronized StatsReading reading() {
        if (reading.refresh()) {
            for (BackendMeters meters : backendMeters.values()) {
                meters.forgetLatency();
            }
        }
        return reading;
    }

    /** {@return the route's statistics in the current snapshot} */
    synchronized LoadBalancerStats route() {
        return reading().recent().current();
    }

    // ---- Backend meters ------------------------------------------------------------------------

    private void addBackend(Backend backend) {
        if (registry == null || backendMeters.containsKey(backend)) {
            return;
        }
        BackendMeters meters = new BackendMeters(this, backend, routeTags, quantiles);
        backendMeters.put(backend, meters);
        reading.invalidate(); // the cached snapshot may predate the backend
        meters.register(registry);
    }

    private void removeBackend(Backend backend) {
        BackendMeters meters = backendMeters.remove(backend);
        if (meters != null && registry != null) {
            meters.removeFrom(registry);
        }
    }

    static String quantileTag(double q) {
        String s = Double.toString(q);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    @Override
    public String toString() {
        return "LoadBalancerMetrics{" + loadBalancer.name() + ", backends=" + backendMeters.size()
                + (closed ? ", closed" : registry == null ? ", unbound" : "") + '}';
    }

    /** Options of {@link LoadBalancerMetrics}. Not thread-safe. */
    public static final class Builder {
        private final LoadBalancer loadBalancer;
        private Duration refreshInterval = Duration.ofMillis(DEFAULT_REFRESH_MILLIS);
        private Duration latencyWindow = Duration.ofSeconds(DEFAULT_LATENCY_WINDOW_SECONDS);
        private List<Double> quantiles = DEFAULT_QUANTILES;
        private Ticker ticker = Ticker.systemTicker();

        Builder(LoadBalancer loadBalancer) {
            this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
        }

        /**
         * How long one statistics snapshot serves every meter (default
         * {@value LoadBalancerMetrics#DEFAULT_REFRESH_MILLIS} ms); {@code 0} takes one per meter read.
         *
         * @param refreshInterval the refresh interval
         * @return this builder
         */
        public Builder refreshInterval(Duration refreshInterval) {
            Objects.requireNonNull(refreshInterval, "refreshInterval");
            if (refreshInterval.isNegative()) {
                throw new IllegalArgumentException("refreshInterval: " + DurationFormat.format(refreshInterval)
                        + " (expected: >= 0)");
            }
            this.refreshInterval = refreshInterval;
            return this;
        }

        /**
         * The window of the latency quantiles (default {@value LoadBalancerMetrics#DEFAULT_LATENCY_WINDOW_SECONDS} s).
         *
         * @param latencyWindow the latency window
         * @return this builder
         */
        public Builder latencyWindow(Duration latencyWindow) {
            Objects.requireNonNull(latencyWindow, "latencyWindow");
            if (latencyWindow.isNegative() || latencyWindow.isZero()) {
                throw new IllegalArgumentException("latencyWindow: " + DurationFormat.format(latencyWindow)
                        + " (expected: > 0)");
            }
            this.latencyWindow = latencyWindow;
            return this;
        }

        /**
         * The latency quantiles published, each in {@code [0, 1]} (default 0.5, 0.9, 0.99).
         *
         * @param quantiles the quantiles
         * @return this builder
         */
        public Builder quantiles(double... quantiles) {
            Objects.requireNonNull(quantiles, "quantiles");
            List<Double> list = new ArrayList<>();
            for (double q : quantiles) {
                if (!(q >= 0 && q <= 1)) {
                    throw new IllegalArgumentException("quantile: " + q + " (expected: in [0, 1])");
                }
                list.add(q);
            }
            this.quantiles = List.copyOf(list);
            return this;
        }

        /**
         * The clock of the refresh interval (default {@link Ticker#systemTicker()}).
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** {@return the metrics binder with this builder's settings} */
        public LoadBalancerMetrics build() {
            return new LoadBalancerMetrics(this);
        }

        @Override
        public String toString() {
            return "LoadBalancerMetrics.Builder{" + loadBalancer.name() + ", refreshInterval="
                    + DurationFormat.format(refreshInterval) + ", latencyWindow=" + DurationFormat.format(latencyWindow)
                    + ", quantiles=" + quantiles + '}';
        }
    }
}
