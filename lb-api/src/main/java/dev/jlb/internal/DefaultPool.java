package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancerStats;
import dev.jlb.NoBackendAvailableException;
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
import java.util.function.BooleanSupplier;

/**
 * The membership and its published snapshot. Every write goes through {@link #write}: under
 * {@link #lock}, a change of membership, a health input or a setting updates the piece that owns it,
 * then {@link #publish} turns every member's state and weight share, as {@link PoolHealth} decides
 * them, into a new {@link Snapshot}, published through one volatile field when it differs; readers
 * do one volatile read. Events are queued under the lock and delivered after it is released, in
 * order.
 */
final class DefaultPool implements Pool {

    private final String name;
    private final Ticker ticker;
    private final RandomSource random;
    private final Timers timers;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. Keyed by identity; insertion order is membership order. */
    private final Map<Backend, BackendEntry> entries = new LinkedHashMap<>();
    private final PoolEvents events;
    private final RouteCounters counters = new RouteCounters();
    private final PoolHealth health;
    /** Guarded by {@link #lock} for writes. */
    private volatile Strategy strategy;
    private volatile Snapshot snapshot;
    /** Null without overload limits; every member tells it of its completed leases. */
    private final OverloadGate gate;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    DefaultPool(String name, Strategy strategy, Ticker ticker, RandomSource random, List<PoolListener> initialListeners,
            HealthConfig config, Timers timers, OverloadGate gate) {
        this.name = name;
        this.strategy = Objects.requireNonNull(strategy.withTicker(ticker), "strategy.withTicker(ticker)");
        this.ticker = ticker;
        this.random = random;
        this.timers = timers;
        this.gate = gate;
        this.events = new PoolEvents(name, initialListeners);
        this.health = new PoolHealth(name, config, timers, ticker, random, new PoolHealth.Membership() {
            @Override
            public boolean write(BooleanSupplier change) {
                return DefaultPool.this.write(change);
            }

            @Override
            public Collection<BackendEntry> members() {
                return entries.values();
            }

            @Override
            public boolean contains(BackendEntry entry) {
                return entries.get(entry.backend) == entry;
            }
        });
        this.snapshot = SnapshotBuilder.empty(this.strategy);
    }

    /**
     * Runs {@code change} under the writer lock and publishes when it reports a change, then delivers
     * the events queued meanwhile, after the lock is released. Every write to the pool goes through
     * here.
     *
     * @return what {@code change} returned
     */
    private boolean write(BooleanSupplier change) {
        boolean changed;
        synchronized (lock) {
            changed = change.getAsBoolean();
            if (changed) {
                publish();
            }
        }
        events.drain();
        return changed;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    RandomSource random() {
        return random;
    }

    Strategy strategy() {
        return strategy;
    }

    PoolHealth health() {
        return health;
    }

    boolean inPanic() {
        return snapshot.panic;
    }

    /** Counts a non-retry selection refused with {@code e}; returns {@code e} for the caller to throw. */
    NoBackendAvailableException rejected(NoBackendAvailableException e) {
        return counters.rejected(e);
    }

    void recordRetriesExhausted() {
        counters.retryExhausted();
    }

    // ---------------------------------------------------------------------------------------------
    // Membership

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

    /**
     * Adds the initial backends and starts health checking (the first round at once); called once
     * by the load balancer before it is handed out.
     */
    void init(List<Backend> backends) {
        write(() -> {
            for (Backend backend : backends) {
                checkUniqueId(backend);
                addLocked(backend, true);
            }
            health.start();
            return true;
        });
    }

    @Override
    public boolean add(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        return write(() -> {
            if (entries.containsKey(backend)) {
                return false;
            }
            checkUniqueId(backend);
            addLocked(backend, false);
            return true;
        });
    }

    @Override
    public boolean remove(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        return write(() -> {
            BackendEntry entry = entries.remove(backend);
            if (entry == null) {
                return false;
            }
            removeLocked(entry);
            return true;
        });
    }

    @Override
    public boolean update(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        return write(() -> {
            BackendEntry entry = entries.get(backend);
            if (entry == null) {
                return false;
            }
            updateLocked(entry, backend);
            return true;
        });
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
        write(() -> {
            for (var it = entries.values().iterator(); it.hasNext(); ) {
                BackendEntry entry = it.next();
                if (!wanted.containsKey(entry.backend)) {
                    it.remove();
                    removeLocked(entry);
                }
            }
            for (Backend backend : wanted.values()) {
                BackendEntry entry = entries.get(backend);
                if (entry == null) {
                    checkUniqueId(backend);
                    addLocked(backend, false);
                } else {
                    updateLocked(entry, backend);
                }
            }
            return true;
        });
    }

    private void checkUniqueId(Backend backend) {
        for (Backend existing : entries.keySet()) {
            if (existing.id().equals(backend.id())) {
                throw new IllegalArgumentException("backend: " + backend.uri()
                        + " (expected: an id other than " + existing.id() + ", which " + existing.uri() + " has)");
            }
        }
    }

    private void addLocked(Backend backend, boolean initial) {
        BackendEntry entry = new BackendEntry(backend, health.streaks(), gate, backend.weight() == 0
                ? MemberStatus.added(BackendState.DRAINING, "weight 0") : MemberStatus.added(BackendState.HEALTHY, "added"));
        entries.put(backend, entry);
        events.enqueue(new PoolEvent(PoolEvent.Type.ADDED, backend, null, entry.state(), ""));
        health.add(entry, initial);
    }

    private void removeLocked(BackendEntry entry) {
        counters.retire(entry);
        entry.status = entry.status().removed();
        events.enqueue(new PoolEvent(PoolEvent.Type.REMOVED, entry.backend, entry.state(), null, ""));
        health.remove(entry);
    }

    private void updateLocked(BackendEntry entry, Backend backend) {
        if (entry.backend.weight() == backend.weight()) {
            if (!entry.backend.source().equals(backend.source())) {
                entry.backend = backend;
            }
            return;
        }
        entry.backend = backend;
        events.enqueue(new PoolEvent(PoolEvent.Type.WEIGHT_CHANGED, backend, null, null, ""));
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

    /** The route's counters and every member's statistics; see {@link LoadBalancerStats}. */
    LoadBalancerStats loadBalancerStats(String lbName) {
        List<BackendEntry> members;
        RouteCounters.Retired removed;
        synchronized (lock) {
            members = new ArrayList<>(entries.values());
            removed = counters.foldRetired();
        }
        return counters.stats(lbName, ticker.read(), snapshot.panic, members, removed);
    }

    @Override
    public AutoCloseable addListener(PoolListener listener) {
        return events.addListener(listener);
    }

    void updateStrategy(Strategy newStrategy) {
        Objects.requireNonNull(newStrategy, "strategy");
        write(() -> {
            strategy = Objects.requireNonNull(newStrategy.withTicker(ticker), "strategy.withTicker(ticker)");
            return true;
        });
    }

    /** Stops checks and timers; health state is frozen from now on. Idempotent. */
    void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            health.close();
        }
        timers.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Publishing

    /**
     * Decides every member's state, reason and share of its weight, publishes the snapshot they make
     * when it differs, and queues the state changes for the listeners. Called by {@link #write} only.
     */
    private void publish() {
        long now = ticker.read();
        HealthConfig cfg = health.config();
        health.expire(now);
        SnapshotBuilder next = new SnapshotBuilder(entries.size(), cfg.panicMode(), cfg.panicThreshold());
        for (BackendEntry entry : entries.values()) {
            MemberStatus old = entry.status();
            BackendState state = health.stateOf(entry);
            String reason = old.reason();
            if (state != old.state()) {
                reason = health.reasonFor(entry, old.state(), state);
                events.enqueue(new PoolEvent(PoolEvent.Type.STATE_CHANGED, entry.backend, old.state(), state, reason));
            }
            next.add(entry, state, reason, health.share(entry, state, now), health.ejections(entry));
        }
        Snapshot old = snapshot;
        snapshot = next.build(old, strategy, random);
        if (snapshot.panic != old.panic) {
            events.enqueue(next.panicEvent());
        }
        health.published(now);
    }

    @Override
    public String toString() {
        return "Pool{" + name + ", " + snapshot + '}';
    }
}
