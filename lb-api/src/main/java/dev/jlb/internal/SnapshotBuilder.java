package dev.jlb.internal;

import dev.jlb.BackendState;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.PoolEvent;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.health.PanicMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns what one publish decided about each member (its state, why, and the share of its weight it
 * gets) into what selections read: the eligible endpoints with their effective weights, panic, and
 * the refusal every select throws when none is eligible. It also gives each member its new
 * {@link MemberStatus}. Used once per publish, under the pool's lock.
 */
final class SnapshotBuilder {
    /** While any backend has a reduced weight, effective weights are expressed in hundredths. */
    static final int WEIGHT_SCALE = 100;

    private final PanicMode panicMode;
    private final double panicThreshold;
    private final BackendEntry[] members;
    private final BackendState[] states;
    private final String[] reasons;
    private final double[] factors;
    private final long[] ejections;
    private int size;
    private int eligible;
    private int drained;
    private int unhealthy;
    private int ejected;
    /** Whether any eligible member gets less than its full weight. */
    private boolean reduced;

    SnapshotBuilder(int members, PanicMode panicMode, double panicThreshold) {
        this.panicMode = panicMode;
        this.panicThreshold = panicThreshold;
        this.members = new BackendEntry[members];
        this.states = new BackendState[members];
        this.reasons = new String[members];
        this.factors = new double[members];
        this.ejections = new long[members];
    }

    /** The snapshot of a pool that has no member yet. */
    static Snapshot empty(Strategy strategy) {
        return new Snapshot(List.of(), strategy, null, noBackend(0, 0, 0, 0), false);
    }

    /**
     * Adds the next member, in membership order.
     *
     * @param factor the share of its weight an eligible member gets, in (0, 1]; ignored otherwise
     * @param ejectionCount how many times it was ejected
     */
    void add(BackendEntry entry, BackendState state, String reason, double factor, long ejectionCount) {
        members[size] = entry;
        states[size] = state;
        reasons[size] = reason;
        factors[size] = MemberStatus.isEligible(state) ? factor : 0;
        ejections[size] = ejectionCount;
        size++;
        if (MemberStatus.isEligible(state)) {
            eligible++;
            reduced |= factor < 1.0;
        } else if (state == BackendState.DRAINING) {
            drained++;
        } else if (state == BackendState.UNHEALTHY) {
            unhealthy++;
        } else {
            ejected++;
        }
    }

    private int candidates() {
        return size - drained;
    }

    /** Whether the members added put the pool in panic. */
    boolean panic() {
        return panicThreshold > 0 && candidates() > 0 && eligible < panicThreshold * candidates();
    }

    /**
     * Sets every member's status and returns the snapshot to publish: {@code current} itself when
     * selections would not change.
     */
    Snapshot build(Snapshot current, Strategy strategy, RandomSource random) {
        boolean panic = panic();
        List<SnapshotEndpoint> endpoints = new ArrayList<>(panic ? candidates() : eligible);
        int[] weights = new int[size];
        NoBackendAvailableException none = null;
        if (panic && panicMode == PanicMode.ROUTE_ALL) {
            for (int i = 0; i < size; i++) {
                int weight = members[i].backend.weight();
                if (weight > 0) {
                    weights[i] = weight;
                    endpoints.add(new SnapshotEndpoint(members[i], members[i].backend, weight, endpoints.size()));
                }
            }
        } else if (panic) {
            none = new NoBackendAvailableException(Reason.PANIC, "no backend available: panic, " + eligibleShare());
        } else {
            for (int i = 0; i < size; i++) {
                if (!MemberStatus.isEligible(states[i])) {
                    continue;
                }
                int weight = members[i].backend.weight();
                if (reduced) {
                    weight = (int) Math.max(1, Math.round((double) weight * WEIGHT_SCALE * factors[i]));
                }
                weights[i] = weight;
                endpoints.add(new SnapshotEndpoint(members[i], members[i].backend, weight, endpoints.size()));
            }
            if (endpoints.isEmpty()) {
                none = noBackend(size, drained, unhealthy, ejected);
            }
        }
        for (int i = 0; i < size; i++) {
            BackendEntry entry = members[i];
            entry.bindTracker(strategy);
            entry.status = entry.status.next(states[i], reasons[i], weights[i], factors[i], ejections[i]);
        }
        if (current.sameAs(endpoints, strategy, panic, none)) {
            return current;
        }
        List<SnapshotEndpoint> frozen = Collections.unmodifiableList(endpoints);
        Strategy.Picker picker = frozen.isEmpty() ? null : strategy.newPicker(frozen, random);
        return new Snapshot(frozen, strategy, picker, none, panic);
    }

    /** The event for entering (or leaving) panic with the members added. */
    PoolEvent panicEvent() {
        if (panic()) {
            return new PoolEvent(PoolEvent.Type.PANIC_ENTERED, null, null, null, eligibleShare()
                    + (panicMode == PanicMode.ROUTE_ALL
                            ? ": routing to all " + candidates() + " non-draining backends" : ": failing fast"));
        }
        return new PoolEvent(PoolEvent.Type.PANIC_EXITED, null, null, null,
                eligible + " of " + candidates() + " backends eligible");
    }

    private String eligibleShare() {
        return eligible + " of " + candidates() + " backends eligible (below " + Math.round(panicThreshold * 100) + "%)";
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
        return "SnapshotBuilder{members=" + size + ", eligible=" + eligible + '}';
    }
}
