package dev.jlb;

/**
 * A point-in-time view of a latency histogram: how many latencies were recorded and how they are
 * distributed, from {@link BackendStats#latency()}.
 *
 * <p>jlb records each latency in O(1) without a lock or an allocation into log-linear buckets: 8
 * buckets per power of two from 1 microsecond to 2<sup>40</sup> ns (about 18 minutes), so a
 * quantile is exact to within 1/16 (6.25%) of its value in that range. Latencies under 1
 * microsecond count as 0.5 microseconds, latencies of 2<sup>40</sup> ns or more as 2<sup>40</sup> ns.
 * Quantiles are computed when asked for, from the counts.
 *
 * <p>A distribution is cumulative (every latency since the backend joined the pool); the
 * distribution of an interval is {@code later.since(earlier)}. Immutable and thread-safe.
 */
public interface LatencyDistribution {

    /** {@return the number of latencies recorded} */
    long count();

    /**
     * The latency in nanoseconds below or at which a {@code quantile} share of the recorded
     * latencies fall, such as {@code quantileNanos(0.99)} for the 99th percentile; the midpoint of
     * the bucket that holds it. {@code quantileNanos(0)} is the smallest bucket recorded,
     * {@code quantileNanos(1)} the largest.
     *
     * @param quantile the quantile
     * @return the latency in nanoseconds, or -1 when nothing was recorded
     * @throws IllegalArgumentException when {@code quantile} is outside {@code [0, 1]}
     */
    long quantileNanos(double quantile);

    /**
     * The latencies recorded after {@code earlier} was taken: this distribution's counts minus
     * {@code earlier}'s. {@code earlier} must be an older view of the same histogram (a bucket that
     * would go negative counts as 0).
     *
     * @param earlier the earlier
     * @return the latency distribution
     */
    LatencyDistribution since(LatencyDistribution earlier);

    @Override
    String toString();
}
