package dev.jlb.health;

import dev.jlb.Backend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The TCP probe: healthy when a connection opens; the connection is closed at once. Runs on an
 * {@link AsynchronousChannelGroup} of its own, created on first use (name resolution happens on its
 * threads, never on the scheduler's) and shut down by {@link #close()}. A connect says nothing about
 * what the backend answers, so a pass never ends an outlier ejection early
 * ({@link #checksResponses()} is {@code false}).
 */
final class TcpHealthCheck implements HealthCheck {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Object lock = new Object();
    private ExecutorService executor;
    private AsynchronousChannelGroup group;

    TcpHealthCheck() {
    }

    @Override
    public CompletionStage<HealthCheckResult> check(Backend backend) {
        CompletableFuture<HealthCheckResult> result = new CompletableFuture<>();
        ExecutorService pool;
        AsynchronousChannelGroup channels;
        try {
            synchronized (lock) {
                if (group == null) {
                    executor = Executors.newCachedThreadPool(r -> {
                        Thread t = new Thread(r, "jlb-health-tcp-" + THREADS.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    group = AsynchronousChannelGroup.withThreadPool(executor);
                }
                pool = executor;
                channels = group;
            }
            pool.execute(() -> connect(backend, channels, result));
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static void connect(Backend backend, AsynchronousChannelGroup group,
            CompletableFuture<HealthCheckResult> result) {
        AsynchronousSocketChannel channel = null;
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(backend.host()), backend.port());
            channel = AsynchronousSocketChannel.open(group);
            AsynchronousSocketChannel opened = channel;
            // A timeout cancels the result: close the channel so the connect attempt ends too.
            result.whenComplete((r, t) -> closeQuietly(opened));
            channel.connect(address, null, new CompletionHandler<Void, Void>() {
                @Override
                public void completed(Void v, Void attachment) {
                    result.complete(HealthCheckResult.healthy("connected"));
                }

                @Override
                public void failed(Throwable failure, Void attachment) {
                    result.completeExceptionally(failure);
                }
            });
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            result.completeExceptionally(e);
        }
    }

    private static void closeQuietly(AsynchronousSocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do: the check is over
            }
        }
    }

    @Override
    public void close() {
        AsynchronousChannelGroup oldGroup;
        ExecutorService oldExecutor;
        synchronized (lock) {
            oldGroup = group;
            oldExecutor = executor;
            group = null;
            executor = null;
        }
        if (oldGroup != null) {
            try {
                oldGroup.shutdownNow();
            } catch (IOException ignored) {
                // shutting down anyway
            }
            oldExecutor.shutdownNow();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TcpHealthCheck;
    }

    @Override
    public int hashCode() {
        return TcpHealthCheck.class.hashCode();
    }

    @Override
    public String toString() {
        return "tcp connect";
    }
}
