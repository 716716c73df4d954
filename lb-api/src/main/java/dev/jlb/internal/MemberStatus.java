package dev.jlb.internal;

import dev.jlb.BackendState;

/**
 * What the last publish decided about one member: its state and why, its effective weight in the
 * snapshot (0 when not in it) and the share of its weight it gets (slow start x degradation, 0 when
 * not eligible). Immutable; {@link BackendEntry#status()} holds the current one, so a reader sees
 * the four together.
 */
record MemberStatus(BackendState state, String reason, int effectiveWeight, double weightFactor) {

    /** A member just added, before its first publish. */
    static MemberStatus added(BackendState state, String reason) {
        return new MemberStatus(state, reason, 0, 1.0);
    }

    /** This status with the given values: {@code this} when they are the same. */
    MemberStatus next(BackendState newState, String newReason, int newWeight, double newFactor) {
        if (state == newState && reason.equals(newReason) && effectiveWeight == newWeight
                && Double.compare(weightFactor, newFactor) == 0) {
            return this;
        }
        return new MemberStatus(newState, newReason, newWeight, newFactor);
    }
}
