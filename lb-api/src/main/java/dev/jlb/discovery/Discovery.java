package dev.jlb.discovery;

import java.util.List;

/**
 * A source of backends that come and go under a name: a DNS name, SRV records, a Kubernetes
 * Service. A discovery watches its name and hands every change to its {@link Listener} as a whole
 * membership snapshot; {@link DiscoveredMembership} turns those snapshots into changes of a
 * {@link dev.jlb.Pool} through the same calls the admin API makes, so backends that stay keep their
 * statistics and health.
 *
 * <p>Contract: {@link #start} is called once; the discovery then calls the listener from its own
 * threads, one call at a time, with the full current membership each time (never a delta), and only
 * when it believes the membership is right: a failed lookup keeps the last good snapshot (no call),
 * it does not report an empty one. {@link #close} stops it; no call follows the return of close.
 * Implementations are thread-safe.
 */
public interface Discovery extends AutoCloseable {

    /**
     * What this discovery watches, as configured and as the status page and admin API show it:
     * {@code dns://api.internal:8080}, {@code srv://_http._tcp.api.internal},
     * {@code k8s://api.shop:http}. Every backend it reports has this as its
     * {@link dev.jlb.Backend#source() source}.
     *
     * @return the string
     */
    String source();

    /**
     * Starts watching; the first snapshot may come before this returns or later.
     *
     * @param listener the listener
     */
    void start(Listener listener);

    /** {@return what the discovery did so far: lookups, failures, the last success. Never blocks} */
    DiscoveryStats stats();

    /** Stops watching and releases threads and connections it owns. Idempotent. */
    @Override
    void close();

    /** Receives membership snapshots. Must not block for long. */
    @FunctionalInterface
    interface Listener {
        /**
         * The whole membership as the discovery now sees it; each backend once (by identity), each
         * with its weight and {@link DiscoveredBackend#priority() priority}.
         *
         * @param backends the backends
         */
        void onMembership(List<DiscoveredBackend> backends);
    }
}
