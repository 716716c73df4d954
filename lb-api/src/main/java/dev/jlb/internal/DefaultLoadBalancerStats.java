package dev.jlb.internal;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancerStats;
import dev.jlb.NoBackendAvailableException;
import java.util.List;
import java.util.Objects;

/** An immutable copy of a load balancer's counters. */
final class DefaultLoadBalancerStats implements LoadBalancerStats {
    private final String name;
    private final long nanoTime;
    private final long requests;
    private final long[] noBackend;
    private final long noBackendTotal;
    private final long retries;
    private final long retriesExhausted;
    private final int inFlight;
    private final boolean panic;
    private final List<BackendStats> backends;
    private int queued;
    private long queuedTotal;

    DefaultLoadBalancerStats(String name, long nanoTime, long requests, long[] noBackend, long noBackendTotal,
            long retries, long retriesExhausted, int inFlight, boolean panic, List<BackendStats> backends) {
        this.name = name;
        this.nanoTime = nanoTime;
        this.requests = requests;
        this.noBackend = noBackend;
        this.noBackendTotal = noBackendTotal;
        this.retries = retries;
        this.retriesExhausted = retriesExhausted;
        this.inFlight = inFlight;
        this.panic = panic;
        this.backends = backends;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long nanoTime() {
        return nanoTime;
    }

    @Override
    public long requests() {
        return requests;
    }

    /** This copy with the overload queue's figures. */
    DefaultLoadBalancerStats withQueue(int queued, long queuedTotal) {
        DefaultLoadBalancerStats copy = new DefaultLoadBalancerStats(name, nanoTime, requests, noBackend,
                noBackendTotal, retries, retriesExhausted, inFlight, panic, backends);
        copy.queued = queued;
        copy.queuedTotal = queuedTotal;
        return copy;
    }

    @Override
    public int queued() {
        return queued;
    }

    @Override
    public long queuedTotal() {
        return queuedTotal;
    }

    @Override
    public long noBackend() {
        return noBackendTotal;
    }

    @Override
    public long noBackend(NoBackendAvailableException.Reason reason) {
        return noBackend[Objects.requireNonNull(reason, "reason").ordinal()];
    }

    @Override
    public long retries() {
        return retries;
    }

    @Override
    public long retriesExhausted() {
        return retriesExhausted;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public boolean inPanic() {
        return panic;
    }

    @Override
    public List<BackendStats> backends() {
        return backends;
    }

    @Override
    public String toString() {
        return "LoadBalancerStats{" + name + ", backends=" + backends.size() + ", requests=" + requests
                + ", noBackend=" + noBackendTotal + ", retries=" + retries + ", retriesExhausted=" + retriesExhausted
                + ", inFlight=" + inFlight + (panic ? ", panic" : "") + '}';
    }
}
