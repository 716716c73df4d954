package dev.jlb.internal;

import dev.jlb.health.OutlierDetection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ejection: takes a member out of the pool for a time, after consecutive failures (outlier
 * detection) or for its latency, never more than {@code maxEjectionPercent} of the pool at once; each
 * recent ejection makes the next one longer (backoff), and time spent back in the pool makes that
 * level decay. An ejection ends when its time is over, or early by {@link #endEarly}.
 *
 * <p>Writer side: every method is called under the pool's lock. Ending an ejection resets the
 * member's failure streak on the request path (and, after an ejection for latency, its latency
 * average, so that it is judged on fresh samples).
 */
final class Ejections {
    private static final System.Logger LOG = System.getLogger("dev.jlb");

    /** One member's ejection history. Immutable: each change replaces it. */
    private record State(boolean ejected, long until, long duration, boolean forLatency, int level, long endedAt,
            long count, String cause, String end) {
        static final State NONE = new State(false, 0, 0, false, 0, 0, 0, "", "");

        boolean ejectedAt(long now) {
            return ejected && now - until < 0;
        }

        State ended(long now, String reason) {
            return new State(false, until, duration, false, level, now, count, cause, reason);
        }
    }

    private final String name;
    private final Map<BackendEntry, State> states = new LinkedHashMap<>();

    Ejections(String name) {
        this.name = name;
    }

    void add(BackendEntry entry) {
        states.put(entry, State.NONE);
    }

    void remove(BackendEntry entry) {
        states.remove(entry);
    }

    /**
     * Ejects {@code entry} if the maximum ejected share allows it, for the base ejection time times
     * its backoff level, capped at the maximum ejection time.
     *
     * @param forLatency an ejection for latency (only its time ends it) rather than for failures
     * @return whether it was ejected
     */
    boolean eject(BackendEntry entry, long now, OutlierDetection outlier, String cause, boolean forLatency) {
        int candidates = 0;
        int ejectedNow = 0;
        for (Map.Entry<BackendEntry, State> e : states.entrySet()) {
            if (e.getKey().backend.weight() > 0) {
                candidates++;
                if (e.getValue().ejectedAt(now)) {
                    ejectedNow++;
                }
            }
        }
        // Counted after the ejection: never more than the share, and no host is exempt.
        if ((long) (ejectedNow + 1) * 100 > (long) outlier.maxEjectionPercent() * candidates) {
            LOG.log(System.Logger.Level.DEBUG, "jlb[{0}]: {1} not ejected ({2}): {3} of {4} backends ejected already, "
                    + "max {5}%", name, entry.backend.id(), cause, ejectedNow, candidates, outlier.maxEjectionPercent());
            return false;
        }
        State s = states.get(entry);
        long base = outlier.baseEjectionTime().toNanos();
        int level = s.level;
        if (level > 0) {
            long decay = (now - s.endedAt) / base;
            level = (int) Math.max(0, level - Math.max(0, decay));
        }
        if (level != Integer.MAX_VALUE) {
            level++;
        }
        long max = outlier.maxEjectionTime().toNanos();
        long duration = base > max / level ? max : Math.min(base * level, max);
        states.put(entry, new State(true, now + duration, duration, forLatency, level, s.endedAt, s.count + 1,
                cause + ", ejected for " + Durations.formatNanos(duration), s.end));
        entry.resetStreak();
        return true;
    }

    /** Ends the ejections whose time is over at {@code now}. */
    void expire(long now) {
        for (Map.Entry<BackendEntry, State> e : states.entrySet()) {
            State s = e.getValue();
            if (s.ejected && now - s.until >= 0) {
                end(e.getKey(), s, now, "ejection of " + Durations.formatNanos(s.duration) + " ended");
            }
        }
    }

    /**
     * Ends {@code entry}'s ejection for failures before its time, after a passed check that started
     * after the ejection began: {@code countAtStart} is the member's {@link #count} when the check
     * started. An ejection for latency runs its time.
     *
     * @return whether an ejection ended
     */
    boolean endEarly(BackendEntry entry, long now, long countAtStart, String reason) {
        State s = states.get(entry);
        if (!s.ejectedAt(now) || s.forLatency || s.count != countAtStart) {
            return false;
        }
        end(entry, s, now, reason);
        return true;
    }

    /** Outlier detection was turned off: streaks stop counting and ejections for failures end. */
    void outlierDisabled(long now) {
        for (Map.Entry<BackendEntry, State> e : states.entrySet()) {
            e.getKey().resetStreak();
            State s = e.getValue();
            if (s.ejected && !s.forLatency) {
                end(e.getKey(), s, now, "outlier detection disabled");
            }
        }
    }

    /** Latency health was turned off: ejections for latency end. */
    void latencyDisabled(long now) {
        for (Map.Entry<BackendEntry, State> e : states.entrySet()) {
            State s = e.getValue();
            if (s.ejected && s.forLatency) {
                end(e.getKey(), s, now, "latency health disabled");
            }
        }
    }

    private void end(BackendEntry entry, State s, long now, String reason) {
        states.put(entry, s.ended(now, reason));
        if (s.forLatency) {
            entry.resetLatency();
        }
        entry.resetStreak();
    }

    boolean isEjected(BackendEntry entry) {
        State s = states.get(entry);
        return s != null && s.ejected;
    }

    /** Why {@code entry} was last ejected, with for how long. */
    String cause(BackendEntry entry) {
        return states.get(entry).cause;
    }

    /** Why {@code entry}'s last ejection ended. */
    String endReason(BackendEntry entry) {
        return states.get(entry).end;
    }

    /** How many times {@code entry} was ejected. */
    long count(BackendEntry entry) {
        return states.get(entry).count;
    }

    /** Nanoseconds from {@code now} until the next ejection ends; {@link Long#MAX_VALUE} when none is ejected. */
    long untilNextEnd(long now) {
        long next = Long.MAX_VALUE;
        for (State s : states.values()) {
            if (s.ejected) {
                next = Math.min(next, s.until - now);
            }
        }
        return next;
    }

    @Override
    public String toString() {
        return "Ejections{" + name + ", members=" + states.size() + '}';
    }
}
