package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.Pool;
import dev.jlb.PoolEvent;
import dev.jlb.PoolListener;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.Ticker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The membership and its published snapshot. Writers serialize on {@link #lock}, rebuild the
 * eligible list, and publish a new {@link Snapshot} through one volatile field when it differs from
 * the current one; readers do one volatile read.
 */
final class DefaultPool implements Pool {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    private final String name;
    private final Ticker ticker;
    private final RandomSource random;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. Keyed by identity; insertion order is membership order. */
    private final Map<Backend, BackendEntry> entries = new LinkedHashMap<>();
    private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor events = new SerialExecutor();

    /** Guarded by {@link #lock} for writes. */
    private volatile Strategy strategy;
    private volatile Snapshot snapshot;

    DefaultPool(String name, Strategy strategy, Ticker ticker, RandomSource random, List<PoolListener> initialListeners) {
        this.name = name;
        this.strategy = strategy;
        this.ticker = ticker;
        this.random = random;
        this.listeners.addAll(initialListeners);
        this.snapshot = new Snapshot(List.of(), strategy, null, noBackend(0, 0, 0, 0), false);
    }

    Snapshot snapshot() {
        return snapshot;
    }

    RandomSource random() {
        return random;
    }

    Ticker ticker() {
        return ticker;
    }

    Strategy strategy() {
        return strategy;
    }

    void updateStrategy(Strategy newStrategy) {
        Objects.requireNonNull(newStrategy, "strategy");
        synchronized (lock) {
            strategy = newStrategy;
            publish(new ArrayList<>());
        }
        events.drain();
    }

    @Override
    public List<Backend> backends() {
        synchronized (lock) {
            List<Backend> result = new ArrayList<>(entries.size());
            for (BackendEntry entry : entries.values()) {
                result.add(entry.backend);
            }
            return Collections.unmodifiableList(result);
        }
    }

    @Override
    public Optional<Backend> find(String id) {
        Objects.requireNonNull(id, "id");
        synchronized (lock) {
            for (BackendEntry entry : entries.values()) {
                if (entry.backend.id().equals(id)) {
                    return Optional.of(entry.backend);
                }
            }
            return Optional.empty();
        }
    }

    @Override
    public boolean add(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        synchronized (lock) {
            if (entries.containsKey(backend)) {
                return false;
            }
            checkUniqueId(backend);
            List<PoolEvent> changes = new ArrayList<>();
            addLocked(backend, changes);
            publish(changes);
        }
        events.drain();
        return true;
    }

    private void checkUniqueId(Backend backend) {
        for (Backend existing : entries.keySet()) {
            if (existing.id().equals(backend.id())) {
                throw new IllegalArgumentException("backend: " + backend.uri()
                        + " (expected: an id other than " + existing.id() + ", which " + existing.uri() + " has)");
            }
        }
    }

    private void addLocked(Backend backend, List<PoolEvent> changes) {
        BackendEntry entry = new BackendEntry(backend);
        entry.state = backend.weight() == 0 ? BackendState.DRAINING : BackendState.HEALTHY;
        entries.put(backend, entry);
        changes.add(new PoolEvent(PoolEvent.Type.ADDED, backend, null, entry.state, ""));
    }

    @Override
    public boolean remove(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        synchronized (lock) {
            BackendEntry entry = entries.remove(backend);
            if (entry == null) {
                return false;
            }
            List<PoolEvent> changes = new ArrayList<>();
            changes.add(new PoolEvent(PoolEvent.Type.REMOVED, entry.backend, entry.state, null, ""));
            entry.effectiveWeight = 0;
            publish(changes);
        }
        events.drain();
        return true;
    }

    @Override
    public boolean update(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        synchronized (lock) {
            BackendEntry entry = entries.get(backend);
            if (entry == null) {
                return false;
            }
            List<PoolEvent> changes = new ArrayList<>();
            updateLocked(entry, backend, changes);
            publish(changes);
        }
        events.drain();
        return true;
    }

    private void updateLocked(BackendEntry entry, Backend backend, List<PoolEvent> changes) {
        if (entry.backend.weight() == backend.weight()) {
            return;
        }
        entry.backend = backend;
        changes.add(new PoolEvent(PoolEvent.Type.WEIGHT_CHANGED, backend, null, null, ""));
    }

    @Override
    public void replaceAll(Collection<Backend> backends) {
        Objects.requireNonNull(backends, "backends");
        Map<Backend, Backend> wanted = new LinkedHashMap<>();
        for (Backend backend : backends) {
            if (wanted.put(Objects.requireNonNull(backend, "backend"), backend) != null) {
                throw new IllegalArgumentException("backend: " + backend.uri() + " (expected: each backend once)");
            }
        }
        synchronized (lock) {
            List<PoolEvent> changes = new ArrayList<>();
            for (var it = entries.values().iterator(); it.hasNext(); ) {
                BackendEntry entry = it.next();
                if (!wanted.containsKey(entry.backend)) {
                    it.remove();
                    entry.effectiveWeight = 0;
                    changes.add(new PoolEvent(PoolEvent.Type.REMOVED, entry.backend, entry.state, null, ""));
                }
            }
            for (Backend backend : wanted.values()) {
                BackendEntry entry = entries.get(backend);
                if (entry == null) {
                    checkUniqueId(backend);
                    addLocked(backend, changes);
                } else {
                    updateLocked(entry, backend, changes);
                }
            }
            publish(changes);
        }
        events.drain();
    }

    @Override
    public List<BackendStats> stats() {
        List<BackendEntry> copy;
        synchronized (lock) {
            copy = new ArrayList<>(entries.values());
        }
        List<BackendStats> result = new ArrayList<>(copy.size());
        for (BackendEntry entry : copy) {
            result.add(new DefaultBackendStats(entry));
        }
        return Collections.unmodifiableList(result);
    }

    @Override
    public Optional<BackendStats> stats(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        BackendEntry entry;
        synchronized (lock) {
            entry = entries.get(backend);
        }
        return entry == null ? Optional.empty() : Optional.of(new DefaultBackendStats(entry));
    }

    @Override
    public AutoCloseable addListener(PoolListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Adds the initial backends; called once by the load balancer before it is handed out. */
    void init(List<Backend> backends) {
        synchronized (lock) {
            List<PoolEvent> changes = new ArrayList<>();
            for (Backend backend : backends) {
                checkUniqueId(backend);
                addLocked(backend, changes);
            }
            publish(changes);
        }
        events.drain();
    }

    /**
     * Recomputes every member's state and the eligible list, publishes a new snapshot when it
     * differs, and queues {@code changes} plus any state changes for the listeners. Call with
     * {@link #lock} held, then call {@code events.drain()} after releasing it.
     */
    private void publish(List<PoolEvent> changes) {
        List<SnapshotEndpoint> eligible = new ArrayList<>(entries.size());
        int drained = 0;
        int unhealthy = 0;
        int ejected = 0;
        for (BackendEntry entry : entries.values()) {
            Backend backend = entry.backend;
            BackendState newState = backend.weight() == 0 ? BackendState.DRAINING : BackendState.HEALTHY;
            BackendState oldState = entry.state;
            if (newState != oldState) {
                entry.state = newState;
                changes.add(new PoolEvent(PoolEvent.Type.STATE_CHANGED, backend, oldState, newState,
                        newState == BackendState.DRAINING ? "weight 0" : "weight " + backend.weight()));
            }
            switch (newState) {
                case DRAINING:
                    drained++;
                    entry.effectiveWeight = 0;
                    break;
                case UNHEALTHY:
                    unhealthy++;
                    entry.effectiveWeight = 0;
                    break;
                case EJECTED:
                    ejected++;
                    entry.effectiveWeight = 0;
                    break;
                default:
                    int weight = backend.weight();
                    entry.effectiveWeight = weight;
                    eligible.add(new SnapshotEndpoint(entry, backend, weight, eligible.size()));
            }
        }
        Strategy current = strategy;
        NoBackendAvailableException none = eligible.isEmpty()
                ? noBackend(entries.size(), drained, unhealthy, ejected) : null;
        Snapshot old = snapshot;
        if (!old.sameAs(eligible, current, false, none)) {
            List<SnapshotEndpoint> frozen = Collections.unmodifiableList(eligible);
            Strategy.Picker picker = frozen.isEmpty() ? null : current.newPicker(frozen, random);
            snapshot = new Snapshot(frozen, current, picker, none, false);
        }
        for (PoolEvent event : changes) {
            events.enqueue(() -> deliver(event));
        }
    }

    private void deliver(PoolEvent event) {
        LOG.log(event.type() == PoolEvent.Type.STATE_CHANGED || event.type() == PoolEvent.Type.PANIC_ENTERED
                        ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                "jlb[{0}]: {1}", name, event);
        for (PoolListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "jlb[" + name + "]: pool listener " + listener + " threw; ignored", e);
            }
        }
    }

    static NoBackendAvailableException noBackend(int total, int drained, int unhealthy, int ejected) {
        if (total == 0) {
            return new NoBackendAvailableException(Reason.NONE_CONFIGURED, "no backend available: none configured");
        }
        if (drained == total) {
            return new NoBackendAvailableException(Reason.ALL_DRAINED,
                    "no backend available: all " + total + " backends are drained (weight 0)");
        }
        StringBuilder sb = new StringBuilder("no backend available: ");
        String sep = "";
        if (unhealthy > 0) {
            sb.append(unhealthy).append(" unhealthy");
            sep = ", ";
        }
        if (ejected > 0) {
            sb.append(sep).append(ejected).append(" ejected");
            sep = ", ";
        }
        if (drained > 0) {
            sb.append(sep).append(drained).append(" drained");
        }
        sb.append(" of ").append(total);
        return new NoBackendAvailableException(Reason.ALL_UNHEALTHY, sb.toString());
    }

    @Override
    public String toString() {
        return "Pool{" + name + ", " + snapshot + '}';
    }
}
