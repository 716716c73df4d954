package dev.jlb.internal;

import dev.jlb.discovery.DiscoveredMembership;
import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.LoadBalancerStats;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.OverloadProtection;
import dev.jlb.Pool;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** The engine behind {@link LoadBalancer}. */
public final class DefaultLoadBalancer implements LoadBalancer {

    private final String name;
    private final DefaultPool pool;
    /** Null without overload limits. */
    private final OverloadGate gate;
    private final DiscoveredMembership discovery;

    private DefaultLoadBalancer(Settings settings) {
        this.name = settings.name();
        HealthConfig health = new HealthConfig(settings.healthCheck(), settings.outlierDetection(),
                settings.latencyHealth(), settings.slowStart(), settings.panicMode(), settings.panicThreshold());
        Timers timers = new Timers(settings.name(), settings.scheduler());
        this.gate = settings.overload().isEnabled() ? new OverloadGate(settings.overload(), timers) : null;
        this.pool = new DefaultPool(settings.name(), settings.strategy(), settings.ticker(), settings.random(),
                settings.listeners(), health, timers, gate);
        if (gate != null) {
            gate.bind(this, pool);
        }
        this.discovery = new DiscoveredMembership(settings.name(), pool, task -> timers.schedule(task, 0));
    }

    /** Builds and starts a load balancer from validated settings. */
    public static LoadBalancer create(Settings settings) {
        DefaultLoadBalancer lb = new DefaultLoadBalancer(settings);
        lb.pool.init(settings.backends());
        settings.discoveries().forEach(lb.discovery::attach);
        return lb;
    }

    /*
     * The new DefaultSelection is allocated here, so it is removed by escape analysis only when
     * select is inlined into a caller that completes the selection. Two rules of C2 decide that:
     * (1) at a call site it does not consider hot, it inlines only methods of at most 35 bytes of
     * bytecode (MaxInlineSize), which both select methods are (23 and 29 bytes; at 60 bytes select
     * was seen refused as "callee is too large" in -XX:+PrintInlining); (2) it never inlines a
     * method whose standalone compiled code exceeds InlineSmallCode (2500 bytes), so a strategy's
     * picker must not make the compiled select big: bundled pickers with long loops keep them out
     * of line (see LeastConnectionsStrategy in lb-strategies).
     */
    @Override
    public Selection select(RequestContext context) {
        SnapshotEndpoint endpoint = pick(context);
        return new DefaultSelection(endpoint.entry, endpoint.backend, false);
    }

    private SnapshotEndpoint pick(RequestContext context) {
        Objects.requireNonNull(context, "context");
        return pickFirst(context, pool.snapshot());
    }

    /** A first (non-retry) pick: a refusal counts in {@link dev.jlb.LoadBalancerStats#noBackend()}. */
    private SnapshotEndpoint pickFirst(RequestContext context, Snapshot snapshot) {
        Strategy.Picker picker = snapshot.picker;
        if (picker == null) {
            throw pool.rejected(snapshot.noBackend);
        }
        SnapshotEndpoint endpoint = (SnapshotEndpoint) picker.pick(context);
        return gate == null ? endpoint : admitFirst(endpoint, snapshot, context);
    }

    /** A first pick through the overload limits; a refusal counts. */
    private SnapshotEndpoint admitFirst(SnapshotEndpoint endpoint, Snapshot snapshot, RequestContext context) {
        SnapshotEndpoint admitted = gate.admit(endpoint, snapshot, context, null, pool.random());
        if (admitted == null) {
            throw pool.rejected(gate.overloaded());
        }
        return admitted;
    }

    /** A retry's pick through the overload limits. */
    private SnapshotEndpoint admitRetry(SnapshotEndpoint endpoint, Snapshot snapshot, RequestContext context,
            Collection<Backend> excluded) {
        if (gate == null) {
            return endpoint;
        }
        SnapshotEndpoint admitted = gate.admit(endpoint, snapshot, context, excluded, pool.random());
        if (admitted == null) {
            throw gate.overloaded();
        }
        return admitted;
    }

    /**
     * For {@link OverloadGate}: a first lease on {@code preferred} or the strategy's pick, or null
     * when the limits refuse it (not counted: the request may wait).
     *
     * @throws NoBackendAvailableException (counted) when no backend is eligible
     */
    Selection leaseOrNull(RequestContext context, Backend preferred) {
        Snapshot snapshot = pool.snapshot();
        SnapshotEndpoint endpoint = preferred == null ? null : snapshot.endpoint(preferred);
        if (endpoint != null) {
            endpoint.entry.acquire();
        } else {
            Strategy.Picker picker = snapshot.picker;
            if (picker == null) {
                throw pool.rejected(snapshot.noBackend);
            }
            endpoint = (SnapshotEndpoint) picker.pick(context);
        }
        endpoint = gate.admit(endpoint, snapshot, context, null, pool.random());
        return endpoint == null ? null : new DefaultSelection(endpoint.entry, endpoint.backend, false);
    }

    @Override
    public void selectOrWait(RequestContext context, Backend preferred, Waiter waiter) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(waiter, "waiter");
        if (gate == null || gate.limits().maxQueued() == 0) {
            LoadBalancer.super.selectOrWait(context, preferred, waiter);
        } else {
            gate.selectOrWait(context, preferred, waiter);
        }
    }

    @Override
    public OverloadProtection overload() {
        return gate == null ? OverloadProtection.disabled() : gate.limits();
    }

    private static SnapshotEndpoint pick(RequestContext context, Snapshot snapshot) {
        Strategy.Picker picker = snapshot.picker;
        if (picker == null) {
            throw snapshot.noBackend;
        }
        return (SnapshotEndpoint) picker.pick(context);
    }

    /*
     * Kept as small as select (24 bytes, under MaxInlineSize) for the same reason: the
     * DefaultSelection is scalar-replaced only where this method is inlined. The HashMap lookup
     * keeps its compiled size small as long as the key is found by reference (the pool's own
     * Backend instance, as lb-jetty's sticky table passes): measured with SelectCompleteBenchmark
     * -prof gc, 0 B/op. When callers pass equal copies, Backend.equals and its string comparisons
     * are compiled in, select is then "already compiled into a big method" for C2, no longer
     * inlined, and the selection costs its 24 B.
     */
    @Override
    public Selection selectPreferring(RequestContext context, Backend preferred) {
        SnapshotEndpoint endpoint = pickPreferring(context, preferred);
        return new DefaultSelection(endpoint.entry, endpoint.backend, false);
    }

    private SnapshotEndpoint pickPreferring(RequestContext context, Backend preferred) {
        Objects.requireNonNull(context, "context");
        Snapshot snapshot = pool.snapshot();
        if (preferred != null) {
            SnapshotEndpoint endpoint = snapshot.endpoint(preferred);
            if (endpoint != null) {
                endpoint.entry.acquire();
                return gate == null ? endpoint : admitFirst(endpoint, snapshot, context);
            }
        }
        return pickFirst(context, snapshot);
    }

    @Override
    public Selection select(RequestContext context, Collection<Backend> excluded) {
        Objects.requireNonNull(excluded, "excluded");
        if (excluded.isEmpty()) {
            return select(context);
        }
        return selectExcluding(context, excluded);
    }

    /**
     * Picks the snapshot's picker makes for a retry before it looks past it, as Envoy's
     * {@code host_selection_retry_max_attempts} does: round robin, random and p2c find a backend not
     * tried yet in one or two, without building anything.
     */
    static final int RETRY_PICKS = 4;

    /**
     * Pools up to this many eligible backends get, when the picker keeps choosing backends already
     * tried, a picker of their own strategy over the others (exact strategy semantics, O(n) and an
     * allocation per retry). Larger pools get a weighted random pick among the others instead: a
     * new picker there would cost O(n), and for consistent hashing a ring of up to a million points,
     * on every retry, exactly when backends fail.
     */
    static final int REBUILD_LIMIT = 64;

    private Selection selectExcluding(RequestContext context, Collection<Backend> excluded) {
        Objects.requireNonNull(context, "context");
        Snapshot snapshot = pool.snapshot();
        SnapshotEndpoint endpoint = pick(context, snapshot);
        for (int i = 1; excluded.contains(endpoint.backend); i++) {
            endpoint.entry.releaseUnused();
            if (i == RETRY_PICKS) {
                return selectPastPicker(context, snapshot, excluded);
            }
            endpoint = pick(context, snapshot);
        }
        endpoint = admitRetry(endpoint, snapshot, context, excluded);
        return new DefaultSelection(endpoint.entry, endpoint.backend, true);
    }

    private Selection selectPastPicker(RequestContext context, Snapshot snapshot, Collection<Backend> excluded) {
        if (snapshot.endpoints.size() > REBUILD_LIMIT) {
            SnapshotEndpoint chosen = weightedRandom(snapshot, excluded, pool.random());
            if (chosen != null) {
                chosen.entry.acquire();
                chosen = admitRetry(chosen, snapshot, context, excluded);
                return new DefaultSelection(chosen.entry, chosen.backend, true);
            }
        }
        // A picker over the endpoints not tried yet. Retries are rare, so this path may allocate.
        List<SnapshotEndpoint> rest = new ArrayList<>(snapshot.endpoints.size());
        for (SnapshotEndpoint candidate : snapshot.endpoints) {
            if (!excluded.contains(candidate.backend)) {
                rest.add(new SnapshotEndpoint(candidate.entry, candidate.backend, candidate.weight, rest.size()));
            }
        }
        if (rest.isEmpty()) {
            throw new NoBackendAvailableException(NoBackendAvailableException.Reason.ALL_EXCLUDED,
                    "no backend available: all " + snapshot.endpoints.size()
                            + (snapshot.endpoints.size() == 1 ? " eligible backend was" : " eligible backends were")
                            + " tried already");
        }
        SnapshotEndpoint chosen = (SnapshotEndpoint) snapshot.strategy
                .newPicker(Collections.unmodifiableList(rest), pool.random()).pick(context);
        chosen = admitRetry(chosen, snapshot, context, excluded);
        return new DefaultSelection(chosen.entry, chosen.backend, true);
    }

    /**
     * An endpoint not in {@code excluded}, drawn with probability proportional to its weight by
     * rejection sampling: O(1) expected while most endpoints are not excluded; null after 64 draws
     * without one (then the caller looks at every endpoint).
     */
    private static SnapshotEndpoint weightedRandom(Snapshot snapshot, Collection<Backend> excluded,
            RandomSource random) {
        List<SnapshotEndpoint> endpoints = snapshot.endpoints;
        int max = snapshot.maxWeight;
        if (max <= 0) {
            return null;
        }
        for (int draw = 0; draw < 64; draw++) {
            SnapshotEndpoint candidate = endpoints.get(random.nextInt(endpoints.size()));
            if (candidate.weight > 0 && (candidate.weight == max || random.nextInt(max) < candidate.weight)
                    && !excluded.contains(candidate.backend)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public Pool pool() {
        return pool;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Strategy strategy() {
        return pool.strategy();
    }

    @Override
    public void updateStrategy(Strategy strategy) {
        pool.updateStrategy(strategy);
    }

    @Override
    public ActiveHealthCheck healthCheck() {
        return pool.health().config().active();
    }

    @Override
    public void updateHealthCheck(ActiveHealthCheck healthCheck) {
        pool.health().updateHealthCheck(healthCheck);
    }

    @Override
    public OutlierDetection outlierDetection() {
        return pool.health().config().outlier();
    }

    @Override
    public void updateOutlierDetection(OutlierDetection outlierDetection) {
        pool.health().updateOutlierDetection(outlierDetection);
    }

    @Override
    public LatencyHealth latencyHealth() {
        return pool.health().config().latency();
    }

    @Override
    public void updateLatencyHealth(LatencyHealth latencyHealth) {
        pool.health().updateLatencyHealth(latencyHealth);
    }

    @Override
    public SlowStart slowStart() {
        return pool.health().config().slowStart();
    }

    @Override
    public void updateSlowStart(SlowStart slowStart) {
        pool.health().updateSlowStart(slowStart);
    }

    @Override
    public PanicMode panicMode() {
        return pool.health().config().panicMode();
    }

    @Override
    public double panicThreshold() {
        return pool.health().config().panicThreshold();
    }

    @Override
    public void updatePanic(PanicMode mode, double threshold) {
        pool.health().updatePanic(mode, threshold);
    }

    @Override
    public boolean inPanic() {
        return pool.inPanic();
    }

    @Override
    public LoadBalancerStats stats() {
        LoadBalancerStats stats = pool.loadBalancerStats(name);
        return gate == null ? stats : ((DefaultLoadBalancerStats) stats).withQueue(gate.waiting(), gate.queuedTotal());
    }

    @Override
    public void recordRetriesExhausted() {
        pool.recordRetriesExhausted();
    }

    @Override
    public DiscoveredMembership discovery() {
        return discovery;
    }

    @Override
    public void close() {
        discovery.close();
        pool.close();
    }

    @Override
    public String toString() {
        return "LoadBalancer{" + name + ", strategy=" + pool.strategy().name() + ", " + pool.snapshot() + '}';
    }
}
