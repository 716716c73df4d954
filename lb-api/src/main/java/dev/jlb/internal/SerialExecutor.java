package dev.jlb.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in the order they were queued, on whichever thread calls
 * {@link #drain()} first (the idea of gRPC's SynchronizationContext). Lets the pool queue events
 * under its writer lock and deliver them after releasing it, in order and never concurrently.
 */
final class SerialExecutor {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    void enqueue(Runnable task) {
        queue.add(task);
    }

    void drain() {
        do {
            if (!draining.compareAndSet(false, true)) {
                return;
            }
            try {
                Runnable task;
                while ((task = queue.poll()) != null) {
                    try {
                        task.run();
                    } catch (RuntimeException | Error e) {
                        LOG.log(System.Logger.Level.WARNING, "jlb: a pool listener threw; ignored", e);
                    }
                }
            } finally {
                draining.set(false);
            }
        } while (!queue.isEmpty());
    }
}
