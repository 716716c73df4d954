package dev.jlb.internal;

import dev.jlb.Backend;
import dev.jlb.Endpoint;
import dev.jlb.Strategy;

/** A pool member as one snapshot presents it to the strategy. Immutable apart from the shared entry. */
final class SnapshotEndpoint implements Endpoint {
    final BackendEntry entry;
    final Backend backend;
    final int weight;
    final int index;

    SnapshotEndpoint(BackendEntry entry, Backend backend, int weight, int index) {
        this.entry = entry;
        this.backend = backend;
        this.weight = weight;
        this.index = index;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public int inFlight() {
        return entry.inFlight;
    }

    @Override
    public void acquire() {
        entry.acquire();
    }

    @Override
    public boolean tryAcquire(int expected) {
        return entry.tryAcquire(expected);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public Strategy.Tracker tracker() {
        return entry.tracker;
    }

    @Override
    public String toString() {
        return "Endpoint{" + backend.id() + ", weight=" + weight + ", inFlight=" + entry.inFlight + '}';
    }
}
