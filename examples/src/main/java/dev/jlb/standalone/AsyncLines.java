package dev.jlb.standalone;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands lines to a slow {@code sink} (a logger writing to a terminal or a pipe) on a thread of its
 * own, so that whoever produces them never waits: the access log's lines are produced on Jetty's
 * I/O threads, where a blocked write would stall every connection. Lines keep their order. When
 * the sink falls more than {@code capacity} lines behind, new lines are dropped and counted, and
 * the count is logged (at most once per second) rather than slowing the balancer down.
 *
 * <p>Thread-safe. The writer thread starts with the first line. {@link #close()} writes what is
 * queued, for at most a second, and stops.
 */
final class AsyncLines implements Consumer<String>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncLines.class);
    private static final String END = new String("end"); // identity marks the end

    private final Consumer<String> sink;
    private final BlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;
    private volatile boolean started;

    AsyncLines(String name, Consumer<String> sink, int capacity) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::write, name);
        writer.setDaemon(true);
    }

    /** Queues a line; drops it (and counts it) when the queue is full or this is closed. Never blocks. */
    @Override
    public void accept(String line) {
        if (!started) {
            start();
        }
        if (closed || !queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    /** Starts the writer with the first line: a balancer without an access log has no idle thread. */
    private synchronized void start() {
        if (!started && !closed) {
            writer.start();
            started = true;
        }
    }

    /** Lines dropped so far. */
    long dropped() {
        return dropped.get();
    }

    private void write() {
        long reported = 0;
        long lastReport = System.nanoTime();
        while (true) {
            String line;
            try {
                line = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (line == END) {
                return;
            }
            if (line != null) {
                try {
                    sink.accept(line);
                } catch (RuntimeException e) {
                    dropped.incrementAndGet();
                }
            }
            long lost = dropped.get();
            if (lost != reported && System.nanoTime() - lastReport >= TimeUnit.SECONDS.toNanos(1)) {
                LOG.warn("{}: {} lines dropped: the log did not keep up", writer.getName(), lost - reported);
                reported = lost;
                lastReport = System.nanoTime();
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (!started) {
                return;
            }
        }
        try {
            if (!queue.offer(END, 1, TimeUnit.SECONDS)) {
                writer.interrupt();
            }
            writer.join(TimeUnit.SECONDS.toMillis(1));
            if (writer.isAlive()) {
                writer.interrupt();
            }
        } catch (InterruptedException e) {
            writer.interrupt();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "AsyncLines{" + writer.getName() + ", queued=" + queue.size() + ", dropped=" + dropped.get() + '}';
    }
}
