package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LatencyDistribution;

/** An immutable copy of a {@link BackendEntry}'s counters. */
final class DefaultBackendStats implements BackendStats {
    private final Backend backend;
    private final BackendState state;
    private final String stateReason;
    private final int effectiveWeight;
    private final double weightFactor;
    private final long ejections;
    private final int consecutiveFailures;
    private final long latencyEwmaNanos;
    private final int inFlight;
    private final long successes;
    private final long failures;
    private final long cancelled;
    private final long retries;
    private final long connectFailures;
    private final long timeouts;
    private final long[] responses;
    private final LatencyDistribution latency;

    DefaultBackendStats(BackendEntry entry) {
        this.backend = entry.backend;
        MemberStatus status = entry.status();
        this.state = status.state();
        this.stateReason = status.reason();
        this.effectiveWeight = status.effectiveWeight();
        this.weightFactor = status.weightFactor();
        this.ejections = status.ejections();
        this.consecutiveFailures = entry.consecutiveFailures;
        this.latencyEwmaNanos = entry.latencyEwmaNanos();
        this.inFlight = entry.inFlight;
        // The in-flight count (above) is read before the completions: a request that completes in
        // between is counted twice rather than not at all, so requests() never goes backwards.
        this.successes = entry.successes();
        this.failures = entry.failures();
        this.cancelled = entry.cancelled();
        this.retries = entry.retries();
        this.connectFailures = entry.connectFailures();
        this.timeouts = entry.timeouts();
        this.responses = new long[6];
        for (int i = 1; i <= 5; i++) {
            responses[i] = entry.responses(i);
        }
        this.latency = entry.latency();
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public BackendState state() {
        return state;
    }

    @Override
    public String stateReason() {
        return stateReason;
    }

    @Override
    public int effectiveWeight() {
        return effectiveWeight;
    }

    @Override
    public double weightFactor() {
        return weightFactor;
    }

    @Override
    public long ejections() {
        return ejections;
    }

    @Override
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    @Override
    public long latencyEwmaNanos() {
        return latencyEwmaNanos;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public long requests() {
        return successes + failures + cancelled + inFlight;
    }

    @Override
    public long successes() {
        return successes;
    }

    @Override
    public long failures() {
        return failures;
    }

    @Override
    public long cancelled() {
        return cancelled;
    }

    @Override
    public long retries() {
        return retries;
    }

    @Override
    public long connectFailures() {
        return connectFailures;
    }

    @Override
    public long timeouts() {
        return timeouts;
    }

    @Override
    public long responses(int statusClass) {
        if (statusClass < 1 || statusClass > 5) {
            throw new IllegalArgumentException("statusClass: " + statusClass + " (expected: 1..5)");
        }
        return responses[statusClass];
    }

    @Override
    public LatencyDistribution latency() {
        return latency;
    }

    @Override
    public String toString() {
        return "BackendStats{" + backend.id() + ", state=" + state
                + (stateReason.isEmpty() ? "" : " (" + stateReason + ")") + ", weight=" + backend.weight()
                + ", effectiveWeight=" + effectiveWeight + ", inFlight=" + inFlight + ", requests=" + requests()
                + ", successes=" + successes + ", failures=" + failures + ", cancelled=" + cancelled
                + ", retries=" + retries + ", consecutiveFailures=" + consecutiveFailures + ", ejections=" + ejections
                + (latencyEwmaNanos < 0 ? "" : ", latency=" + Durations.approx(latencyEwmaNanos))
                + (latency.count() == 0 ? "" : ", p99=" + Durations.approx(latency.quantileNanos(0.99))) + '}';
    }
}
