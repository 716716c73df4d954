package dev.jlb.discovery;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.Pool;
import dev.jlb.PoolEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * Feeds a {@link Pool} from {@link Discovery discoveries}: each snapshot a discovery reports is
 * compared with what that discovery added before, and the difference goes through the pool's own
 * calls (add, remove, re-weight), the ones the admin API uses. So a backend that stays keeps its
 * statistics and health; one that leaves is removed, and its requests in flight finish (see
 * {@link Pool}); one whose weight becomes 0 (a terminating Kubernetes endpoint) drains.
 *
 * <p>Priorities: of one discovery's backends, the pool holds the lowest priority and, in order,
 * each higher one while every backend of all lower ones is down as the pool judges it
 * ({@link BackendState#UNHEALTHY} or {@link BackendState#EJECTED}, or weight 0). A down backend
 * stays in the pool, so its health checks go on and its recovery takes the higher priority out
 * again. When the pool reports a state change of a backend with standbys, the priorities are judged
 * again on {@code executor}.
 *
 * <p>Backends that are in the pool for another reason (listed statically, added through the admin
 * API, or found first by another discovery) are left alone: a discovery never removes or re-weights
 * a backend it did not add.
 *
 * <p>Thread-safe: snapshots and re-judging are serialized on this object's lock.
 */
public final class DiscoveredMembership implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    private final String name;
    private final Pool pool;
    private final Executor executor;
    private final AutoCloseable poolListener;
    /** Guarded by this. The last snapshot of each attached discovery, in attach order. */
    private final Map<Discovery, List<DiscoveredBackend>> latest = new LinkedHashMap<>();
    /** Guarded by this. The backends this membership added, with the discovery that owns each. */
    private final Map<Backend, Discovery> owned = new LinkedHashMap<>();
    /** Guarded by this. */
    private boolean closed;
    /** Told after a discovery is attached or detached. */
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param name the route's name, for logs
     * @param pool the pool to feed
     * @param executor where priorities are judged again after a health change (not on the thread
     *     that changed the health: it may be a request thread)
     */
    public DiscoveredMembership(String name, Pool pool, Executor executor) {
        this.name = Objects.requireNonNull(name, "name");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.poolListener = pool.addListener(this::onPoolEvent);
    }

    /**
     * Starts {@code discovery} and applies its snapshots from now on.
     *
     * @param discovery the discovery
     */
    public void attach(Discovery discovery) {
        Objects.requireNonNull(discovery, "discovery");
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (latest.containsKey(discovery)) {
                return;
            }
            latest.put(discovery, List.of());
        }
        discovery.start(backends -> apply(discovery, backends));
        changeListeners.forEach(Runnable::run);
    }

    /**
     * Tells {@code listener} after each {@link #attach} and {@link #detach} (a reload replaces
     * discoveries), on the thread that called it, outside this object's lock; {@link #discoveries()}
     * then gives the new set. Metrics use it to follow the discoveries.
     *
     * @param listener what to run; it must not block
     * @return closing it stops the calls
     */
    public AutoCloseable addChangeListener(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        changeListeners.add(listener);
        return () -> changeListeners.remove(listener);
    }

    /**
     * Stops {@code discovery} and removes the backends it added. Returns false when it was not attached.
     *
     * @param discovery the discovery
     * @return the boolean
     */
    public boolean detach(Discovery discovery) {
        synchronized (this) {
            if (latest.remove(discovery) == null) {
                return false;
            }
        }
        discovery.close();
        synchronized (this) {
            reconcile(discovery, List.of());
        }
        changeListeners.forEach(Runnable::run);
        return true;
    }

    /** {@return the attached discoveries, in attach order} */
    public synchronized List<Discovery> discoveries() {
        return List.copyOf(latest.keySet());
    }

    /**
     * The attached discovery whose {@link Discovery#source()} is {@code source}.
     *
     * @param source the source
     * @return the attached discovery whose {@link Discovery#source()} is {@code source}
     */
    public synchronized Optional<Discovery> find(String source) {
        return latest.keySet().stream().filter(d -> d.source().equals(source)).findFirst();
    }

    /** {@return the backends the discoveries added and that are in the pool now, in the order they were added} */
    public synchronized Set<Backend> owned() {
        return Set.copyOf(owned.keySet());
    }

    private void apply(Discovery discovery, List<DiscoveredBackend> backends) {
        List<DiscoveredBackend> copy = List.copyOf(backends);
        synchronized (this) {
            if (closed || !latest.containsKey(discovery)) {
                return;
            }
            latest.put(discovery, copy);
            reconcile(discovery, copy);
        }
    }

    private void onPoolEvent(PoolEvent event) {
        if (event.type() != PoolEvent.Type.STATE_CHANGED || event.backend() == null) {
            return;
        }
        Discovery owner;
        synchronized (this) {
            owner = owned.get(event.backend());
            if (owner == null || !hasStandbys(latest.get(owner))) {
                return;
            }
        }
        executor.execute(() -> {
            synchronized (this) {
                List<DiscoveredBackend> snapshot = latest.get(owner);
                if (!closed && snapshot != null) {
                    reconcile(owner, snapshot);
                }
            }
        });
    }

    private static boolean hasStandbys(List<DiscoveredBackend> snapshot) {
        return snapshot != null && snapshot.stream().mapToInt(DiscoveredBackend::priority).distinct().count() > 1;
    }

    /** Makes the pool hold what {@code discovery} should contribute now; under this. */
    private void reconcile(Discovery discovery, List<DiscoveredBackend> snapshot) {
        Map<Backend, Backend> wanted = new LinkedHashMap<>();
        for (DiscoveredBackend d : activePriorities(snapshot)) {
            wanted.putIfAbsent(d.backend(), d.backend().withSource(discovery.source()));
        }
        List<Backend> added = new ArrayList<>();
        List<Backend> removed = new ArrayList<>();
        List<Backend> reweighted = new ArrayList<>();
        for (var it = owned.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue() == discovery && !wanted.containsKey(e.getKey())) {
                it.remove();
                if (pool.remove(e.getKey())) {
                    removed.add(e.getKey());
                }
            }
        }
        for (Backend b : wanted.values()) {
            Discovery owner = owned.get(b);
            if (owner == null) {
                if (pool.add(b)) {
                    owned.put(b, discovery);
                    added.add(b);
                }
            } else if (owner == discovery) {
                Optional<Backend> current = pool.stats(b).map(BackendStats::backend);
                if (current.isEmpty()) {
                    // Removed from the outside (the admin API): a discovery puts it back.
                    if (pool.add(b)) {
                        added.add(b);
                    }
                } else if (current.get().weight() != b.weight() || !current.get().source().equals(b.source())) {
                    pool.update(b);
                    reweighted.add(b);
                }
            }
        }
        if (!added.isEmpty() || !removed.isEmpty() || !reweighted.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "jlb[{0}]: {1}: {2}", name, discovery.source(),
                    describe(added, removed, reweighted));
        }
    }

    /**
     * The backends of {@code snapshot} that belong in the pool: every priority up to and including
     * the first one with a backend that is not down (all of them when every one is down).
     */
    private List<DiscoveredBackend> activePriorities(List<DiscoveredBackend> snapshot) {
        TreeMap<Integer, List<DiscoveredBackend>> byPriority = new TreeMap<>();
        for (DiscoveredBackend d : snapshot) {
            byPriority.computeIfAbsent(d.priority(), k -> new ArrayList<>()).add(d);
        }
        List<DiscoveredBackend> active = new ArrayList<>();
        for (List<DiscoveredBackend> level : byPriority.values()) {
            active.addAll(level);
            if (level.stream().anyMatch(this::mayServe)) {
                break;
            }
        }
        active.sort(Comparator.comparingInt(DiscoveredBackend::priority));
        return active;
    }

    /** Whether the pool would send requests to {@code d}: not yet a member (it starts healthy), or eligible. */
    private boolean mayServe(DiscoveredBackend d) {
        if (d.backend().weight() == 0) {
            return false;
        }
        Optional<BackendStats> stats = pool.stats(d.backend());
        if (stats.isEmpty()) {
            return true;
        }
        BackendState state = stats.get().state();
        return state == BackendState.HEALTHY || state == BackendState.DEGRADED
                || (state == BackendState.DRAINING && stats.get().backend().weight() == 0);
    }

    private static String describe(List<Backend> added, List<Backend> removed, List<Backend> reweighted) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("added " + ids(added));
        }
        if (!removed.isEmpty()) {
            parts.add("removed " + ids(removed));
        }
        if (!reweighted.isEmpty()) {
            parts.add("re-weighted " + ids(reweighted));
        }
        return String.join(", ", parts);
    }

    private static String ids(List<Backend> backends) {
        StringBuilder sb = new StringBuilder("[");
        for (Backend b : backends) {
            sb.append(sb.length() == 1 ? "" : " ").append(b.id()).append(b.weight() == 1 ? "" : "*" + b.weight());
        }
        return sb.append(']').toString();
    }

    /** Stops every discovery; the backends they added stay in the pool. */
    @Override
    public void close() {
        List<Discovery> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(latest.keySet());
        }
        for (Discovery d : toClose) {
            d.close();
        }
        try {
            poolListener.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "jlb[" + name + "]: closing the pool listener failed", e);
        }
    }

    @Override
    public synchronized String toString() {
        return "DiscoveredMembership{" + name + ", " + latest.keySet().stream().map(Discovery::source).toList()
                + ", owned=" + owned.size() + '}';
    }
}
