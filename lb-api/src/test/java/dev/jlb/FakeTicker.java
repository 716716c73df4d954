package dev.jlb;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ticker that moves only when a test says so. Starts at an arbitrary non-zero reading. Public for
 * the engine's tests in {@code dev.jlb.internal}.
 */
public final class FakeTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    @Override
    public long read() {
        return nanos.get();
    }

    public void set(long value) {
        if (value < nanos.get()) {
            throw new IllegalStateException("time goes forward only: " + value + " < " + nanos.get());
        }
        nanos.set(value);
    }

    public void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Override
    public String toString() {
        return "FakeTicker{" + nanos.get() + '}';
    }
}
