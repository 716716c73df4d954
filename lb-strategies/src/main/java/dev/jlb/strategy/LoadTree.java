package dev.jlb.strategy;

import dev.jlb.Endpoint;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;

/**
 * The loads of one snapshot's endpoints in a tournament tree, for least connections at scale: each
 * inner node holds the lowest {@code inFlight / weight} of its subtree (as a fraction) and the total
 * weight of the endpoints at that load. The root answers "least loaded, and how much weight ties
 * there" at once; a weighted random point within the ties leads down to one of them in
 * {@code log2(n)} steps; a changed count is one leaf-to-root pass. Flat arrays, no allocation.
 *
 * <p><b>Exactness.</b> Every change of an endpoint's count calls {@link #update(int)} (through its
 * {@link Tracker}) after the change, and the update reads the live count under this tree's lock:
 * whatever the interleaving, once the changes in flight have returned the tree holds every count
 * as it is. A pick and its increment happen under the same lock, so two picks never both see the
 * same count as the lowest: the same guarantee the O(n) scan gets from its compare-and-set.
 *
 * <p><b>Locking.</b> One monitor per tree, held for {@code O(log n)} array reads and writes, as
 * HAProxy keeps its leastconn tree under a lock. Every request locks it twice (pick, release): fine
 * at the request rates of one process, and the price of an exact answer at 10,000 backends.
 */
final class LoadTree {

    private final Endpoint[] endpoints;
    private final int[] weights;
    /** Leaves start here; node {@code k}'s children are {@code 2k} and {@code 2k + 1}. */
    private final int size;
    /** The lowest load of each subtree, as {@code inFlight[k] / weight[k]}. */
    private final long[] minInFlight;
    private final long[] minWeight;
    /** The total weight of the subtree's endpoints at that load; 0 for an empty subtree. */
    private final long[] tieWeight;

    LoadTree(Endpoint[] endpoints, int[] weights) {
        this.endpoints = endpoints;
        this.weights = weights;
        int s = 1;
        while (s < endpoints.length) {
            s <<= 1;
        }
        this.size = s;
        this.minInFlight = new long[2 * s];
        this.minWeight = new long[2 * s];
        this.tieWeight = new long[2 * s];
    }

    /**
     * Binds every endpoint's tracker to this tree and reads every count. Returns false (and binds
     * nothing) when an endpoint has no {@link Tracker}: the tree could not follow its count.
     */
    boolean bind() {
        for (Endpoint endpoint : endpoints) {
            if (!(endpoint.tracker() instanceof Tracker)) {
                return false;
            }
        }
        synchronized (this) {
            for (int i = 0; i < endpoints.length; i++) {
                ((Tracker) endpoints[i].tracker()).leaf = new Leaf(this, i);
            }
            // After binding: a change made before it is read here, one made after it updates again.
            for (int i = 0; i < endpoints.length; i++) {
                setLeaf(i);
            }
            for (int k = size - 1; k >= 1; k--) {
                combine(k);
            }
        }
        return true;
    }

    /** Endpoint {@code i}'s count changed: re-reads it and fixes the path to the root. */
    synchronized void update(int i) {
        setLeaf(i);
        for (int k = (size + i) >>> 1; k >= 1; k >>>= 1) {
            combine(k);
        }
    }

    /** The least loaded endpoint (weighted random among ties), acquired before the lock is let go. */
    synchronized Endpoint pickAndAcquire(RandomSource random) {
        long point = Math.floorMod(random.nextLong(), tieWeight[1]);
        int k = 1;
        while (k < size) {
            int left = 2 * k;
            if (tieWeight[left] != 0 && sameLoad(left, k)) {
                if (point < tieWeight[left]) {
                    k = left;
                    continue;
                }
                point -= tieWeight[left];
            }
            k = left + 1;
        }
        Endpoint chosen = endpoints[k - size];
        // The tracker's update runs here, under this (re-entrant) monitor.
        chosen.acquire();
        return chosen;
    }

    private void setLeaf(int i) {
        int k = size + i;
        minInFlight[k] = endpoints[i].inFlight();
        minWeight[k] = weights[i];
        tieWeight[k] = weights[i];
    }

    private void combine(int k) {
        int l = 2 * k;
        int r = l + 1;
        if (tieWeight[r] == 0) {
            copy(l, k);
            return;
        }
        if (tieWeight[l] == 0) {
            copy(r, k);
            return;
        }
        long lhs = minInFlight[l] * minWeight[r];
        long rhs = minInFlight[r] * minWeight[l];
        if (lhs < rhs) {
            copy(l, k);
        } else if (rhs < lhs) {
            copy(r, k);
        } else {
            copy(l, k);
            tieWeight[k] = tieWeight[l] + tieWeight[r];
        }
    }

    private void copy(int from, int to) {
        minInFlight[to] = minInFlight[from];
        minWeight[to] = minWeight[from];
        tieWeight[to] = tieWeight[from];
    }

    private boolean sameLoad(int a, int b) {
        return minInFlight[a] * minWeight[b] == minInFlight[b] * minWeight[a];
    }

    /** Where one endpoint sits in the tree its tracker follows. */
    static final class Leaf {
        final LoadTree tree;
        final int index;

        Leaf(LoadTree tree, int index) {
            this.tree = tree;
            this.index = index;
        }
    }

    /**
     * A backend's link to the tree of the latest least-connections picker over it: every change of
     * its count updates that tree. Before a large enough picker binds it, it does nothing.
     */
    static final class Tracker implements Strategy.Tracker {
        volatile Leaf leaf;

        @Override
        public void inFlightChanged() {
            Leaf l = leaf;
            if (l != null) {
                l.tree.update(l.index);
            }
        }

        @Override
        public String toString() {
            Leaf l = leaf;
            return l == null ? "LoadTree.Tracker{unbound}" : "LoadTree.Tracker{leaf " + l.index + '}';
        }
    }

    @Override
    public String toString() {
        return "LoadTree{endpoints=" + endpoints.length + '}';
    }
}
