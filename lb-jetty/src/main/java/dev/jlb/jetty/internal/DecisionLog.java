package dev.jlb.jetty.internal;

import dev.jlb.LoadBalancer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * The last explained decisions of one route (a {@link LoadBalancer}), newest first, for the admin
 * API. Only requests that asked for their decision to be explained, and were allowed to, are
 * recorded, so the lock taken here is off the common path.
 *
 * <p>The logs are found by their load balancer (by identity, held weakly): every adapter serving a
 * load balancer adds to the one log, and the admin servlet, which only knows the load balancers,
 * reads it. The adapter created last decides its capacity (a reloaded route's new history holds).
 */
public final class DecisionLog {

    private static final Map<LoadBalancer, DecisionLog> LOGS = new WeakHashMap<>();

    /** Guarded by {@code entries}. */
    private int capacity;
    private final ArrayDeque<Entry> entries;

    private DecisionLog(int capacity) {
        this.capacity = capacity;
        this.entries = new ArrayDeque<>(Math.min(capacity, 64));
    }

    /**
     * The log of {@code loadBalancer}, created with {@code capacity} entries if it has none, else
     * set to keep {@code capacity} entries from now on (the oldest dropped if it holds more).
     *
     * @param loadBalancer the route
     * @param capacity how many decisions to keep, at least 1
     * @return its log
     */
    public static DecisionLog of(LoadBalancer loadBalancer, int capacity) {
        Objects.requireNonNull(loadBalancer, "loadBalancer");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        DecisionLog log;
        synchronized (LOGS) {
            log = LOGS.computeIfAbsent(loadBalancer, lb -> new DecisionLog(capacity));
        }
        synchronized (log.entries) {
            log.capacity = capacity;
            while (log.entries.size() > capacity) {
                log.entries.removeLast();
            }
        }
        return log;
    }

    /**
     * The recorded decisions of {@code loadBalancer}, newest first; empty when it has no log.
     *
     * @param loadBalancer the route
     * @return a copy of its entries
     */
    public static List<Entry> recent(LoadBalancer loadBalancer) {
        DecisionLog log;
        synchronized (LOGS) {
            log = LOGS.get(loadBalancer);
        }
        return log == null ? List.of() : log.entries();
    }

    /**
     * Records {@code entry}, dropping the oldest when full.
     *
     * @param entry the entry
     */
    public void add(Entry entry) {
        Objects.requireNonNull(entry, "entry");
        synchronized (entries) {
            while (entries.size() >= capacity) {
                entries.removeLast();
            }
            entries.addFirst(entry);
        }
    }

    /** {@return a copy of the entries, newest first} */
    public List<Entry> entries() {
        synchronized (entries) {
            return Collections.unmodifiableList(new ArrayList<>(entries));
        }
    }

    /** {@return how many decisions this log keeps} */
    public int capacity() {
        synchronized (entries) {
            return capacity;
        }
    }

    @Override
    public String toString() {
        synchronized (entries) {
            return "DecisionLog{" + entries.size() + '/' + capacity + '}';
        }
    }

    /**
     * One explained decision.
     *
     * @param epochMillis when the exchange ended
     * @param method the request method
     * @param path the request path
     * @param client the client address, or {@code null}
     * @param status the status the client got (0 when the response broke after its head)
     * @param strategy the strategy's name
     * @param candidates the first pick's candidates with their scores ({@code host:port(scores)})
     * @param attempts each attempt, {@code n:host:port->outcome[ retry(why)]}
     * @param header the {@code X-Jlb-Decision} value the client got
     */
    public record Entry(long epochMillis, String method, String path, String client, int status, String strategy,
            List<String> candidates, List<String> attempts, String header) {

        /** Copies the lists. */
        public Entry {
            candidates = List.copyOf(candidates);
            attempts = List.copyOf(attempts);
        }
    }
}
