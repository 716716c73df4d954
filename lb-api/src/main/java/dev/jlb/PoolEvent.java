package dev.jlb;

import java.util.Objects;

/**
 * A change of the pool: a backend added, removed or re-weighted, a backend changing state (with the
 * reason), or the pool entering or leaving panic mode. Delivered to {@link PoolListener}s after the
 * change has been published. Immutable.
 */
public final class PoolEvent {

    /** What happened. */
    public enum Type {
        /** A backend joined the pool. */
        ADDED,
        /** A backend left the pool. */
        REMOVED,
        /** A member's weight changed (0: drained). */
        WEIGHT_CHANGED,
        /** A member's health state changed. */
        STATE_CHANGED,
        /** Too few backends are healthy: the pool picks among all of them. */
        PANIC_ENTERED,
        /** Enough backends are healthy again: the pool picks among the healthy ones. */
        PANIC_EXITED
    }

    private final Type type;
    private final Backend backend;
    private final BackendState oldState;
    private final BackendState newState;
    private final String reason;

    /**
     * Creates an event.
     *
     * @param type what happened
     * @param backend the member it happened to ({@code null} for panic events)
     * @param oldState the state before ({@code null} when not a state change)
     * @param newState the state after ({@code null} when not a state change)
     * @param reason why, for the log
     */
    public PoolEvent(Type type, Backend backend, BackendState oldState, BackendState newState, String reason) {
        this.type = Objects.requireNonNull(type, "type");
        this.backend = backend;
        this.oldState = oldState;
        this.newState = newState;
        this.reason = reason == null ? "" : reason;
    }

    /** {@return what happened} */
    public Type type() {
        return type;
    }

    /** {@return the backend concerned, or {@code null} for pool-wide events (panic)} */
    public Backend backend() {
        return backend;
    }

    /** {@return the state before the change, or {@code null} when not a state change} */
    public BackendState oldState() {
        return oldState;
    }

    /** {@return the state after the change, or {@code null} when not a state change} */
    public BackendState newState() {
        return newState;
    }

    /** {@return why, in a few words ("connection refused", "status 500", "5 consecutive failures"); may be empty} */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(type.name());
        if (backend != null) {
            sb.append(' ').append(backend.id());
        }
        if (oldState != null || newState != null) {
            sb.append(' ').append(oldState).append(" -> ").append(newState);
        }
        if (type == Type.WEIGHT_CHANGED && backend != null) {
            sb.append(" weight=").append(backend.weight());
        }
        if (!reason.isEmpty()) {
            sb.append(" (").append(reason).append(')');
        }
        return sb.toString();
    }
}
