package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.Strategy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One published membership: the eligible endpoints, the strategy's picker for them, and (when none
 * is eligible) the exception every select throws. Immutable.
 */
final class Snapshot {
    final List<SnapshotEndpoint> endpoints;
    final Strategy strategy;
    /** Null when no endpoint is eligible. */
    final Strategy.Picker picker;
    /** Non-null exactly when {@link #picker} is null; shared by every failing select. */
    final NoBackendAvailableException noBackend;
    final boolean panic;
    /**
     * The endpoints by backend identity, for {@code selectPreferring}. Built with the snapshot
     * (under the pool's writer lock) and never modified after: safe to read from any thread once
     * the snapshot is published.
     */
    private final Map<Backend, SnapshotEndpoint> byBackend;
    /** The largest weight among {@link #endpoints} (0 when there are none). */
    final int maxWeight;

    Snapshot(List<SnapshotEndpoint> endpoints, Strategy strategy, Strategy.Picker picker,
            NoBackendAvailableException noBackend, boolean panic) {
        this.endpoints = endpoints;
        this.strategy = strategy;
        this.picker = picker;
        this.noBackend = noBackend;
        this.panic = panic;
        Map<Backend, SnapshotEndpoint> map = new HashMap<>(Math.max(4, endpoints.size() * 4 / 3 + 1));
        int max = 0;
        for (SnapshotEndpoint endpoint : endpoints) {
            map.put(endpoint.backend, endpoint);
            max = Math.max(max, endpoint.weight);
        }
        this.byBackend = map;
        this.maxWeight = max;
    }

    /** The endpoint of {@code backend} (matched by identity) if the strategy may pick it, else null. */
    SnapshotEndpoint endpoint(Backend backend) {
        return byBackend.get(backend);
    }

    /** Whether {@code other} would pick from the same endpoints with the same weights and strategy. */
    boolean sameAs(List<SnapshotEndpoint> otherEndpoints, Strategy otherStrategy, boolean otherPanic,
            NoBackendAvailableException otherNoBackend) {
        if (strategy != otherStrategy || panic != otherPanic || endpoints.size() != otherEndpoints.size()) {
            return false;
        }
        if (noBackend != null || otherNoBackend != null) {
            return noBackend != null && otherNoBackend != null && noBackend.reason() == otherNoBackend.reason()
                    && noBackend.getMessage().equals(otherNoBackend.getMessage());
        }
        for (int i = 0; i < endpoints.size(); i++) {
            SnapshotEndpoint a = endpoints.get(i);
            SnapshotEndpoint b = otherEndpoints.get(i);
            if (a.entry != b.entry || a.weight != b.weight || a.backend.weight() != b.backend.weight()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Snapshot{eligible=" + endpoints.size() + ", strategy=" + strategy.name()
                + (panic ? ", panic" : "") + (noBackend != null ? ", " + noBackend.getMessage() : "") + '}';
    }
}
