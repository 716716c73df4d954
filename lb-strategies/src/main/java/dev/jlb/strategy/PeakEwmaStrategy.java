package dev.jlb.strategy;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.Endpoint;
import dev.jlb.Explanation;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Strategy;
import dev.jlb.Ticker;
import java.time.Duration;
import java.util.List;

/**
 * Peak EWMA (Finagle's and Linkerd's default balancer): power of two choices on
 * {@code cost = latency x (inFlight + 1) / weight}, the latency being each backend's
 * {@link PeakEwma} estimate. A backend that answers slowly, or fails, costs more for as long as the
 * estimate remembers it, and so gets requests only when the other backend of the pair is worse
 * still; the in-flight factor spreads load among backends of equal latency as p2c does.
 *
 * <p>The two draws are those of {@code p2c} (uniform with equal weights, by weight otherwise, always
 * distinct); weights, and therefore slow start and latency-health degradation, divide the cost.
 * A backend whose endpoint has no {@link PeakEwma} tracker (a picker built outside a load balancer)
 * costs the default latency. The chosen backend is acquired unconditionally.
 *
 * <p><b>Weights are capacities.</b> Dividing the cost by the weight lets a weight-3 backend carry
 * about three times the in-flight requests of a weight-1 one at equal latency, which is what
 * weights mean under load. With nothing in flight the cost is latency over weight, so between two
 * backends of equal latency the heavier one wins every pair: at very low concurrency the split
 * follows latency and weight together, not the weights' ratio (use {@code p2c} or
 * {@code weighted-round-robin} when exact ratios at low load matter more than latency).
 *
 * <p>The pick reads the ticker once and computes two exponentials; it writes nothing but the
 * chosen backend's in-flight count.
 */
final class PeakEwmaStrategy implements Strategy {

    static final String NAME = "peak-ewma";

    private final Duration decay;
    private final Duration defaultLatency;
    private final long decayNanos;
    private final long defaultNanos;
    private final Ticker ticker;

    PeakEwmaStrategy(Duration decay, Duration defaultLatency, Ticker ticker) {
        this.decay = decay;
        this.defaultLatency = defaultLatency;
        this.decayNanos = decay.toNanos();
        this.defaultNanos = defaultLatency.toNanos();
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return NAME;
    }

    Duration decay() {
        return decay;
    }

    Duration defaultLatency() {
        return defaultLatency;
    }

    /** On the system ticker, a copy on {@code ticker}; with a ticker of its own, this strategy. */
    @Override
    public Strategy withTicker(Ticker ticker) {
        return this.ticker == Ticker.systemTicker() && ticker != this.ticker
                ? new PeakEwmaStrategy(decay, defaultLatency, ticker) : this;
    }

    @Override
    public Tracker newTracker(Backend backend) {
        return new PeakEwma(ticker, decayNanos, defaultNanos);
    }

    @Override
    public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
        Endpoint[] array = Endpoints.toArray(endpoints);
        if (array.length == 1) {
            return new SinglePicker(array[0]);
        }
        int[] weights = Endpoints.weights(array);
        return new PeakEwmaPicker(array, Endpoints.allEqual(weights) ? null : new AliasTable(weights), random,
                ticker, defaultNanos);
    }

    /** The cost's latency factor of {@code endpoint} at {@code now}, in nanoseconds, at least 1. */
    static double latency(Endpoint endpoint, long now, double defaultNanos) {
        Tracker tracker = endpoint.tracker();
        double estimate = tracker instanceof PeakEwma ? ((PeakEwma) tracker).estimate(now) : defaultNanos;
        // A floor, so that in-flight counts still compare once every estimate has decayed to 0.
        return Math.max(estimate, 1.0);
    }

    // Equal options make equal strategies: a reloaded route with the same options keeps its
    // snapshot, and with it every backend's estimate.
    @Override
    public boolean equals(Object o) {
        return o instanceof PeakEwmaStrategy && ((PeakEwmaStrategy) o).decayNanos == decayNanos
                && ((PeakEwmaStrategy) o).defaultNanos == defaultNanos && ((PeakEwmaStrategy) o).ticker == ticker;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(decayNanos) * 31 + Long.hashCode(defaultNanos);
    }

    @Override
    public String toString() {
        return NAME + "{decay=" + DurationFormat.format(decay) + ", default_latency="
                + DurationFormat.format(defaultLatency) + '}';
    }

    private static final class PeakEwmaPicker implements Picker {
        private final Endpoint[] endpoints;
        /** Null when every weight is equal: then the draws are uniform. */
        private final AliasTable table;
        private final RandomSource random;
        private final Ticker ticker;
        private final double defaultNanos;

        PeakEwmaPicker(Endpoint[] endpoints, AliasTable table, RandomSource random, Ticker ticker,
                double defaultNanos) {
            this.endpoints = endpoints;
            this.table = table;
            this.random = random;
            this.ticker = ticker;
            this.defaultNanos = defaultNanos;
        }

        @Override
        public Endpoint pick(RequestContext context) {
            Endpoint[] endpoints = this.endpoints;
            int n = endpoints.length;
            int a;
            int b;
            if (table == null) {
                long r = random.nextLong();
                a = Endpoints.below(r >>> 32, n);
                b = Endpoints.below(r, n - 1);
                if (b >= a) {
                    b++;
                }
            } else {
                a = table.draw(random.nextLong());
                b = table.draw(random.nextLong());
                if (b == a) {
                    b = table.draw(random.nextLong());
                    if (b == a) {
                        b = random.nextInt(n - 1);
                        if (b >= a) {
                            b++;
                        }
                    }
                }
            }
            Endpoint first = endpoints[a];
            Endpoint second = endpoints[b];
            long now = ticker.read();
            // cost = latency x (inFlight + 1) / weight; compared by cross-multiplying the weights.
            double firstLatency = latency(first, now, defaultNanos);
            double secondLatency = latency(second, now, defaultNanos);
            double firstCost = firstLatency * (first.inFlight() + 1.0) * second.weight();
            double secondCost = secondLatency * (second.inFlight() + 1.0) * first.weight();
            // Ties keep the first draw, itself uniform or by weight.
            Endpoint chosen = secondCost < firstCost ? second : first;
            Explanation explanation = context.explanation();
            if (explanation != null) {
                Explain.costs(explanation, first, firstLatency, second, secondLatency);
            }
            chosen.acquire();
            return chosen;
        }

        @Override
        public String toString() {
            return "PeakEwmaPicker{endpoints=" + endpoints.length + (table == null ? ", uniform}" : ", weighted}");
        }
    }
}
