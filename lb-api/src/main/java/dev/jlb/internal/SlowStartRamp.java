package dev.jlb.internal;

import dev.jlb.health.SlowStart;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Slow start: a member that becomes eligible (it joins, is healthy again, is no longer ejected, or is
 * re-weighted from 0) ramps up the share of its weight it gets over the {@link SlowStart} window. The
 * members the pool starts with begin at full weight.
 *
 * <p>Writer side: every method is called under the pool's lock, by each publish.
 */
final class SlowStartRamp {
    /** The members found eligible by the last publish. */
    private final Set<BackendEntry> eligible = new HashSet<>();
    /** The members ramping up, with the ticker time their ramp started. */
    private final Map<BackendEntry, Long> ramps = new HashMap<>();

    /** A new member: {@code atFullWeight} for the initial ones, which do not ramp. */
    void add(BackendEntry entry, boolean atFullWeight) {
        if (atFullWeight) {
            eligible.add(entry);
        }
    }

    void remove(BackendEntry entry) {
        eligible.remove(entry);
        ramps.remove(entry);
    }

    /**
     * Tells whether {@code entry} is eligible now: one that was not at the last publish starts
     * ramping, one that is no longer eligible stops (it starts again when it comes back).
     */
    void observe(BackendEntry entry, boolean isEligible, long now, SlowStart slowStart) {
        if (isEligible) {
            if (eligible.add(entry) && slowStart.isEnabled()) {
                ramps.put(entry, now);
            }
        } else {
            eligible.remove(entry);
            ramps.remove(entry);
        }
    }

    /** The share of its weight the eligible {@code entry} gets at {@code now}: 1.0 once its ramp is over. */
    double factor(BackendEntry entry, long now, SlowStart slowStart) {
        Long start = ramps.get(entry);
        if (start == null) {
            return 1.0;
        }
        long elapsed = now - start;
        if (slowStart.nextStepNanos(elapsed) < 0) {
            ramps.remove(entry);
            return 1.0;
        }
        return slowStart.factor(elapsed);
    }

    /** Nanoseconds from {@code now} until the next step of any ramp; {@link Long#MAX_VALUE} when none is ramping. */
    long untilNextStep(long now, SlowStart slowStart) {
        long next = Long.MAX_VALUE;
        for (long start : ramps.values()) {
            long elapsed = now - start;
            long step = slowStart.nextStepNanos(elapsed);
            if (step >= 0) {
                next = Math.min(next, step - elapsed);
            }
        }
        return next;
    }

    @Override
    public String toString() {
        return "SlowStartRamp{ramping=" + ramps.size() + '}';
    }
}
