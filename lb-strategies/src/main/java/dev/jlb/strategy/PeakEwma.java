package dev.jlb.strategy;

import dev.jlb.Strategy;
import dev.jlb.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One backend's peak-EWMA latency, after Finagle's and Linkerd's {@code PeakEwma}: a response slower
 * than the estimate replaces it at once (the peak: a backend that turns slow looks slow after one
 * response); a faster one pulls it down with a weight that grows with the time since the last update
 * ({@code 1 - exp(-elapsed / decay)}, an average over time) but is at least 1/32; between responses
 * the estimate decays towards 0 with the same time constant; and the first response replaces the
 * default latency the backend started with. The decay is what brings a backend that stopped getting
 * requests (because it was slow) back into the choice: it is retried when its decayed cost falls under
 * its peers', and one fast answer after a long silence brings its estimate down almost entirely.
 *
 * <p><b>Forgetting by time or by count, whichever is faster.</b> Finagle's and Linkerd's average is
 * over time only. At the request rates of a load balancer (thousands of responses a second per
 * backend) that makes the estimate the largest jitter of the last {@code decay} seconds: one
 * scheduling hiccup on one of several equally fast backends raised its cost for seconds, and in the
 * benchmark equally fast backends got from 0.8 to 1.1 of their fair share with a 10 s decay. The 1/32
 * floor forgets a hiccup after about a hundred responses, so equal backends get equal shares; at low
 * rates (responses a good part of {@code decay} apart) the time constant governs as before; and a
 * backend that is slow on every response is at its peak again after each one. The first response
 * replaces the default so that a backend that answered once does not carry the default for the next
 * hundred responses while its unsampled peers keep it (the count would otherwise favour whichever
 * backend happened to be asked first).
 *
 * <p><b>Failures count as slow.</b> A backend that fails fast (connection refused, a quick 503) must
 * not look cheap, Finagle's known weakness. A failure records
 * {@code max(observed, 2 x max(estimate, defaultLatency))}, at most {@value #PENALTY_CAP_FACTOR}x the
 * default latency: each failure in a row doubles the estimate, so a failing backend drops out of
 * every pair within a few failures, and the cap keeps one burst of errors from exiling it for longer
 * than the decay needs to bring it back ({@code decay x ln(cap / peer cost)}, about a minute at the
 * defaults).
 *
 * <p>Thread-safe and lock-free: the estimate is a {@code double} updated by compare-and-set, so no
 * sample is lost; its time stamp is written after it, and a reader that sees the two a moment apart
 * decays by slightly more or less, which an estimate shrugs off. Reading writes nothing.
 */
final class PeakEwma implements Strategy.Tracker {

    /** How much a failure multiplies the estimate. */
    static final double FAILURE_FACTOR = 2.0;
    /** The failure penalty's cap, in default latencies. */
    static final double PENALTY_CAP_FACTOR = 100.0;
    /**
     * The most of the estimate a response below it keeps: each moves it at least 1/32 of the way,
     * however little time passed since the last one.
     */
    static final double KEEP_MAX = 1.0 - 1.0 / 32;

    private static final VarHandle BITS;

    static {
        try {
            BITS = MethodHandles.lookup().findVarHandle(PeakEwma.class, "bits", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Ticker ticker;
    private final double decayNanos;
    private final double defaultNanos;
    /**
     * The estimate in nanoseconds at {@link #stamp}, as {@link Double#doubleToRawLongBits} bits;
     * negative while it is still the default latency (no response yet).
     */
    private volatile long bits;
    /** When {@link #bits} was last set, in ticker nanoseconds. */
    private volatile long stamp;

    PeakEwma(Ticker ticker, long decayNanos, long defaultLatencyNanos) {
        this.ticker = ticker;
        this.decayNanos = decayNanos;
        this.defaultNanos = defaultLatencyNanos;
        this.bits = Double.doubleToRawLongBits(-(double) defaultLatencyNanos);
        this.stamp = ticker.read();
    }

    /** The estimate at {@code now} in nanoseconds: the last one, decayed for the time since. */
    double estimate(long now) {
        double value = Math.abs(Double.longBitsToDouble(bits));
        long elapsed = now - stamp;
        return elapsed <= 0 ? value : value * Math.exp(-elapsed / decayNanos);
    }

    @Override
    public void completed(long latencyNanos, boolean failure) {
        if (latencyNanos < 0 && !failure) {
            return;
        }
        long now = ticker.read();
        double observed = Math.max(0, latencyNanos);
        while (true) {
            long oldBits = bits;
            double stored = Double.longBitsToDouble(oldBits);
            double old = Math.abs(stored);
            double byTime = Math.exp(-Math.max(0, now - stamp) / decayNanos);
            double current = old * byTime;
            double sample = observed;
            if (failure) {
                double penalty = Math.min(FAILURE_FACTOR * Math.max(current, defaultNanos),
                        PENALTY_CAP_FACTOR * defaultNanos);
                sample = Math.max(observed, penalty);
            }
            double next;
            if (stored < 0 || sample >= current) {
                next = sample; // the first response replaces the default; a slower one is the peak
            } else {
                double keep = Math.min(byTime, KEEP_MAX);
                next = old * keep + sample * (1 - keep);
            }
            if (BITS.compareAndSet(this, oldBits, Double.doubleToRawLongBits(next))) {
                stamp = now;
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "PeakEwma{" + Math.round(estimate(ticker.read()) / 1000.0) / 1000.0 + " ms}";
    }
}
