package dev.jlb.jetty.metrics;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.StatsWindow;
import dev.jlb.Ticker;
import java.util.HashMap;
import java.util.Map;

/**
 * What the meters of one {@link LoadBalancerMetrics} read: one {@link StatsWindow.Recent} snapshot
 * and its backends' statistics by backend, taken again once older than the refresh interval (or
 * after {@link #invalidate()}, when a backend joined), so that one scrape takes one snapshot.
 *
 * <p>Threading: guarded by the binder's lock; every method is called holding it.
 */
final class StatsReading {

    private final StatsWindow window;
    private final Ticker ticker;
    private final long refreshNanos;

    private long readAt;
    private boolean read;
    private StatsWindow.Recent recent;
    private Map<Backend, BackendStats> byBackend = Map.of();

    StatsReading(StatsWindow window, Ticker ticker, long refreshNanos) {
        this.window = window;
        this.ticker = ticker;
        this.refreshNanos = refreshNanos;
    }

    /** Takes a new snapshot when the current one is older than the refresh interval; {@return whether it did} */
    boolean refresh() {
        long now = ticker.read();
        if (read && now - readAt < refreshNanos) {
            return false;
        }
        recent = window.recent();
        Map<Backend, BackendStats> map = new HashMap<>();
        for (BackendStats stats : recent.current().backends()) {
            map.put(stats.backend(), stats);
        }
        byBackend = map;
        readAt = now;
        read = true;
        return true;
    }

    /** {@return the current snapshot} (after a {@link #refresh()}) */
    StatsWindow.Recent recent() {
        return recent;
    }

    /** {@return the statistics of {@code backend} in the current snapshot, or null when it has none} */
    BackendStats stats(Backend backend) {
        return byBackend.get(backend);
    }

    /** Makes the next {@link #refresh()} take a snapshot: the current one may predate a backend. */
    void invalidate() {
        read = false;
    }
}
