package dev.jlb.internal;

import dev.jlb.PoolEvent;
import dev.jlb.PoolListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A pool's listeners and its log of changes. Events are queued under the pool's writer lock, in the
 * order the changes were made, and delivered by {@link #drain()} after the lock is released: one at a
 * time, on the thread that drains, each as a log line on the {@code dev.jlb} {@link System.Logger}
 * and a call of every listener.
 */
final class PoolEvents {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    private final String name;
    private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor queue = new SerialExecutor();

    PoolEvents(String name, List<PoolListener> initialListeners) {
        this.name = name;
        this.listeners.addAll(initialListeners);
    }

    AutoCloseable addListener(PoolListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Queues {@code event}; call under the pool's lock so that events keep the order of the changes. */
    void enqueue(PoolEvent event) {
        queue.enqueue(() -> deliver(event));
    }

    /** Delivers what is queued; call after releasing the pool's lock. */
    void drain() {
        queue.drain();
    }

    private void deliver(PoolEvent event) {
        System.Logger.Level level;
        switch (event.type()) {
            case PANIC_ENTERED:
                level = System.Logger.Level.WARNING;
                break;
            case STATE_CHANGED:
            case PANIC_EXITED:
                level = System.Logger.Level.INFO;
                break;
            default:
                level = System.Logger.Level.DEBUG;
        }
        LOG.log(level, "jlb[{0}]: {1}", name, event);
        for (PoolListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "jlb[" + name + "]: pool listener " + listener + " threw; ignored", e);
            }
        }
    }

    @Override
    public String toString() {
        return "PoolEvents{" + name + ", listeners=" + listeners.size() + '}';
    }
}
