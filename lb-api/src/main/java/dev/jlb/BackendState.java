package dev.jlb;

/**
 * The state of a backend as the pool sees it. Only {@link #HEALTHY} and {@link #DEGRADED} backends
 * receive new requests (and, in panic mode, every backend that is not {@link #DRAINING}).
 */
public enum BackendState {
    /** Eligible: passing its health checks (or not checked yet) and not ejected. */
    HEALTHY,
    /** Eligible with a reduced effective weight: answering much slower than its peers. */
    DEGRADED,
    /** Not eligible: failing its active health checks. */
    UNHEALTHY,
    /** Not eligible for a while: ejected by passive health (consecutive failures or latency). */
    EJECTED,
    /** Not eligible: weight zero; requests in flight finish. */
    DRAINING
}
