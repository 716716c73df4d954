package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.PoolEvent;
import dev.jlb.jetty.ProxyRecord.UpgradeEnd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upgraded connections (WebSockets and other allowed {@code Upgrade} protocols) open through
 * the adapters of one {@link LoadBalancer}, whichever adapter carries them.
 *
 * <p>Each holds one lease on its backend for its whole life, so least-connections and the in-flight
 * counts see it. A backend {@link dev.jlb.Pool#remove removed} from the pool has its connections
 * closed at once, a WebSocket with close code 1001 ("backend removed"); a
 * {@link dev.jlb.Pool#drain drained} one keeps them (draining stops new requests only) unless
 * {@link #closeAfter} gives the drain a deadline.
 *
 * <p>Thread-safe.
 */
public final class UpgradedConnections {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradedConnections.class);
    private static final Map<LoadBalancer, UpgradedConnections> BY_BALANCER = new WeakHashMap<>();

    private final Set<Splice> open = ConcurrentHashMap.newKeySet();
    private final String name;

    private UpgradedConnections(String name) {
        this.name = name;
    }

    /**
     * The connections of {@code loadBalancer} (created, and listening to its pool, on first use).
     *
     * @param loadBalancer the load balancer
     * @return the connections of {@code loadBalancer} (created, and listening to its pool, on first use)
     */
    public static UpgradedConnections of(LoadBalancer loadBalancer) {
        Objects.requireNonNull(loadBalancer, "loadBalancer");
        synchronized (BY_BALANCER) {
            UpgradedConnections connections = BY_BALANCER.get(loadBalancer);
            if (connections == null) {
                UpgradedConnections created = new UpgradedConnections(loadBalancer.name());
                loadBalancer.pool().addListener(created::onPoolEvent);
                BY_BALANCER.put(loadBalancer, created);
                connections = created;
            }
            return connections;
        }
    }

    /** One open upgraded connection. */
    interface Handle {
        Backend backend();

        void shutdown(int code, String reason, UpgradeEnd why);
    }

    void add(Splice tunnel) {
        open.add(tunnel);
    }

    void remove(Splice tunnel) {
        open.remove(tunnel);
    }

    /** {@return how many upgraded connections are open} */
    public int count() {
        return open.size();
    }

    /**
     * How many upgraded connections to {@code backend} (matched by id) are open.
     *
     * @param backend the backend
     * @return how many upgraded connections to {@code backend} (matched by id) are open
     */
    public int count(Backend backend) {
        int n = 0;
        for (Splice t : open) {
            if (t.backend().id().equals(backend.id())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Closes the connections to {@code backend} (matched by id): a WebSocket gets a close frame with
     * {@code code} and {@code reason} between two frames, then both sides close. Returns how many.
     *
     * @param backend the backend
     * @param code the close code a WebSocket gets
     * @param reason the close reason a WebSocket gets
     * @return how many connections are being closed
     */
    public int close(Backend backend, int code, String reason) {
        return close(backend, code, reason, UpgradeEnd.SHUT_DOWN);
    }

    private int close(Backend backend, int code, String reason, UpgradeEnd why) {
        List<Splice> matching = new ArrayList<>();
        for (Splice t : open) {
            if (t.backend().id().equals(backend.id())) {
                matching.add(t);
            }
        }
        for (Splice t : matching) {
            t.shutdown(code, reason, why);
        }
        return matching.size();
    }

    /**
     * A deadline for a drain: after {@code deadline}, if {@code stillDue} then answers true (such as:
     * the backend is still drained), closes the connections to {@code backend} (matched by id) that
     * are still open, a WebSocket with 1001 "backend drained", as {@link #close} does. The timer runs
     * on {@code scheduler}; cancelling the returned task cancels the deadline.
     *
     * @param backend the backend
     * @param deadline how long the connections may stay open (0 or less: at once, on the scheduler)
     * @param scheduler the timer
     * @param stillDue asked on the scheduler's thread at the deadline: whether to close them then
     * @return the scheduled task
     */
    public Scheduler.Task closeAfter(Backend backend, Duration deadline, Scheduler scheduler,
            BooleanSupplier stillDue) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(stillDue, "stillDue");
        long millis = Math.max(0, Objects.requireNonNull(deadline, "deadline").toMillis());
        return scheduler.schedule(() -> {
            if (!stillDue.getAsBoolean()) {
                return;
            }
            int closed = close(backend, CloseFrame.GOING_AWAY, "backend drained", UpgradeEnd.DRAIN_DEADLINE);
            if (closed > 0) {
                LOG.info("jlb: route {}: drain deadline of {} passed: closing {} upgraded connection(s)", name,
                        backend.id(), closed);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private void onPoolEvent(PoolEvent event) {
        if (event.type() == PoolEvent.Type.REMOVED && event.backend() != null) {
            int closed = close(event.backend(), CloseFrame.GOING_AWAY, "backend removed", UpgradeEnd.BACKEND_REMOVED);
            if (closed > 0) {
                LOG.info("jlb: route {}: closing {} upgraded connection(s) to removed backend {}", name, closed,
                        event.backend().id());
            }
        }
    }

    @Override
    public String toString() {
        return "UpgradedConnections{" + name + ", open=" + open.size() + '}';
    }
}
