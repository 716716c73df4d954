package dev.jlb.internal;

import dev.jlb.BackendState;

/**
 * What the last publish decided about one member: its state and why, its effective weight in the
 * snapshot (0 when not in it), the share of its weight it gets (slow start x degradation, 0 when not
 * eligible) and how many times it was ejected. Immutable; {@link BackendEntry#status()} holds the
 * current one, so a reader sees them together.
 */
record MemberStatus(BackendState state, String reason, int effectiveWeight, double weightFactor, long ejections) {

    /** Whether a member in {@code state} may be picked: healthy or degraded. */
    static boolean isEligible(BackendState state) {
        return state == BackendState.HEALTHY || state == BackendState.DEGRADED;
    }

    /** A member just added, before its first publish. */
    static MemberStatus added(BackendState state, String reason) {
        return new MemberStatus(state, reason, 0, 1.0, 0);
    }

    /** This status with the given values: {@code this} when they are the same. */
    MemberStatus next(BackendState newState, String newReason, int newWeight, double newFactor, long newEjections) {
        if (state == newState && reason.equals(newReason) && effectiveWeight == newWeight
                && Double.compare(weightFactor, newFactor) == 0 && ejections == newEjections) {
            return this;
        }
        return new MemberStatus(newState, newReason, newWeight, newFactor, newEjections);
    }

    /** This status of a member no longer in the pool: no weight. */
    MemberStatus removed() {
        return next(state, reason, 0, 0, ejections);
    }
}
