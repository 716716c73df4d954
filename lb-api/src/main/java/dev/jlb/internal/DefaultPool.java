package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancerStats;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.Pool;
import dev.jlb.PoolEvent;
import dev.jlb.PoolListener;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.Ticker;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BooleanSupplier;

/**
 * The membership, its health and its published snapshot. Writers serialize on {@link #lock},
 * recompute every member's state, rebuild the eligible list, and publish a new {@link Snapshot}
 * through one volatile field when it differs from the current one; readers do one volatile read.
 *
 * <p>Health inputs (active check results, consecutive-failure streaks, latency evaluations, timer
 * wake-ups) only set a member's flags under the lock and call {@link #publish}, which alone decides
 * states, effective weights and panic. Events are queued under the lock and delivered after it is
 * released, in order.
 */
final class DefaultPool implements Pool {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    /** A slow backend recovers under this share of the limit it broke. */
    static final double LATENCY_HYSTERESIS = 0.8;

    private final String name;
    private final Ticker ticker;
    private final RandomSource random;
    private final Timers timers;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. Keyed by identity; insertion order is membership order. */
    private final Map<Backend, BackendEntry> entries = new LinkedHashMap<>();
    private final PoolEvents events;
    private final RouteCounters counters = new RouteCounters();

    /** Guarded by {@link #lock} for writes. */
    private volatile Strategy strategy;
    private volatile Snapshot snapshot;
    /** Guarded by {@link #lock} for writes. */
    private volatile HealthConfig config;
    /** The outlier threshold, read by the members' request path. */
    private final BackendEntry.Streaks streaks = new BackendEntry.Streaks() {
        @Override
        void reached(BackendEntry entry, int streak) {
            onConsecutiveFailures(entry, streak);
        }
    };

    // Guarded by lock.
    private final ActiveHealth active;
    private final Ejections ejections;
    private ScheduledFuture<?> wakeup;
    private long wakeupAt;
    private long wakeupSeq;
    private ScheduledFuture<?> latencyTask;
    private long latencySeq;
    private volatile boolean closed;

    DefaultPool(String name, Strategy strategy, Ticker ticker, RandomSource random, List<PoolListener> initialListeners,
            HealthConfig config, Timers timers) {
        this.name = name;
        this.strategy = strategy;
        this.ticker = ticker;
        this.random = random;
        this.timers = timers;
        this.config = config;
        this.streaks.threshold = config.outlier().isEnabled() ? config.outlier().consecutiveFailures() : 0;
        this.events = new PoolEvents(name, initialListeners);
        this.active = new ActiveHealth(timers, ticker, random, this::onCheckResult);
        this.ejections = new Ejections(name);
        this.snapshot = SnapshotBuilder.empty(strategy);
    }

    /** Counts a non-retry selection refused with {@code e}; returns {@code e} for the caller to throw. */
    NoBackendAvailableException rejected(NoBackendAvailableException e) {
        return counters.rejected(e);
    }

    void recordRetriesExhausted() {
        counters.retryExhausted();
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

    Ticker ticker() {
        return ticker;
    }

    Strategy strategy() {
        return strategy;
    }

    HealthConfig config() {
        return config;
    }

    void updateStrategy(Strategy newStrategy) {
        Objects.requireNonNull(newStrategy, "strategy");
        write(() -> {
            strategy = newStrategy;
            return true;
        });
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
        return write(() -> {
            if (entries.containsKey(backend)) {
                return false;
            }
            checkUniqueId(backend);
            addLocked(backend, false);
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
        BackendEntry entry = new BackendEntry(backend, streaks, backend.weight() == 0
                ? MemberStatus.added(BackendState.DRAINING, "weight 0") : MemberStatus.added(BackendState.HEALTHY, "added"));
        // The initial backends start at full weight; later ones (and every comeback) slow-start.
        entry.wasEligible = initial && backend.weight() > 0;
        entries.put(backend, entry);
        events.enqueue(new PoolEvent(PoolEvent.Type.ADDED, backend, null, entry.state(), ""));
        active.add(entry);
        ejections.add(entry);
    }

    private void removeLocked(BackendEntry entry) {
        counters.retire(entry);
        entry.status = entry.status().removed();
        events.enqueue(new PoolEvent(PoolEvent.Type.REMOVED, entry.backend, entry.state(), null, ""));
        active.remove(entry);
        ejections.remove(entry);
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

    private void updateLocked(BackendEntry entry, Backend backend) {
        if (entry.backend.weight() == backend.weight()) {
            return;
        }
        entry.backend = backend;
        events.enqueue(new PoolEvent(PoolEvent.Type.WEIGHT_CHANGED, backend, null, null, ""));
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
        return events.addListener(listener);
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
            active.start(config.active());
            scheduleLatencyEvaluation();
            return true;
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Health inputs

    /** Called from the request path when a member's failure streak reaches the outlier threshold. */
    void onConsecutiveFailures(BackendEntry entry, int streak) {
        write(() -> {
            HealthConfig cfg = config;
            return !closed && cfg.outlier().isEnabled() && entries.get(entry.backend) == entry
                    && SnapshotBuilder.isEligible(entry.state())
                    && ejections.eject(entry, ticker.read(), cfg.outlier(), streak + " consecutive failures", false);
        });
    }

    /**
     * A result of an active check (or its timeout); ignored when the check was stopped meanwhile.
     * {@code ejectionsAtStart} is the member's ejection count when the check started.
     */
    private void onCheckResult(ActiveChecker.Task task, HealthCheckResult result, long elapsedNanos,
            long ejectionsAtStart) {
        write(() -> {
            BackendEntry entry = task.entry;
            if (closed || !active.accepts(task)) {
                return false;
            }
            if (result.isHealthy() && elapsedNanos >= 0) {
                entry.recordLatency(elapsedNanos);
            }
            boolean changed = active.record(entry, result);
            // Envoy's successful_active_health_check_uneject_host, restricted to checks started
            // after the ejection: one in flight when it began may predate the failures.
            OutlierDetection outlier = config.outlier();
            long now = ticker.read();
            String unejected = "; un-ejected";
            if (result.isHealthy() && !active.isUnhealthy(entry) && outlier.isEnabled()
                    && outlier.unejectOnHealthCheckPass() && ejections.endEarly(entry, now, ejectionsAtStart,
                            "active health check passed: " + result.reason() + unejected)) {
                if (changed) {
                    // UNHEALTHY -> HEALTHY: the event gives the active reason; say it ends the ejection too.
                    active.appendReason(entry, unejected);
                }
                changed = true;
            }
            return changed;
        });
    }

    /** Judges every eligible member's latency average; runs every {@code LatencyHealth.interval()}. */
    void evaluateLatency() {
        write(() -> {
            HealthConfig cfg = config;
            LatencyHealth latency = cfg.latency();
            if (closed || !latency.isEnabled()) {
                return false;
            }
            boolean changed = false;
            long now = ticker.read();
            List<BackendEntry> judged = new ArrayList<>(entries.size());
            List<Long> averages = new ArrayList<>(entries.size());
            for (BackendEntry entry : entries.values()) {
                long average = entry.latencyEwmaNanos();
                if (SnapshotBuilder.isEligible(entry.state()) && average >= 0
                        && entry.latencySamples() >= latency.minimumSamples()) {
                    judged.add(entry);
                    averages.add(average);
                }
            }
            long[] sorted = averages.stream().mapToLong(Long::longValue).sorted().toArray();
            long absolute = latency.absoluteLimit().map(java.time.Duration::toNanos).orElse(Long.MAX_VALUE);
            long floor = latency.relativeFloor().toNanos();
            for (int i = 0; i < judged.size(); i++) {
                BackendEntry entry = judged.get(i);
                long average = averages.get(i);
                long limit = absolute;
                String rule = absolute == Long.MAX_VALUE ? null : "limit " + Durations.approx(absolute);
                if (latency.relativeFactor() > 0 && sorted.length >= 2) {
                    long median = LatencyMath.medianExcluding(sorted, average);
                    long relative = Math.max((long) Math.min(latency.relativeFactor() * median, (double) Long.MAX_VALUE),
                            floor);
                    if (relative < limit) {
                        limit = relative;
                        rule = "max(" + latency.relativeFactor() + " x median " + Durations.approx(median)
                                + " of the others, " + Durations.approx(floor) + ")";
                    }
                }
                if (rule == null) {
                    continue;
                }
                if (!entry.degraded) {
                    if (average > limit) {
                        String cause = "latency " + Durations.approx(average) + " > " + rule;
                        if (latency.action() == LatencyHealth.Action.DEGRADE) {
                            entry.degraded = true;
                            entry.degradeReason = cause;
                            changed = true;
                        } else if (ejections.eject(entry, now, cfg.outlier(), cause, true)) {
                            changed = true;
                        }
                    }
                } else if (average < limit * LATENCY_HYSTERESIS) {
                    entry.degraded = false;
                    entry.degradeReason = "latency " + Durations.approx(average) + " back under "
                            + Durations.approx((long) (limit * LATENCY_HYSTERESIS));
                    changed = true;
                }
            }
            return changed;
        });
    }

    /** (Re)starts the periodic latency evaluation. Call under the lock. */
    private void scheduleLatencyEvaluation() {
        if (latencyTask != null) {
            latencyTask.cancel(false);
            latencyTask = null;
        }
        long seq = ++latencySeq;
        if (config.latency().isEnabled() && !closed) {
            latencyTask = timers.schedule(() -> runLatencyEvaluation(seq), config.latency().interval().toNanos());
        }
    }

    private void runLatencyEvaluation(long seq) {
        synchronized (lock) {
            if (seq != latencySeq || closed) {
                return;
            }
        }
        evaluateLatency();
        synchronized (lock) {
            if (seq == latencySeq && !closed) {
                latencyTask = timers.schedule(() -> runLatencyEvaluation(seq), config.latency().interval().toNanos());
            }
        }
    }

    /** Makes sure {@link #publish} runs again at {@code at} (ticker time). Call under the lock. */
    private void wakeAt(long at, long now) {
        if (closed) {
            return;
        }
        if (wakeup != null && wakeupAt - at <= 0) {
            return;
        }
        if (wakeup != null) {
            wakeup.cancel(false);
        }
        long seq = ++wakeupSeq;
        wakeupAt = at;
        wakeup = timers.schedule(() -> write(() -> {
            if (seq == wakeupSeq) {
                wakeup = null;
            }
            return true;
        }), at - now);
    }

    // ---------------------------------------------------------------------------------------------
    // Runtime updates

    void updateHealthCheck(ActiveHealthCheck check) {
        Objects.requireNonNull(check, "healthCheck");
        write(() -> {
            if (check.equals(config.active())) {
                return false;
            }
            config = config.withActive(check);
            active.replace(check, closed);
            return true;
        });
    }

    void updateOutlierDetection(OutlierDetection outlier) {
        Objects.requireNonNull(outlier, "outlierDetection");
        write(() -> {
            if (outlier.equals(config.outlier())) {
                return false;
            }
            config = config.withOutlier(outlier);
            streaks.threshold = outlier.isEnabled() ? outlier.consecutiveFailures() : 0;
            if (!outlier.isEnabled()) {
                ejections.outlierDisabled(ticker.read());
            }
            return true;
        });
    }

    void updateLatencyHealth(LatencyHealth latency) {
        Objects.requireNonNull(latency, "latencyHealth");
        boolean changed = write(() -> {
            if (latency.equals(config.latency())) {
                return false;
            }
            config = config.withLatency(latency);
            boolean degrading = latency.isEnabled() && latency.action() == LatencyHealth.Action.DEGRADE;
            long now = ticker.read();
            for (BackendEntry entry : entries.values()) {
                if (entry.degraded && !degrading) {
                    entry.degraded = false;
                    entry.degradeReason = latency.isEnabled() ? "latency action now " + latency.action()
                            : "latency health disabled";
                }
            }
            if (!latency.isEnabled()) {
                ejections.latencyDisabled(now);
            }
            scheduleLatencyEvaluation();
            return true;
        });
        if (changed) {
            // Judge again at once with the new rules (a no-op when disabled).
            evaluateLatency();
        }
    }

    void updateSlowStart(SlowStart slowStart) {
        Objects.requireNonNull(slowStart, "slowStart");
        write(() -> {
            if (slowStart.equals(config.slowStart())) {
                return false;
            }
            config = config.withSlowStart(slowStart);
            return true;
        });
    }

    void updatePanic(PanicMode mode, double threshold) {
        Objects.requireNonNull(mode, "mode");
        PanicMode.checkThreshold(threshold);
        write(() -> {
            config = config.withPanic(mode, threshold);
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
            active.close();
            if (wakeup != null) {
                wakeup.cancel(false);
                wakeup = null;
            }
            if (latencyTask != null) {
                latencyTask.cancel(false);
                latencyTask = null;
            }
        }
        timers.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Publishing

    private BackendState stateOf(BackendEntry entry) {
        if (entry.backend.weight() == 0) {
            return BackendState.DRAINING;
        }
        if (active.isUnhealthy(entry)) {
            return BackendState.UNHEALTHY;
        }
        if (ejections.isEjected(entry)) {
            return BackendState.EJECTED;
        }
        return entry.degraded ? BackendState.DEGRADED : BackendState.HEALTHY;
    }

    private String reasonFor(BackendEntry entry, BackendState oldState, BackendState newState) {
        switch (newState) {
            case DRAINING:
                return "weight 0";
            case UNHEALTHY:
                return active.reason(entry);
            case EJECTED:
                return ejections.cause(entry);
            default:
                switch (oldState) {
                    case DRAINING:
                        return "weight " + entry.backend.weight();
                    case UNHEALTHY:
                        return active.reason(entry);
                    case EJECTED:
                        return ejections.endReason(entry);
                    default:
                        return entry.degradeReason;
                }
        }
    }

    /**
     * Recomputes every member's state and effective weight, the eligible list and panic, publishes
     * a new snapshot when it differs, schedules the next wake-up (ejection end, slow-start step), and
     * queues the state changes for the listeners. Called by {@link #write} only.
     */
    private void publish() {
        long now = ticker.read();
        HealthConfig cfg = config;
        SlowStart slowStart = cfg.slowStart();
        long nextWakeup = Long.MAX_VALUE;
        ejections.expire(now);
        if (!closed) {
            nextWakeup = ejections.untilNextEnd(now);
        }
        SnapshotBuilder next = new SnapshotBuilder(entries.size(), cfg.panicMode(), cfg.panicThreshold());
        for (BackendEntry entry : entries.values()) {
            MemberStatus old = entry.status();
            BackendState newState = stateOf(entry);
            boolean isEligible = SnapshotBuilder.isEligible(newState);
            if (isEligible && !entry.wasEligible && slowStart.isEnabled()) {
                entry.ramping = true;
                entry.rampStart = now;
            }
            entry.wasEligible = isEligible;
            String reason = old.reason();
            if (newState != old.state()) {
                reason = reasonFor(entry, old.state(), newState);
                events.enqueue(new PoolEvent(PoolEvent.Type.STATE_CHANGED, entry.backend, old.state(), newState, reason));
            }
            double factor = 1.0;
            if (isEligible && entry.ramping) {
                long elapsed = now - entry.rampStart;
                long nextStep = slowStart.nextStepNanos(elapsed);
                if (nextStep < 0) {
                    entry.ramping = false;
                } else {
                    factor = slowStart.factor(elapsed);
                    nextWakeup = Math.min(nextWakeup, nextStep - elapsed);
                }
            }
            if (newState == BackendState.DEGRADED) {
                factor *= cfg.latency().degradedWeightFactor();
            }
            next.add(entry, newState, reason, factor, ejections.count(entry));
        }
        Snapshot old = snapshot;
        snapshot = next.build(old, strategy, random);
        if (snapshot.panic != old.panic) {
            events.enqueue(next.panicEvent());
        }
        if (nextWakeup != Long.MAX_VALUE) {
            wakeAt(now + Math.max(0, nextWakeup), now);
        }
    }

    boolean inPanic() {
        return snapshot.panic;
    }

    @Override
    public String toString() {
        return "Pool{" + name + ", " + snapshot + '}';
    }
}
