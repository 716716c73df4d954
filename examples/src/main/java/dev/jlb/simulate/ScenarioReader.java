package dev.jlb.simulate;

import dev.jlb.DurationFormat;
import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.simulate.Scenario.BackendModel;
import dev.jlb.simulate.Scenario.Change;
import dev.jlb.simulate.Scenario.Load;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a scenario file: a jlb configuration (its {@code routes:}, read by {@link ConfigLoader} exactly
 * as the standalone reads {@code config.yaml}, with the same errors and line numbers) plus a top-level
 * {@code simulation:} section that models the backends, the load and the changes over time. Every
 * problem of the file is reported at once, each naming the field, the value and what was expected.
 */
final class ScenarioReader {

    static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    static final Duration DEFAULT_STEP = Duration.ofSeconds(1);
    static final LatencyModel DEFAULT_LATENCY = new LatencyModel.Fixed(1_000_000);

    private final List<String> problems = new ArrayList<>();

    private ScenarioReader() {
    }

    /** Reads {@code file}; its extension must be {@code .yaml} or {@code .yml}. */
    static Scenario read(Path file) throws ScenarioException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScenarioException(List.of(file + ": cannot be read: " + e.getMessage()));
        }
        return parse(text, file.toString());
    }

    /** Reads a scenario from {@code text}; {@code fileName} names it in messages. */
    static Scenario parse(String text, String fileName) throws ScenarioException {
        return new ScenarioReader().scenario(text, fileName);
    }

    private Scenario scenario(String text, String fileName) throws ScenarioException {
        String[] lines = text.split("\n", -1);
        int[] block = simulationBlock(lines);
        if (block == null) {
            throw new ScenarioException(List.of(fileName + ": simulation: missing (expected: a top-level "
                    + "simulation: section next to routes:)"));
        }
        // The configuration part keeps its line numbers: the simulation block becomes blank lines.
        StringBuilder config = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            config.append(i >= block[0] && i < block[1] ? "" : lines[i]).append('\n');
        }
        JlbConfig jlb;
        try {
            jlb = ConfigLoader.parse(config.toString(), fileName, ConfigFormat.YAML);
        } catch (ConfigException e) {
            throw new ScenarioException(e.lines());
        }
        JsonNode sim;
        try {
            JsonNode root = new YAMLMapper().readTree(text);
            sim = root.get("simulation");
        } catch (JacksonException e) {
            throw new ScenarioException(List.of(fileName + ": simulation: " + e.getOriginalMessage()));
        }
        if (sim == null || !sim.isObject()) {
            throw new ScenarioException(List.of(fileName + ": simulation: " + sim + " (expected: a map)"));
        }
        Scenario s = simulation(sim, jlb);
        if (!problems.isEmpty()) {
            List<String> out = new ArrayList<>();
            for (String p : problems) {
                out.add(fileName + ": " + p);
            }
            throw new ScenarioException(out);
        }
        return s;
    }

    /** The lines {@code [start, end)} of the top-level {@code simulation:} block, or null. */
    private static int[] simulationBlock(String[] lines) {
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("simulation:")) {
                int end = i + 1;
                while (end < lines.length && (lines[end].isEmpty() || lines[end].startsWith(" ")
                        || lines[end].startsWith("\t") || lines[end].startsWith("#"))) {
                    end++;
                }
                return new int[] {i, end};
            }
        }
        return null;
    }

    private Scenario simulation(JsonNode sim, JlbConfig jlb) {
        known(sim, "simulation", Set.of("seed", "duration", "step", "route", "method", "load", "overhead",
                "default", "backends", "changes", "keys"));
        long seed = sim.has("seed") ? integer(sim.get("seed"), "simulation.seed", Long.MIN_VALUE, Long.MAX_VALUE, 1)
                : 1;
        long duration = duration(sim.get("duration"), "simulation.duration", DEFAULT_DURATION, true);
        long step = duration(sim.get("step"), "simulation.step", DEFAULT_STEP, true);
        if (duration > 0 && step > duration) {
            problems.add("simulation.step: " + DurationFormat.formatNanos(step) + " (expected: <= duration, "
                    + DurationFormat.formatNanos(duration) + ")");
        }
        RouteConfig route = route(sim.get("route"), jlb);
        String method = sim.has("method") ? text(sim.get("method"), "simulation.method", "GET") : "GET";
        Load load = load(sim.get("load"));
        int keys = sim.has("keys") ? (int) integer(sim.get("keys"), "simulation.keys", 0, 1_000_000, 0) : 0;
        long overhead = duration(sim.get("overhead"), "simulation.overhead", Duration.ZERO, false);
        int count = route == null ? 0 : route.backends().size();
        BackendModel base = sim.has("default") ? model(sim.get("default"), "simulation.default",
                new BackendModel(DEFAULT_LATENCY, 0, 503, 0, false, false))
                : new BackendModel(DEFAULT_LATENCY, 0, 503, 0, false, false);
        List<BackendModel> models = new ArrayList<>();
        JsonNode list = sim.get("backends");
        if (list != null && !list.isArray()) {
            problems.add("simulation.backends: " + list + " (expected: a list of backend models)");
            list = null;
        }
        if (list != null && route != null && list.size() > count) {
            problems.add("simulation.backends: " + list.size() + " models (expected: at most " + count
                    + ", one per backend of route " + route.name() + ")");
        }
        for (int i = 0; i < count; i++) {
            models.add(list != null && i < list.size() ? model(list.get(i), "simulation.backends[" + i + "]", base)
                    : base);
        }
        List<Change> changes = changes(sim.get("changes"), count);
        return new Scenario(seed, duration, step, load, overhead, method, keys, models, changes,
                route != null ? route : placeholder(jlb));
    }

    private static RouteConfig placeholder(JlbConfig jlb) {
        return jlb.routes().isEmpty() ? null : jlb.routes().get(0);
    }

    private RouteConfig route(JsonNode n, JlbConfig jlb) {
        if (jlb.routes().isEmpty()) {
            problems.add("routes: none (expected: the route to simulate)");
            return null;
        }
        if (n == null) {
            return jlb.routes().get(0);
        }
        String name = text(n, "simulation.route", null);
        for (RouteConfig r : jlb.routes()) {
            if (r.name().equals(name) || r.path().equals(name)) {
                return r;
            }
        }
        List<String> names = new ArrayList<>();
        jlb.routes().forEach(r -> names.add(r.name()));
        problems.add("simulation.route: " + name + " (expected: one of the routes: " + String.join(", ", names) + ")");
        return null;
    }

    private Load load(JsonNode n) {
        if (n == null) {
            return new Load(100, 0, 0);
        }
        if (!n.isObject()) {
            problems.add("simulation.load: " + n + " (expected: {connections: N} or {rate: N})");
            return new Load(100, 0, 0);
        }
        known(n, "simulation.load", Set.of("connections", "rate", "think"));
        if (n.has("connections") == n.has("rate")) {
            problems.add("simulation.load: " + n + " (expected: either connections or rate)");
            return new Load(100, 0, 0);
        }
        long think = duration(n.get("think"), "simulation.load.think", Duration.ZERO, false);
        if (n.has("connections")) {
            return new Load((int) integer(n.get("connections"), "simulation.load.connections", 1, 100_000, 100), 0,
                    think);
        }
        double rate = number(n.get("rate"), "simulation.load.rate", 0.001, 10_000_000, 1000);
        return new Load(0, rate, think);
    }

    private BackendModel model(JsonNode n, String path, BackendModel base) {
        if (n == null || !n.isObject()) {
            problems.add(path + ": " + n + " (expected: a map such as {latency: 5ms})");
            return base;
        }
        known(n, path, Set.of("latency", "errors", "error_status", "capacity", "down", "hang"));
        LatencyModel latency = n.has("latency") ? latency(n.get("latency"), path + ".latency") : base.latency();
        double errors = n.has("errors") ? number(n.get("errors"), path + ".errors", 0, 1, 0) : base.errors();
        int status = n.has("error_status") ? (int) integer(n.get("error_status"), path + ".error_status", 500, 599,
                503) : base.errorStatus();
        int capacity = n.has("capacity") ? (int) integer(n.get("capacity"), path + ".capacity", 0, 1_000_000, 0)
                : base.capacity();
        boolean down = n.has("down") ? bool(n.get("down"), path + ".down") : base.down();
        boolean hang = n.has("hang") ? bool(n.get("hang"), path + ".hang") : base.hang();
        return new BackendModel(latency, errors, status, capacity, down, hang);
    }

    private List<Change> changes(JsonNode n, int count) {
        List<Change> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            problems.add("simulation.changes: " + n + " (expected: a list such as [{at: 30s, backend: 1, down: true}])");
            return out;
        }
        for (int i = 0; i < n.size(); i++) {
            String path = "simulation.changes[" + i + "]";
            JsonNode c = n.get(i);
            if (!c.isObject()) {
                problems.add(path + ": " + c + " (expected: a map such as {at: 30s, backend: 1, down: true})");
                continue;
            }
            known(c, path, Set.of("at", "backend", "latency", "errors", "capacity", "down", "hang"));
            long at = duration(c.get("at"), path + ".at", null, false);
            int backend = c.has("backend") ? (int) integer(c.get("backend"), path + ".backend", 1, Math.max(1, count),
                    1) - 1 : missing(path + ".backend", "the backend's position in the route, from 1");
            out.add(new Change(at, backend, c.has("latency") ? latency(c.get("latency"), path + ".latency") : null,
                    c.has("errors") ? number(c.get("errors"), path + ".errors", 0, 1, 0) : null,
                    c.has("capacity") ? (int) integer(c.get("capacity"), path + ".capacity", 0, 1_000_000, 0) : null,
                    c.has("down") ? bool(c.get("down"), path + ".down") : null,
                    c.has("hang") ? bool(c.get("hang"), path + ".hang") : null));
        }
        out.sort(Comparator.comparingLong(Change::atNanos));
        return out;
    }

    private LatencyModel latency(JsonNode n, String path) {
        if (n.isObject()) {
            known(n, path, Set.of("p50", "p99", "mean"));
            if (n.has("mean")) {
                if (n.has("p50") || n.has("p99")) {
                    problems.add(path + ": " + n + " (expected: either mean or p50 and p99)");
                }
                return new LatencyModel.Exponential(duration(n.get("mean"), path + ".mean", null, true));
            }
            long p50 = duration(n.get("p50"), path + ".p50", null, true);
            long p99 = duration(n.get("p99"), path + ".p99", null, true);
            if (p99 < p50) {
                problems.add(path + ".p99: " + DurationFormat.formatNanos(p99) + " (expected: >= p50, "
                        + DurationFormat.formatNanos(p50) + ")");
                p99 = p50;
            }
            return p50 <= 0 ? DEFAULT_LATENCY : new LatencyModel.LogNormal(p50, p99);
        }
        return new LatencyModel.Fixed(duration(n, path, null, false));
    }

    // ---- Scalars ------------------------------------------------------------------------------------

    private void known(JsonNode n, String path, Set<String> keys) {
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!keys.contains(e.getKey())) {
                problems.add(path + "." + e.getKey() + ": unknown key (expected one of: "
                        + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
        }
    }

    private int missing(String path, String expected) {
        problems.add(path + ": missing (expected: " + expected + ")");
        return 0;
    }

    /** A duration in nanoseconds; {@code positive} also refuses zero. A missing one without default is a problem. */
    private long duration(JsonNode n, String path, Duration defaultValue, boolean positive) {
        if (n == null) {
            if (defaultValue == null) {
                return missing(path, "a duration such as 250ms");
            }
            return defaultValue.toNanos();
        }
        Duration d = n.isString() ? DurationFormat.parse(n.asString()).orElse(null) : null;
        if (d == null || d.isNegative() || (positive && d.isZero())) {
            problems.add(path + ": " + n.asString() + " (expected: a " + (positive ? "positive " : "")
                    + "duration such as 250ms or 2s)");
            return defaultValue != null ? defaultValue.toNanos() : 1;
        }
        return d.toNanos();
    }

    private long integer(JsonNode n, String path, long min, long max, long defaultValue) {
        if (n == null || !n.isIntegralNumber()) {
            problems.add(path + ": " + (n == null ? "missing" : n.asString()) + " (expected: an integer)");
            return defaultValue;
        }
        long v = n.asLong();
        if (v < min || v > max) {
            problems.add(path + ": " + v + " (expected: " + (max == Long.MAX_VALUE ? ">= " + min
                    : "in [" + min + ", " + max + "]") + ")");
            return defaultValue;
        }
        return v;
    }

    private double number(JsonNode n, String path, double min, double max, double defaultValue) {
        if (n == null || !n.isNumber()) {
            problems.add(path + ": " + (n == null ? "missing" : n.asString()) + " (expected: a number in [" + min
                    + ", " + max + "])");
            return defaultValue;
        }
        double v = n.asDouble();
        if (!(v >= min && v <= max)) {
            problems.add(path + ": " + n.asString() + " (expected: a number in [" + min + ", " + max + "])");
            return defaultValue;
        }
        return v;
    }

    private boolean bool(JsonNode n, String path) {
        if (!n.isBoolean()) {
            problems.add(path + ": " + n.asString() + " (expected: true or false)");
            return false;
        }
        return n.asBoolean();
    }

    private String text(JsonNode n, String path, String defaultValue) {
        if (!n.isString() || n.asString().isBlank()) {
            problems.add(path + ": " + n.asString() + " (expected: a name)");
            return defaultValue;
        }
        return n.asString().strip();
    }
}
