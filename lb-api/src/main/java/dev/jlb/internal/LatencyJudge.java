package dev.jlb.internal;

import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency judging: compares each eligible member's latency average with the absolute limit and with
 * the median of the others, and degrades the slow ones (or has {@link Ejections} eject them, with
 * {@link LatencyHealth.Action#EJECT}); a degraded member recovers once its average is under
 * {@value #HYSTERESIS} of the limit it broke.
 *
 * <p>Writer side: every method is called under the pool's lock, {@link #evaluate} every
 * {@link LatencyHealth#interval()}. The averages it reads are the members' request-path EWMAs.
 */
final class LatencyJudge {
    /** A slow backend recovers under this share of the limit it broke. */
    static final double HYSTERESIS = 0.8;

    /** One member's standing. Immutable: each change replaces it. */
    private record Standing(boolean degraded, String reason) {
        static final Standing NONE = new Standing(false, "");
    }

    private final Map<BackendEntry, Standing> standings = new HashMap<>();

    void add(BackendEntry entry) {
        standings.put(entry, Standing.NONE);
    }

    void remove(BackendEntry entry) {
        standings.remove(entry);
    }

    /**
     * Judges the eligible {@code members} that have at least {@code minimumSamples} samples, in
     * order (which matters when the maximum ejected share is reached).
     *
     * @return whether a member was degraded, recovered or ejected
     */
    boolean evaluate(Collection<BackendEntry> members, LatencyHealth latency, OutlierDetection outlier, long now,
            Ejections ejections) {
        if (!latency.isEnabled()) {
            return false;
        }
        List<BackendEntry> judged = new ArrayList<>(members.size());
        List<Long> averages = new ArrayList<>(members.size());
        for (BackendEntry entry : members) {
            long average = entry.latencyEwmaNanos();
            if (MemberStatus.isEligible(entry.state()) && average >= 0
                    && entry.latencySamples() >= latency.minimumSamples()) {
                judged.add(entry);
                averages.add(average);
            }
        }
        long[] sorted = averages.stream().mapToLong(Long::longValue).sorted().toArray();
        long absolute = latency.absoluteLimit().map(java.time.Duration::toNanos).orElse(Long.MAX_VALUE);
        long floor = latency.relativeFloor().toNanos();
        boolean changed = false;
        for (int i = 0; i < judged.size(); i++) {
            BackendEntry entry = judged.get(i);
            long average = averages.get(i);
            long limit = absolute;
            String rule = absolute == Long.MAX_VALUE ? null : "limit " + Durations.approx(absolute);
            if (latency.relativeFactor() > 0 && sorted.length >= 2) {
                long median = medianExcluding(sorted, average);
                long relative = Math.max((long) Math.min(latency.relativeFactor() * median, (double) Long.MAX_VALUE),
                        floor);
                if (relative < limit) {
                    limit = relative;
                    rule = "max(" + latency.relativeFactor() + " x median " + Durations.approx(median)
                            + " of the others, " + Durations.approx(floor) + ")";
                }
            }
            if (rule == null) {
                continue;
            }
            if (!standings.get(entry).degraded) {
                if (average > limit) {
                    String cause = "latency " + Durations.approx(average) + " > " + rule;
                    if (latency.action() == LatencyHealth.Action.DEGRADE) {
                        standings.put(entry, new Standing(true, cause));
                        changed = true;
                    } else if (ejections.eject(entry, now, outlier, cause, true)) {
                        changed = true;
                    }
                }
            } else if (average < limit * HYSTERESIS) {
                standings.put(entry, new Standing(false, "latency " + Durations.approx(average) + " back under "
                        + Durations.approx((long) (limit * HYSTERESIS))));
                changed = true;
            }
        }
        return changed;
    }

    /** The median of {@code sorted} without one occurrence of {@code value}, which it must hold. */
    static long medianExcluding(long[] sorted, long value) {
        int skip = Arrays.binarySearch(sorted, value);
        if (skip < 0) {
            throw new IllegalArgumentException("value: " + value + " (expected: one of " + Arrays.toString(sorted) + ")");
        }
        int m = sorted.length - 1;
        if (m % 2 == 1) {
            return at(sorted, skip, m / 2);
        }
        long a = at(sorted, skip, m / 2 - 1);
        long b = at(sorted, skip, m / 2);
        return a + (b - a) / 2;
    }

    private static long at(long[] sorted, int skip, int k) {
        return sorted[k < skip ? k : k + 1];
    }

    /** New rules: a degraded member recovers unless they still degrade. */
    void rulesChanged(LatencyHealth latency) {
        boolean degrading = latency.isEnabled() && latency.action() == LatencyHealth.Action.DEGRADE;
        if (degrading) {
            return;
        }
        String reason = latency.isEnabled() ? "latency action now " + latency.action() : "latency health disabled";
        standings.replaceAll((entry, standing) -> standing.degraded ? new Standing(false, reason) : standing);
    }

    boolean isDegraded(BackendEntry entry) {
        Standing s = standings.get(entry);
        return s != null && s.degraded;
    }

    /** Why {@code entry} was last degraded or recovered; empty before that. */
    String reason(BackendEntry entry) {
        Standing s = standings.get(entry);
        return s == null ? "" : s.reason;
    }

    @Override
    public String toString() {
        return "LatencyJudge{members=" + standings.size() + '}';
    }
}
