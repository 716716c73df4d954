package dev.jlb.internal;

import dev.jlb.RandomSource;
import dev.jlb.Ticker;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheck;
import dev.jlb.health.HealthCheckResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Active health: runs the pool's {@link ActiveHealthCheck} against every member (one
 * {@link ActiveChecker} per check) and turns each member's results into a verdict, healthy or
 * unhealthy and why, with the check's {@code rise} and {@code fall}. The first result of a member
 * decides at once.
 *
 * <p>Writer side: every method is called under the pool's lock. Results come back through the
 * {@link ActiveChecker.Results} the pool gave, which hands them to {@link #record} under the lock.
 */
final class ActiveHealth {

    /** One member's standing with the checker. Immutable: each result replaces it. */
    private record Verdict(boolean checked, int passes, int failures, boolean unhealthy, String reason) {
        static final Verdict NONE = new Verdict(false, 0, 0, false, "");
    }

    private final Timers timers;
    private final Ticker ticker;
    private final RandomSource random;
    private final ActiveChecker.Results results;
    /** Every member, in membership order (the order their checks start in). */
    private final Map<BackendEntry, Verdict> verdicts = new LinkedHashMap<>();
    /** Null while no check is configured, and once closed. */
    private ActiveChecker checker;

    ActiveHealth(Timers timers, Ticker ticker, RandomSource random, ActiveChecker.Results results) {
        this.timers = timers;
        this.ticker = ticker;
        this.random = random;
        this.results = results;
    }

    /** A new member: checked from now on, its first check at once. */
    void add(BackendEntry entry) {
        verdicts.put(entry, Verdict.NONE);
        if (checker != null) {
            checker.start(entry);
        }
    }

    void remove(BackendEntry entry) {
        verdicts.remove(entry);
        if (checker != null) {
            checker.stop(entry);
        }
    }

    /**
     * Runs {@code check} from now on, every member's first check at once, after stopping the one
     * before (whose probe is closed unless {@code check} uses it too). A disabled check stops checking
     * and forgets every verdict: an unhealthy member is healthy again ("health check disabled").
     */
    void replace(ActiveHealthCheck check, boolean closed) {
        if (!check.isEnabled()) {
            verdicts.replaceAll((entry, verdict) -> verdict.unhealthy
                    ? new Verdict(false, 0, 0, false, "health check disabled")
                    : new Verdict(false, 0, 0, false, verdict.reason));
        }
        if (!closed) {
            start(check);
        }
    }

    /** Starts checking every member with {@code check}; the first check of each at once. */
    void start(ActiveHealthCheck check) {
        stop(check);
        if (!check.isEnabled()) {
            return;
        }
        checker = new ActiveChecker(results, check, timers, ticker, random);
        for (BackendEntry entry : verdicts.keySet()) {
            checker.start(entry);
        }
    }

    /** Stops checking; results still in flight are ignored. */
    void close() {
        stop(null);
    }

    private void stop(ActiveHealthCheck next) {
        if (checker != null) {
            checker.stopAll(next);
            checker = null;
        }
    }

    /** Whether {@code task}'s result still counts: it is the current checker's and its member is still one. */
    boolean accepts(ActiveChecker.Task task) {
        return checker != null && task.owner() == checker && !task.cancelled && verdicts.containsKey(task.entry);
    }

    /**
     * Counts one result of an {@link #accepts accepted} task.
     *
     * @return whether the member turned healthy or unhealthy
     */
    boolean record(BackendEntry entry, HealthCheckResult result) {
        Verdict v = verdicts.get(entry);
        ActiveHealthCheck check = checker.check();
        boolean first = !v.checked;
        Verdict next;
        if (result.isHealthy()) {
            int passes = saturatedIncrement(v.passes);
            if (v.unhealthy && passes >= check.rise()) {
                next = new Verdict(true, passes, 0, false, "health check passed " + times(passes) + ": " + result.reason());
            } else {
                next = new Verdict(true, passes, 0, v.unhealthy, v.reason);
            }
        } else {
            int failures = saturatedIncrement(v.failures);
            if (!v.unhealthy && (first || failures >= check.fall())) {
                next = new Verdict(true, 0, failures, true, (first ? "first health check failed: "
                        : "health check failed " + times(failures) + ": ") + result.reason());
            } else {
                next = new Verdict(true, 0, failures, v.unhealthy, v.reason);
            }
        }
        verdicts.put(entry, next);
        return next.unhealthy != v.unhealthy;
    }

    /** Whether the current check's passes say the backend answers requests ({@link HealthCheck#checksResponses()}). */
    boolean checksResponses() {
        return checker != null && checker.probe().checksResponses();
    }

    /** Whether the checker holds {@code entry} unhealthy. */
    boolean isUnhealthy(BackendEntry entry) {
        Verdict v = verdicts.get(entry);
        return v != null && v.unhealthy;
    }

    /** Why {@code entry} last turned healthy or unhealthy for the checker; empty before that. */
    String reason(BackendEntry entry) {
        Verdict v = verdicts.get(entry);
        return v == null ? "" : v.reason;
    }

    /** Adds {@code suffix} to the reason of {@code entry}'s last turn (a pass that also ended its ejection). */
    void appendReason(BackendEntry entry, String suffix) {
        Verdict v = verdicts.get(entry);
        verdicts.put(entry, new Verdict(v.checked, v.passes, v.failures, v.unhealthy, v.reason + suffix));
    }

    private static int saturatedIncrement(int n) {
        return n == Integer.MAX_VALUE ? n : n + 1;
    }

    private static String times(int n) {
        return n == 1 ? "once" : n + " times";
    }

    @Override
    public String toString() {
        return "ActiveHealth{" + (checker == null ? "off" : checker) + ", members=" + verdicts.size() + '}';
    }
}
