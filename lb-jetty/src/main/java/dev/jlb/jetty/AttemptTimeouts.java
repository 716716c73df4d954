package dev.jlb.jetty;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The per-attempt timeouts of one adapter: the attempts waiting for response headers, and one
 * timer set for the earliest of their deadlines (Jetty's {@link CyclicTimeouts}, as its own
 * {@code HttpClient} keeps request timeouts). Adding and removing an attempt is a concurrent set
 * operation; the timer is re-armed only when a new deadline comes before the one it is set for,
 * and when it fires it visits the waiting attempts once, rather than a timer task per attempt
 * scheduled and cancelled under one lock.
 *
 * <p>Thread-safe.
 */
final class AttemptTimeouts extends CyclicTimeouts<Timed> {

    private final Set<Timed> waiting = ConcurrentHashMap.newKeySet();

    AttemptTimeouts(Scheduler scheduler) {
        super(scheduler);
    }

    /** Starts watching {@code attempt} (or a hedge timer), whose {@link Timed#getExpireNanoTime()} is set. */
    void add(Timed attempt) {
        waiting.add(attempt);
        schedule(attempt);
    }

    /** Stops watching {@code attempt} (its headers arrived, or it ended). */
    void remove(Timed attempt) {
        waiting.remove(attempt);
    }

    /** Attempts being watched (for tests). */
    int size() {
        return waiting.size();
    }

    @Override
    protected Iterator<Timed> iterator() {
        return waiting.iterator();
    }

    @Override
    protected boolean onExpired(Timed attempt) {
        attempt.expire();
        return true; // no longer watched
    }
}
