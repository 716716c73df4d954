package dev.jlb;

/**
 * Observes changes of a {@link Pool}. Called on the thread that made the change (an admin call, a
 * health-check thread, the health scheduler, or a request thread whose failed selection ejected a
 * backend), after the new membership snapshot is published, one event at a time and in
 * order. Must not block; an exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface PoolListener {
    /**
     * Called once per change, after the new snapshot is published, on the thread that made the change;
     * must not block.
     *
     * @param event what changed
     */
    void onEvent(PoolEvent event);
}
