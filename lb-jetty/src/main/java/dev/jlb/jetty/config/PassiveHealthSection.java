package dev.jlb.jetty.config;

import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import java.time.Duration;
import java.util.Locale;

/**
 * Reads a route's {@code outlier_detection:}, {@code latency_health:}, {@code slow_start:} and
 * {@code panic:} sections into the core's option types, whose builders judge every value. Shares
 * are written as whole percentages and given to the builders as fractions; {@code enabled: false}
 * (and, for latency health, no section) turns a feature off once its keys are checked.
 */
final class PassiveHealthSection {

    /** A route's panic mode and threshold, as {@link dev.jlb.LoadBalancer.Builder#panic} takes them. */
    record Panic(PanicMode mode, double threshold) {
        static final Panic DEFAULT = new Panic(PanicMode.ROUTE_ALL, PanicMode.DEFAULT_THRESHOLD);
    }

    private PassiveHealthSection() {
    }

    /** Outlier detection: on with the defaults without the section. */
    static OutlierDetection outlierDetection(MapReader r) {
        MapReader o = r.map("outlier_detection");
        if (o == null) {
            return OutlierDetection.defaults();
        }
        Boolean enabled = o.bool("enabled");
        OutlierDetection.Builder b = OutlierDetection.builder();
        o.integer("consecutive_failures", b::consecutiveFailures);
        o.duration("base_ejection_time", b::baseEjectionTime);
        o.duration("max_ejection_time", b::maxEjectionTime);
        o.percent("max_ejection_percent", b::maxEjectionPercent);
        o.bool("uneject_on_health_check_pass", b::unejectOnHealthCheckPass);
        OutlierDetection built = o.build(b::build);
        o.finish();
        return Boolean.FALSE.equals(enabled) ? OutlierDetection.disabled()
                : built != null ? built : OutlierDetection.defaults();
    }

    /** Response-time health: off without the section, on with it. */
    static LatencyHealth latencyHealth(MapReader r) {
        MapReader l = r.map("latency_health");
        if (l == null) {
            return LatencyHealth.disabled();
        }
        Boolean enabled = l.bool("enabled");
        LatencyHealth.Builder b = LatencyHealth.builder();
        l.duration("absolute_limit", b::absoluteLimit);
        Double factor = l.decimal("relative_factor");
        if (factor != null && factor == 0) {
            b.withoutRelativeLimit();
        } else if (factor != null) {
            // The file's 0 turns the rule off: a factor too small is told so.
            l.set("relative_factor", l.node("relative_factor"), () -> b.relativeFactor(factor),
                    c -> Refusal.plain(c.startsWith(">") ? "0 (off) or " + c : c));
        }
        l.duration("relative_floor", b::relativeFloor);
        l.integer("minimum_samples", b::minimumSamples);
        l.duration("interval", b::interval);
        String action = l.choice("action", "degrade", "degrade", "eject");
        b.action(LatencyHealth.Action.valueOf(action.toUpperCase(Locale.ROOT)));
        l.share("degraded_weight", b::degradedWeightFactor);
        LatencyHealth built = Boolean.FALSE.equals(enabled) ? null
                : l.build(b::build, "no limit (expected: absolute_limit, or relative_factor > 1)");
        l.finish();
        return built != null ? built : LatencyHealth.disabled();
    }

    /** Slow start: off without the section; with it, {@code window} is required. */
    static SlowStart slowStart(MapReader r) {
        MapReader s = r.map("slow_start");
        if (s == null) {
            return SlowStart.disabled();
        }
        if (!s.has("window")) {
            s.problems().add(s.line(), s.path("window"), "missing (expected: " + ScalarReader.DURATION_EXPECTED + ")");
        }
        Duration window = s.duration("window", w -> SlowStart.of(w));
        Double floor = s.share("floor", SlowStart::checkFloor);
        s.finish();
        if (window == null || !s.valid("floor")) {
            return SlowStart.disabled();
        }
        return SlowStart.of(window, floor != null ? floor : SlowStart.DEFAULT_FLOOR);
    }

    /** The panic mode and threshold: route to all below 50% without the section. */
    static Panic panic(MapReader r) {
        MapReader p = r.map("panic");
        if (p == null) {
            return Panic.DEFAULT;
        }
        String mode = p.choice("mode", "route-all", "route-all", "fail-fast");
        Double threshold = p.share("threshold", PanicMode::checkThreshold);
        p.finish();
        return new Panic(mode.equals("fail-fast") ? PanicMode.FAIL_FAST : PanicMode.ROUTE_ALL,
                threshold != null ? threshold : PanicMode.DEFAULT_THRESHOLD);
    }
}
