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
        ADDED, REMOVED, WEIGHT_CHANGED, STATE_CHANGED, PANIC_ENTERED, PANIC_EXITED
    }

    private final Type type;
    private final Backend backend;
    private final BackendState oldState;
    private final BackendState newState;
    private final String reason;

    public PoolEvent(Type type, Backend backend, BackendState oldState, BackendState newState, String reason) {
        this.type = Objects.requireNonNull(type, "type");
        this.backend = backend;
        this.oldState = oldState;
        this.newState = newState;
        this.reason = reason == null ? "" : reason;
    }

    public Type type() {
        return type;
    }

    /** The backend concerned, or {@code null} for pool-wide events (panic). */
    public Backend backend() {
        return backend;
    }

    /** The state before the change, or {@code null} when not a state change. */
    public BackendState oldState() {
        return oldState;
    }

    /** The state after the change, or {@code null} when not a state change. */
    public BackendState newState() {
        return newState;
    }

    /** Why, in a few words ("connection refused", "status 500", "5 consecutive failures"); may be empty. */
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
