package dev.jlb.simulate;

import dev.jlb.DurationFormat;
import java.util.Random;

/**
 * How long a modelled backend takes to answer: a fixed time, an exponential distribution with a
 * mean, or a log-normal distribution fitted to a median and a 99th percentile (the shape of most
 * service latencies: a body near the median and a long right tail). Immutable.
 */
sealed interface LatencyModel {

    /** The z-score of the 99th percentile of a standard normal distribution. */
    double Z99 = 2.326347874;

    /** A sample in nanoseconds, drawn from {@code random}. */
    long sampleNanos(Random random);

    /** Every sample is {@code nanos}. */
    record Fixed(long nanos) implements LatencyModel {
        @Override
        public long sampleNanos(Random random) {
            return nanos;
        }

        @Override
        public String toString() {
            return DurationFormat.formatNanos(nanos);
        }
    }

    /** Exponentially distributed with the given mean (memoryless, as service times in queueing models). */
    record Exponential(long meanNanos) implements LatencyModel {
        @Override
        public long sampleNanos(Random random) {
            return (long) (-Math.log(1 - random.nextDouble()) * meanNanos);
        }

        @Override
        public String toString() {
            return "{mean: " + DurationFormat.formatNanos(meanNanos) + "}";
        }
    }

    /** Log-normal with median {@code p50Nanos} and 99th percentile {@code p99Nanos} (>= p50). */
    record LogNormal(long p50Nanos, long p99Nanos) implements LatencyModel {
        @Override
        public long sampleNanos(Random random) {
            double sigma = Math.log((double) p99Nanos / p50Nanos) / Z99;
            return (long) (p50Nanos * Math.exp(sigma * random.nextGaussian()));
        }

        @Override
        public String toString() {
            return "{p50: " + DurationFormat.formatNanos(p50Nanos) + ", p99: " + DurationFormat.formatNanos(p99Nanos)
                    + "}";
        }
    }
}
