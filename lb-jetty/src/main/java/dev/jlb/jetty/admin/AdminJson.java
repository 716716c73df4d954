package dev.jlb.jetty.admin;

import dev.jlb.BackendStats;
import dev.jlb.LatencyDistribution;
import dev.jlb.LoadBalancer;
import dev.jlb.LoadBalancerStats;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.StatsWindow;
import java.util.Locale;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The admin API's JSON documents (field names are part of the API: see the README). */
final class AdminJson {

    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private AdminJson() {
    }

    static ObjectNode error(String message) {
        return MAPPER.createObjectNode().put("error", message);
    }

    static ObjectNode route(LoadBalancer lb, StatsWindow.Recent recent) {
        LoadBalancerStats stats = recent.current();
        ObjectNode node = MAPPER.createObjectNode();
        node.put("name", stats.name());
        node.put("strategy", lb.strategy().name());
        node.put("panic", stats.inPanic());
        node.put("inFlight", stats.inFlight());
        node.put("requests", stats.requests());
        node.put("noBackend", stats.noBackend());
        ObjectNode reasons = node.putObject("noBackendByReason");
        for (Reason reason : Reason.values()) {
            if (reason != Reason.ALL_EXCLUDED) {
                reasons.put(reason.name().toLowerCase(Locale.ROOT), stats.noBackend(reason));
            }
        }
        node.put("retries", stats.retries());
        node.put("retriesExhausted", stats.retriesExhausted());
        if (lb.overload().isEnabled()) {
            ObjectNode overload = node.putObject("overload");
            overload.put("backendMaxInFlight", lb.overload().backendMaxInFlight());
            overload.put("maxInFlight", lb.overload().maxInFlight());
            overload.put("maxQueued", lb.overload().maxQueued());
            overload.put("queued", stats.queued());
            overload.put("queuedTotal", stats.queuedTotal());
            overload.put("refused", stats.noBackend(Reason.OVERLOADED));
            overload.put("queueTimeouts", stats.noBackend(Reason.QUEUE_TIMEOUT));
        }
        ObjectNode window = node.putObject("recent");
        window.put("seconds", round(recent.seconds(), 3));
        window.put("requestsPerSecond", round(recent.requestsPerSecond(), 3));
        node.set("backends", backends(recent));
        ArrayNode discoveries = node.putArray("discoveries");
        for (dev.jlb.discovery.Discovery d : lb.discovery().discoveries()) {
            dev.jlb.discovery.DiscoveryStats ds = d.stats();
            discoveries.addObject().put("source", ds.source()).put("backends", ds.backends())
                    .put("resolutions", ds.resolutions()).put("failures", ds.failures())
                    .put("lastSuccessEpochMillis", ds.lastSuccessEpochMillis()).put("lastError", ds.lastError());
        }
        return node;
    }

    static ArrayNode backends(StatsWindow.Recent recent) {
        ArrayNode array = MAPPER.createArrayNode();
        for (BackendStats stats : recent.current().backends()) {
            array.add(backend(stats, recent));
        }
        return array;
    }

    static ObjectNode backend(BackendStats stats, StatsWindow.Recent recent) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", stats.backend().id());
        node.put("uri", stats.backend().uri().toString());
        node.put("weight", stats.backend().weight());
        node.put("source", stats.backend().source());
        node.put("effectiveWeight", stats.effectiveWeight());
        node.put("state", stats.state().name());
        node.put("stateReason", stats.stateReason());
        node.put("inFlight", stats.inFlight());
        node.put("requests", stats.requests());
        node.put("successes", stats.successes());
        node.put("failures", stats.failures());
        node.put("cancelled", stats.cancelled());
        node.put("retries", stats.retries());
        node.put("connectFailures", stats.connectFailures());
        node.put("timeouts", stats.timeouts());
        ObjectNode responses = node.putObject("responses");
        for (int c = 1; c <= 5; c++) {
            responses.put(c + "xx", stats.responses(c));
        }
        node.put("ejections", stats.ejections());
        node.put("consecutiveFailures", stats.consecutiveFailures());
        ObjectNode latency = node.putObject("latencyMs");
        putMillis(latency, "ewma", stats.latencyEwmaNanos());
        putQuantiles(latency, stats.latency());
        if (recent != null) {
            ObjectNode window = node.putObject("recent");
            window.put("seconds", round(recent.seconds(), 3));
            window.put("requestsPerSecond", round(recent.requestsPerSecond(stats), 3));
            putRatio(window, "errorRate", recent.errorRate(stats));
            ObjectNode recentLatency = window.putObject("latencyMs");
            putQuantiles(recentLatency, recent.latency(stats));
        }
        return node;
    }

    private static void putQuantiles(ObjectNode node, LatencyDistribution d) {
        node.put("samples", d.count());
        putMillis(node, "p50", d.quantileNanos(0.5));
        putMillis(node, "p90", d.quantileNanos(0.9));
        putMillis(node, "p99", d.quantileNanos(0.99));
    }

    private static void putMillis(ObjectNode node, String name, long nanos) {
        if (nanos < 0) {
            node.putNull(name);
        } else {
            node.put(name, round(nanos / 1e6, 3));
        }
    }

    private static void putRatio(ObjectNode node, String name, double ratio) {
        if (Double.isNaN(ratio)) {
            node.putNull(name);
        } else {
            node.put(name, round(ratio, 4));
        }
    }

    static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
