package dev.jlb;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Recent rates, error rates and latency quantiles of one {@link LoadBalancer}, computed from two
 * snapshots of its counters ({@link LoadBalancer#stats()}) about a window apart: what a status page
 * or a metrics exporter shows as "now" rather than "since start".
 *
 * <p>Snapshots are taken when {@link #recent()} is called (no thread, nothing on the request path)
 * and kept in a small ring, one per {@code window / 10} at most. {@link #recent()} compares the
 * current snapshot with the newest kept one that is at least {@code window} old, so the interval is
 * between {@code window} and {@code 1.1 x window} when called regularly; after a pause longer than
 * that, it uses the oldest snapshot within the pause rather than one from before it, and on the
 * first call, the snapshot taken at construction. Time is the load balancer's {@link Ticker}.
 *
 * <p>Thread-safe.
 */
public final class StatsWindow {

    private final LoadBalancer loadBalancer;
    private final long windowNanos;
    private final long stepNanos;
    private final Duration window;
    /** Oldest first; guarded by this. */
    private final ArrayDeque<LoadBalancerStats> samples = new ArrayDeque<>();

    /**
     * A window over {@code loadBalancer}'s counters; takes the first snapshot now.
     *
     * @param loadBalancer the load balancer
     * @param window the window
     * @throws IllegalArgumentException when {@code window} is not positive
     */
    public StatsWindow(LoadBalancer loadBalancer, Duration window) {
        this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
        this.window = dev.jlb.internal.Durations.requirePositive(window, "window");
        this.windowNanos = window.toNanos();
        this.stepNanos = Math.max(1, windowNanos / 10);
        samples.add(loadBalancer.stats());
    }

    /** {@return the load balancer} */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /** {@return the window} */
    public Duration window() {
        return window;
    }

    /**
     * Takes a snapshot and compares it with one about a window ago.
     *
     * @return the recent
     */
    public synchronized Recent recent() {
        LoadBalancerStats now = loadBalancer.stats();
        long t = now.nanoTime();
        while (samples.size() >= 2 && t - second().nanoTime() >= windowNanos) {
            samples.removeFirst();
        }
        LoadBalancerStats base = samples.getFirst();
        if (t - base.nanoTime() > windowNanos + stepNanos && samples.size() >= 2) {
            // The oldest is from before a pause: the counts since the pause describe "now" better.
            base = second();
        }
        if (t - samples.getLast().nanoTime() >= stepNanos) {
            samples.addLast(now);
        }
        return new Recent(base, now);
    }

    private LoadBalancerStats second() {
        var it = samples.iterator();
        it.next();
        return it.next();
    }

    @Override
    public String toString() {
        return "StatsWindow{" + loadBalancer.name() + ", window=" + dev.jlb.internal.Durations.format(window) + '}';
    }

    /**
     * The counts between two snapshots of one load balancer. A backend absent from the earlier
     * snapshot, or whose counters went back (removed and added again), counts from zero. Immutable.
     */
    public static final class Recent {
        private final LoadBalancerStats earlier;
        private final LoadBalancerStats current;
        private final Map<Backend, BackendStats> before = new HashMap<>();

        Recent(LoadBalancerStats earlier, LoadBalancerStats current) {
            this.earlier = earlier;
            this.current = current;
            for (BackendStats stats : earlier.backends()) {
                before.put(stats.backend(), stats);
            }
        }

        /** {@return the earlier snapshot} */
        public LoadBalancerStats earlier() {
            return earlier;
        }

        /** {@return the current snapshot} */
        public LoadBalancerStats current() {
            return current;
        }

        /** {@return the length of the interval in seconds; 0 when both snapshots are from the same instant} */
        public double seconds() {
            return Math.max(0, current.nanoTime() - earlier.nanoTime()) / 1e9;
        }

        /**
         * {@return requests routed per second over the interval ({@link LoadBalancerStats#requests()}); 0 over no time}
         */
        public double requestsPerSecond() {
            return rate(delta(current.requests(), earlier.requests()));
        }

        /**
         * Attempts completed by {@code backend} per second over the interval (successes, failures and
         * cancelled); 0 over no time.
         *
         * @param backend the backend
         * @return the double
         */
        public double requestsPerSecond(BackendStats backend) {
            return rate(delta(completed(backend), completed(before.get(backend.backend()))));
        }

        /**
         * The share of {@code backend}'s completed attempts that failed over the interval, in
         * {@code [0, 1]}, cancelled ones left out; NaN when none completed.
         *
         * @param backend the backend
         * @return the double
         */
        public double errorRate(BackendStats backend) {
            BackendStats old = before.get(backend.backend());
            long failures = old == null ? backend.failures() : delta(backend.failures(), old.failures());
            long successes = old == null ? backend.successes() : delta(backend.successes(), old.successes());
            long total = failures + successes;
            return total == 0 ? Double.NaN : (double) failures / total;
        }

        /**
         * The latencies {@code backend} recorded over the interval.
         *
         * @param backend the backend
         * @return the latencies {@code backend} recorded over the interval
         */
        public LatencyDistribution latency(BackendStats backend) {
            BackendStats old = before.get(backend.backend());
            if (old == null || old.latency().count() > backend.latency().count()) {
                return backend.latency();
            }
            return backend.latency().since(old.latency());
        }

        private long completed(BackendStats stats) {
            return stats == null ? 0 : stats.successes() + stats.failures() + stats.cancelled();
        }

        private double rate(long delta) {
            double seconds = seconds();
            return seconds == 0 ? 0 : Math.max(0, delta) / seconds;
        }

        /** The increase of a counter, or its value when it went back (a reset). */
        private static long delta(long now, long then) {
            return now >= then ? now - then : now;
        }

        @Override
        public String toString() {
            return "StatsWindow.Recent{" + current.name() + ", seconds=" + seconds() + ", requestsPerSecond="
                    + requestsPerSecond() + '}';
        }
    }
}
