package dev.jlb.internal;

import dev.jlb.BackendState;
import dev.jlb.RandomSource;
import dev.jlb.Ticker;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.util.Collection;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The health of a pool's members: the pieces that each own one kind of judgement
 * ({@link ActiveHealth}, {@link Ejections}, {@link LatencyJudge}, {@link SlowStartRamp}), the rule
 * that combines them into one state per member (draining, else unhealthy, else ejected, else degraded
 * or healthy) with the reason of the piece that decided, the inputs that feed them (check results,
 * failure streaks, latency evaluations, timer wake-ups) and the settings that can change at run time.
 *
 * <p>Every input and every setting change runs through {@link Membership#write}, under the pool's
 * lock, and tells whether anything changed; the pool then publishes, asking {@link #stateOf},
 * {@link #reasonFor} and {@link #share} about each member. The other methods are called under the
 * pool's lock.
 */
final class PoolHealth {

    /** What the health pieces need of the pool. */
    interface Membership {
        /** Runs {@code change} under the pool's lock and publishes when it returns true. */
        boolean write(BooleanSupplier change);

        /** The members, in membership order. Call under the pool's lock. */
        Collection<BackendEntry> members();

        /** Whether {@code entry} is (still) a member. Call under the pool's lock. */
        boolean contains(BackendEntry entry);
    }

    private final Ticker ticker;
    private final Membership pool;
    private final ActiveHealth active;
    private final Ejections ejections;
    private final LatencyJudge latency = new LatencyJudge();
    private final SlowStartRamp ramp = new SlowStartRamp();
    /** Publishes again when the next ejection ends or slow-start step begins. */
    private final Alarm wakeup;
    private final Periodic latencyEvaluation;
    /** The outlier threshold, read by the members' request path. */
    private final BackendEntry.Streaks streaks = new BackendEntry.Streaks() {
        @Override
        void reached(BackendEntry entry, int streak) {
            onConsecutiveFailures(entry, streak);
        }
    };
    /** Written under the pool's lock. */
    private volatile HealthConfig config;
    private volatile boolean closed;

    PoolHealth(String name, HealthConfig config, Timers timers, Ticker ticker, RandomSource random, Membership pool) {
        this.ticker = ticker;
        this.pool = pool;
        this.config = config;
        this.streaks.threshold = threshold(config.outlier());
        this.active = new ActiveHealth(timers, ticker, random, this::onCheckResult);
        this.ejections = new Ejections(name);
        this.wakeup = new Alarm(timers, () -> pool.write(() -> true));
        this.latencyEvaluation = new Periodic(timers, this::evaluateLatency);
    }

    private static int threshold(OutlierDetection outlier) {
        return outlier.isEnabled() ? outlier.consecutiveFailures() : 0;
    }

    HealthConfig config() {
        return config;
    }

    /** What a new member's request path reports its failure streaks to. */
    BackendEntry.Streaks streaks() {
        return streaks;
    }

    // ---------------------------------------------------------------------------------------------
    // Membership and publishing (under the pool's lock)

    /** Starts active checking (the first round at once) and the latency evaluation. */
    void start() {
        active.start(config.active());
        startLatencyEvaluation();
    }

    /** A new member; {@code initial} for those the pool is built with, which start at full weight. */
    void add(BackendEntry entry, boolean initial) {
        active.add(entry);
        ejections.add(entry);
        latency.add(entry);
        ramp.add(entry, initial && entry.backend.weight() > 0);
    }

    void remove(BackendEntry entry) {
        active.remove(entry);
        ejections.remove(entry);
        latency.remove(entry);
        ramp.remove(entry);
    }

    /** Ends the ejections that are over; the pool calls it first when it publishes. */
    void expire(long now) {
        ejections.expire(now);
    }

    BackendState stateOf(BackendEntry entry) {
        if (entry.backend.weight() == 0) {
            return BackendState.DRAINING;
        }
        if (active.isUnhealthy(entry)) {
            return BackendState.UNHEALTHY;
        }
        if (ejections.isEjected(entry)) {
            return BackendState.EJECTED;
        }
        return latency.isDegraded(entry) ? BackendState.DEGRADED : BackendState.HEALTHY;
    }

    /** Why {@code entry} went from {@code oldState} to {@code newState}: the reason of the piece that decided. */
    String reasonFor(BackendEntry entry, BackendState oldState, BackendState newState) {
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
                        return latency.reason(entry);
                }
        }
    }

    /**
     * The share of its weight {@code entry}, in {@code state}, gets at {@code now}: slow start times
     * degradation, 0 when not eligible. A member that was not eligible at the last publish starts
     * its slow start here.
     */
    double share(BackendEntry entry, BackendState state, long now) {
        SlowStart slowStart = config.slowStart();
        boolean eligible = MemberStatus.isEligible(state);
        ramp.observe(entry, eligible, now, slowStart);
        if (!eligible) {
            return 0;
        }
        double factor = ramp.factor(entry, now, slowStart);
        return state == BackendState.DEGRADED ? factor * config.latency().degradedWeightFactor() : factor;
    }

    long ejections(BackendEntry entry) {
        return ejections.count(entry);
    }

    /** Sets the wake-up for the next ejection end or slow-start step; the pool calls it last when it publishes. */
    void published(long now) {
        long next = Math.min(ejections.untilNextEnd(now), ramp.untilNextStep(now, config.slowStart()));
        if (next != Long.MAX_VALUE && !closed) {
            wakeup.wakeAt(now + Math.max(0, next), now);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Inputs

    /** Called on the request thread whose failure made a member's streak reach the outlier threshold. */
    private void onConsecutiveFailures(BackendEntry entry, int streak) {
        pool.write(() -> {
            OutlierDetection outlier = config.outlier();
            return !closed && outlier.isEnabled() && pool.contains(entry)
                    && MemberStatus.isEligible(entry.state())
                    && ejections.eject(entry, ticker.read(), outlier, streak + " consecutive failures", false);
        });
    }

    /** A result of an active check (or its timeout); see {@link ActiveChecker.Results}. */
    private void onCheckResult(ActiveChecker.Task task, HealthCheckResult result, long elapsedNanos,
            long ejectionsAtStart) {
        pool.write(() -> {
            BackendEntry entry = task.entry;
            if (closed || !active.accepts(task)) {
                return false;
            }
            if (result.isHealthy() && elapsedNanos >= 0) {
                entry.recordLatency(elapsedNanos);
            }
            boolean changed = active.record(entry, result);
            // Envoy's successful_active_health_check_uneject_host, restricted to checks that see
            // answers (a backend ejected for its 503s still accepts TCP connections) and that started
            // after the ejection (one in flight when it began may predate the failures).
            OutlierDetection outlier = config.outlier();
            String unejected = "; un-ejected";
            if (result.isHealthy() && active.checksResponses() && !active.isUnhealthy(entry)
                    && outlier.isEnabled() && outlier.unejectOnHealthCheckPass()
                    && ejections.endEarly(entry, ticker.read(), ejectionsAtStart,
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
    private void evaluateLatency() {
        pool.write(() -> {
            HealthConfig cfg = config;
            return !closed && latency.evaluate(pool.members(), cfg.latency(), cfg.outlier(), ticker.read(), ejections);
        });
    }

    private void startLatencyEvaluation() {
        LatencyHealth rules = config.latency();
        if (rules.isEnabled() && !closed) {
            latencyEvaluation.start(rules.interval().toNanos());
        } else {
            latencyEvaluation.stop();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Settings

    void updateHealthCheck(ActiveHealthCheck check) {
        Objects.requireNonNull(check, "healthCheck");
        pool.write(() -> {
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
        pool.write(() -> {
            if (outlier.equals(config.outlier())) {
                return false;
            }
            config = config.withOutlier(outlier);
            streaks.threshold = threshold(outlier);
            if (!outlier.isEnabled()) {
                ejections.outlierDisabled(ticker.read());
            }
            return true;
        });
    }

    void updateLatencyHealth(LatencyHealth rules) {
        Objects.requireNonNull(rules, "latencyHealth");
        boolean changed = pool.write(() -> {
            if (rules.equals(config.latency())) {
                return false;
            }
            config = config.withLatency(rules);
            latency.rulesChanged(rules);
            if (!rules.isEnabled()) {
                ejections.latencyDisabled(ticker.read());
            }
            startLatencyEvaluation();
            return true;
        });
        if (changed) {
            // Judge again at once with the new rules (a no-op when disabled).
            evaluateLatency();
        }
    }

    void updateSlowStart(SlowStart slowStart) {
        Objects.requireNonNull(slowStart, "slowStart");
        pool.write(() -> {
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
        pool.write(() -> {
            config = config.withPanic(mode, threshold);
            return true;
        });
    }

    /** Stops checks and timers; health state is frozen from now on. Call under the pool's lock. */
    void close() {
        closed = true;
        active.close();
        wakeup.cancel();
        latencyEvaluation.stop();
    }

    @Override
    public String toString() {
        return "PoolHealth{" + active + ", " + config.outlier() + ", " + config.latency() + ", " + config.slowStart()
                + (closed ? ", closed" : "") + '}';
    }
}
