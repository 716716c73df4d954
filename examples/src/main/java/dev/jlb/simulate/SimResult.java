package dev.jlb.simulate;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancerStats;
import dev.jlb.PoolEvent;
import dev.jlb.simulate.Scenario.BackendModel;
import dev.jlb.simulate.Scenario.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one simulated run: requests and what the clients got, attempts and retries,
 * latency percentiles, each backend's share of the attempts against its fair share (its weight over
 * the sum), and the same per time step for the CSV and the plot. Filled by {@link Simulation} on its
 * one thread, read after the run.
 */
final class SimResult {

    final Scenario scenario;
    final int steps;
    final long[] backendAttempts;
    final long[] backendFailures;
    final long[][] stepAttempts;
    final long[] stepRequests;
    final long[] stepErrors;
    final long[] stepP99;
    final Histogram latency = new Histogram();
    final Map<String, Long> errorsByReason = new TreeMap<>();
    final List<String> changes = new ArrayList<>();
    private final Histogram stepLatency = new Histogram();
    private int currentStep;
    long requests;
    long errors;
    long attempts;
    long retries;
    long retriesExhausted;
    long simulatedNanos;
    final List<BackendModel> finalModels = new ArrayList<>();

    SimResult(Scenario scenario, int steps) {
        this.scenario = scenario;
        this.steps = steps;
        int n = scenario.backends().size();
        backendAttempts = new long[n];
        backendFailures = new long[n];
        stepAttempts = new long[steps][n];
        stepRequests = new long[steps];
        stepErrors = new long[steps];
        stepP99 = new long[steps];
        finalModels.addAll(scenario.backends());
    }

    private int step(long now) {
        return (int) Math.min(steps - 1, now / scenario.stepNanos());
    }

    void attempt(long now, int backend, boolean retry) {
        attempts++;
        backendAttempts[backend]++;
        stepAttempts[step(now)][backend]++;
        if (retry) {
            retries++;
        }
    }

    void failedAttempt(int backend) {
        backendFailures[backend]++;
    }

    void request(long now, long latencyNanos, int status, String reason) {
        int s = step(now);
        if (s != currentStep) {
            stepP99[currentStep] = stepLatency.percentileNanos(0.99);
            stepLatency.clear();
            currentStep = s;
        }
        requests++;
        stepRequests[s]++;
        latency.record(latencyNanos);
        stepLatency.record(latencyNanos);
        if (status >= 500) {
            errors++;
            stepErrors[s]++;
            errorsByReason.merge(status + " " + reason, 1L, Long::sum);
        }
    }

    /** At most this many state changes are kept for the report; the rest are counted. */
    static final int MAX_EVENTS = 50;
    final List<String> events = new ArrayList<>();
    long moreEvents;

    void event(long now, PoolEvent e) {
        String what;
        if (e.type() == PoolEvent.Type.STATE_CHANGED) {
            what = e.backend().id() + " " + e.oldState() + " -> " + e.newState();
        } else if (e.type() == PoolEvent.Type.PANIC_ENTERED || e.type() == PoolEvent.Type.PANIC_EXITED) {
            what = e.type() == PoolEvent.Type.PANIC_ENTERED ? "panic entered" : "panic exited";
        } else {
            return;
        }
        if (events.size() < MAX_EVENTS) {
            events.add(at(now) + ": " + what + (e.reason() == null ? "" : " (" + e.reason()
                    + ")"));
        } else {
            moreEvents++;
        }
    }

    void changed(long now, Change c, BackendModel now2) {
        changes.add(at(now) + ": backend " + (c.backend() + 1) + " now " + now2.describe());
        finalModels.set(c.backend(), now2);
    }

    void finish(LoadBalancerStats stats, long now) {
        stepP99[currentStep] = stepLatency.percentileNanos(0.99);
        retriesExhausted = stats.retriesExhausted();
        simulatedNanos = now;
    }

    /** Backend {@code i}'s share of all attempts over its fair share: 1 is fair, 0 is none. */
    double shareVsFair(int i) {
        return shareVsFair(backendAttempts, i);
    }

    double shareVsFair(long[] counts, int i) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        List<Backend> members = scenario.route().backends();
        double weights = 0;
        for (Backend b : members) {
            weights += b.weight();
        }
        double fair = members.get(i).weight() / weights;
        return fair == 0 ? 0 : ((double) counts[i] / total) / fair;
    }

    /** The plain-text report. */
    String text(String fileName, double cpuSeconds) {
        StringBuilder b = new StringBuilder();
        Scenario s = scenario;
        double seconds = simulatedNanos / 1e9;
        b.append(String.format(Locale.ROOT, "jlb simulate: %s, route %s (%s), %s simulated in %.2f s of CPU, seed %d%n",
                fileName, s.route().name(), s.route().strategy().name(), DurationFormat.formatNanos(simulatedNanos),
                cpuSeconds, s.seed()));
        b.append("load: ").append(s.load().closed() ? s.load().connections() + " connections (closed loop)"
                : s.load().rate() + " requests/s (open loop)").append(", overhead per attempt ")
                .append(DurationFormat.formatNanos(s.overheadNanos())).append('\n');
        b.append(String.format(Locale.ROOT, "requests: %d (%.0f/s), errors: %d (%.3f%%)", requests,
                requests / Math.max(seconds, 1e-9), errors, requests == 0 ? 0 : 100.0 * errors / requests));
        errorsByReason.forEach((k, v) -> b.append(", ").append(k).append(": ").append(v));
        b.append('\n');
        b.append(String.format(Locale.ROOT, "attempts: %d, retries: %d, retries exhausted: %d%n", attempts, retries,
                retriesExhausted));
        b.append("latency: p50 ").append(ms(latency.percentileNanos(0.50))).append(", p90 ")
                .append(ms(latency.percentileNanos(0.90))).append(", p99 ").append(ms(latency.percentileNanos(0.99)))
                .append(", p99.9 ").append(ms(latency.percentileNanos(0.999))).append('\n');
        b.append(String.format(Locale.ROOT, "%-28s %6s %8s %8s %8s  %s%n", "backend", "weight", "share", "vs fair",
                "failed", "model at the end"));
        List<Backend> members = s.route().backends();
        for (int i = 0; i < members.size(); i++) {
            b.append(String.format(Locale.ROOT, "%-28s %6d %7.2f%% %8.3f %8d  %s%n", members.get(i).id(),
                    members.get(i).weight(), attempts == 0 ? 0 : 100.0 * backendAttempts[i] / attempts, shareVsFair(i),
                    backendFailures[i], finalModels.get(i).describe()));
        }
        for (String c : changes) {
            b.append("change at ").append(c).append('\n');
        }
        for (String e : events) {
            b.append("at ").append(e).append('\n');
        }
        if (moreEvents > 0) {
            b.append("... and ").append(moreEvents).append(" more state changes\n");
        }
        return b.toString();
    }

    /** One row per step: time, requests, errors, p99 and each backend's share of the attempts. */
    String csv() {
        StringBuilder b = new StringBuilder("time_s,requests,errors,p99_ms");
        List<Backend> members = scenario.route().backends();
        for (Backend m : members) {
            b.append(",share_").append(m.id());
        }
        b.append('\n');
        for (int t = 0; t < steps; t++) {
            long total = 0;
            for (long c : stepAttempts[t]) {
                total += c;
            }
            b.append(String.format(Locale.ROOT, "%.3f,%d,%d,%.3f", (t + 1) * scenario.stepNanos() / 1e9,
                    stepRequests[t], stepErrors[t], stepP99[t] / 1e6));
            for (int i = 0; i < members.size(); i++) {
                b.append(String.format(Locale.ROOT, ",%.4f", total == 0 ? 0 : (double) stepAttempts[t][i] / total));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String at(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
}
