package dev.jlb;

/**
 * A source of monotonic time in nanoseconds, injected wherever jlb needs time (health-check
 * scheduling, ejection, slow start), so that every time-dependent behaviour can be tested with a
 * fake ticker instead of {@code sleep}.
 *
 * <p>Values are only meaningful as differences between two reads of the same ticker, like
 * {@link System#nanoTime()}. Implementations must be thread-safe and must never go backwards.
 */
@FunctionalInterface
public interface Ticker {

    /** {@return the current reading in nanoseconds} */
    long read();

    /** {@return the system ticker, backed by {@link System#nanoTime()}} */
    static Ticker systemTicker() {
        return SystemTicker.INSTANCE;
    }
}

enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
        return System.nanoTime();
    }

    @Override
    public String toString() {
        return "Ticker.systemTicker()";
    }
}
