package dev.jlb.discovery;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The counters behind a {@link DiscoveryStats}, for {@link Discovery} implementations: lock-free,
 * thread-safe.
 */
public final class DiscoveryCounters {
    private final AtomicLong resolutions = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile long lastSuccessEpochMillis = -1;
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private volatile int backends;

    /**
     * A lookup got an answer of {@code backends} backends at {@code epochMillis}.
     *
     * @param backends the backends
     * @param epochMillis the epoch millis
     */
    public void resolved(int backends, long epochMillis) {
        resolutions.incrementAndGet();
        this.backends = backends;
        this.lastSuccessEpochMillis = epochMillis;
    }

    /**
     * A lookup failed, for {@code error} (a few words).
     *
     * @param error the error
     */
    public void failed(String error) {
        failures.incrementAndGet();
        lastError.set(error == null ? "" : error);
    }

    /**
     * A copy of the counters now.
     *
     * @param source the source
     * @return a copy of the counters now
     */
    public DiscoveryStats stats(String source) {
        return new DiscoveryStats(source, resolutions.get(), failures.get(), lastSuccessEpochMillis, lastError.get(),
                backends);
    }

    @Override
    public String toString() {
        return "DiscoveryCounters{resolutions=" + resolutions + ", failures=" + failures + '}';
    }
}
