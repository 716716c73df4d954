package dev.jlb.jetty.config;

import dev.jlb.DurationFormat;
import dev.jlb.RetryPolicy;
import dev.jlb.jetty.BackendProtocol;
import dev.jlb.jetty.ExplainOptions;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.config.Node.ListNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Reads how a route proxies: {@code retry:}, {@code timeouts:}, {@code headers:},
 * {@code strip_prefix}, {@code trusted_proxies}, the backend {@code protocol} and
 * {@code max_streams_per_connection} into a {@link ProxyOptions.Builder}, with the route's path as its prefix and
 * the server's connection pool sizes ({@link StickySection} adds the sticky cookie). {@link ProxyOptions.Builder} and
 * {@link RetryPolicy.Builder} judge every value; the file adds that a timeout left out is lowered
 * under a shorter one given ({@code attempt} under {@code total}, {@code connect} under
 * {@code attempt}), and that one given may not exceed the one above it.
 */
final class ProxySection {

    private ProxySection() {
    }

    /** The route's proxy options so far; {@code path} null when it was bad (reported). */
    static ProxyOptions.Builder proxy(MapReader r, String path, ServerConfig server) {
        ProxyOptions.Builder b = ProxyOptions.builder()
                .maxConnectionsPerBackend(server.maxConnectionsPerBackend())
                .maxRequestsQueuedPerBackend(server.maxRequestsQueuedPerBackend())
                .maxResponseHeaderSize(server.maxResponseHeaderSize());
        if (path != null) {
            b.prefix(path);
        }
        b.retry(retry(r.map("retry")));
        timeouts(r, b);
        headers(r, b);
        r.bool("strip_prefix", b::stripPrefix);
        r.string("protocol", "http1, h2c or h2", s -> b.backendProtocol(BackendProtocol.of(s)));
        r.integer("max_streams_per_connection", b::maxStreamsPerConnection);
        r.bool("allow_trace", b::allowTrace);
        trustedProxies(r, b);
        upgrades(r, b);
        r.string("data_path", "engine or jetty", v -> b.dataPath(ProxyOptions.DataPath.parse(v)));
        explain(r, b);
        return b;
    }

    /**
     * {@code explain: {enabled, token, history}}: who may ask for an {@code X-Jlb-Decision} header
     * and how many explained decisions the route keeps. A refused token is described by its length,
     * never shown (problems are logged).
     */
    private static void explain(MapReader r, ProxyOptions.Builder b) {
        MapReader e = r.map("explain");
        if (e == null) {
            return;
        }
        Boolean enabled = e.bool("enabled");
        Node tokenNode = e.node("token");
        String token = tokenNode == null ? null : e.stringValue("token", tokenNode, "a token as text");
        boolean tokenOk = token == null || e.call("token", tokenNode,
                () -> ExplainOptions.of(token, ExplainOptions.DEFAULT_HISTORY),
                refusal -> refusal.value() + " (expected: " + refusal.constraint() + ")") != null;
        Integer history = e.integer("history");
        boolean historyOk = history == null
                || e.call("history", e.node("history"), () -> ExplainOptions.of(null, history)) != null;
        e.finish();
        if (Boolean.FALSE.equals(enabled)) {
            b.explain(ExplainOptions.disabled());
        } else if (tokenOk && historyOk) {
            b.explain(ExplainOptions.of(tokenNode == null ? null : token,
                    history == null ? ExplainOptions.DEFAULT_HISTORY : history));
        }
    }

    /** The {@code retry:} section; the defaults without one (null). */
    static RetryPolicy retry(MapReader t) {
        RetryPolicy.Builder b = RetryPolicy.builder();
        if (t == null) {
            return b.build();
        }
        t.integer("attempts", b::maxAttempts);
        ListNode list = t.list("statuses", "a list of statuses such as [502, 503, 504]");
        if (list != null) {
            TreeSet<Integer> statuses = new TreeSet<>();
            for (int i = 0; i < list.items().size(); i++) {
                String key = "statuses[" + i + "]";
                Node item = list.items().get(i);
                Long v = t.integerValue(key, item, Integer.MIN_VALUE, Integer.MAX_VALUE);
                if (v != null && t.set(key, item, () -> RetryPolicy.builder().retryableStatuses(v.intValue()),
                        c -> Refusal.range(c, v))) {
                    statuses.add(v.intValue());
                }
            }
            b.retryableStatuses(statuses);
        }
        t.bool("non_idempotent", b::retryNonIdempotent);
        Long buffer = t.size("buffer_limit");
        if (buffer != null) {
            t.set("buffer_limit", t.node("buffer_limit"), () -> b.bufferLimitBytes((int) Math.min(buffer,
                    Integer.MAX_VALUE)), Refusal::size);
        }
        budget(t, b);
        hedge(t, b);
        t.finish();
        return b.build();
    }

    /** {@code hedge_after}: a duration such as {@code 50ms}, or a percentile such as {@code p95}. */
    private static void hedge(MapReader t, RetryPolicy.Builder b) {
        Node n = t.node("hedge_after");
        if (n == null) {
            return;
        }
        String expected = "a duration such as 50ms, or a percentile of the route's latency such as p95";
        if (n instanceof Node.ScalarNode s && s.kind() == Node.ScalarNode.Kind.STRING
                && s.text().strip().toLowerCase(java.util.Locale.ROOT).startsWith("p")) {
            String text = s.text().strip().substring(1);
            double p;
            try {
                p = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                t.invalid("hedge_after", n, expected);
                return;
            }
            t.set("hedge_after", n, () -> b.hedgeAfterPercentile(p), UnaryOperator.identity());
            return;
        }
        Duration d = t.duration("hedge_after");
        if (d != null) {
            t.set("hedge_after", n, () -> b.hedgeAfter(d), UnaryOperator.identity());
        }
    }

    /** The retry budget's three keys; {@code budget_percent: 0} turns it off. */
    private static void budget(MapReader t, RetryPolicy.Builder b) {
        Integer percent = t.percent("budget_percent");
        Integer min = t.integer("budget_min_retries_per_second");
        Duration window = t.duration("budget_window");
        // The builder takes the three together: each key is judged with the others at their defaults.
        boolean minOk = min == null || t.set("budget_min_retries_per_second", t.node("budget_min_retries_per_second"),
                () -> RetryPolicy.builder().retryBudget(RetryPolicy.DEFAULT_BUDGET_PERCENT, min,
                        RetryPolicy.DEFAULT_BUDGET_WINDOW), UnaryOperator.identity());
        boolean windowOk = window == null || t.set("budget_window", t.node("budget_window"),
                () -> RetryPolicy.builder().retryBudget(RetryPolicy.DEFAULT_BUDGET_PERCENT,
                        RetryPolicy.DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND, window), UnaryOperator.identity());
        if (percent != null && percent == 0) {
            b.noRetryBudget();
        } else if (minOk && windowOk && (percent != null || min != null || window != null)) {
            b.retryBudget(percent != null ? percent : RetryPolicy.DEFAULT_BUDGET_PERCENT,
                    min != null ? min : RetryPolicy.DEFAULT_BUDGET_MIN_RETRIES_PER_SECOND,
                    window != null ? window : RetryPolicy.DEFAULT_BUDGET_WINDOW);
        }
    }

    private static void timeouts(MapReader r, ProxyOptions.Builder b) {
        MapReader t = r.map("timeouts");
        if (t == null) {
            return;
        }
        Duration total = t.duration("total", b::totalTimeout);
        Duration attempt = t.duration("attempt", b::attemptTimeout);
        Duration connect = t.duration("connect", b::connectTimeout);
        t.duration("idle", b::idleTimeout);
        t.duration("websocket_idle", b::websocketIdleTimeout);
        Duration totalNow = total != null ? total : ProxyOptions.DEFAULT_TOTAL_TIMEOUT;
        Duration attemptNow = attempt != null ? attempt : min(ProxyOptions.DEFAULT_ATTEMPT_TIMEOUT, totalNow);
        if (!t.has("attempt")) {
            b.attemptTimeout(attemptNow);
        }
        if (!t.has("connect")) {
            b.connectTimeout(min(ProxyOptions.DEFAULT_CONNECT_TIMEOUT, attemptNow));
        }
        if (attempt != null && t.valid("total") && attempt.compareTo(totalNow) > 0) {
            t.invalid("attempt", t.node("attempt"), "<= total (" + DurationFormat.format(totalNow) + ")");
        }
        if (connect != null && t.valid("attempt") && connect.compareTo(attemptNow) > 0) {
            t.invalid("connect", t.node("connect"), "<= attempt (" + DurationFormat.format(attemptNow) + ")");
        }
        t.finish();
    }

    /** {@code upgrades: [websocket, ...]}: the Upgrade protocols the route carries; each token judged by the builder. */
    private static void upgrades(MapReader r, ProxyOptions.Builder b) {
        ListNode list = r.list("upgrades", "a list of protocols such as [websocket]");
        if (list == null) {
            return;
        }
        List<String> tokens = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.items().size(); i++) {
            String key = "upgrades[" + i + "]";
            Node item = list.items().get(i);
            String v = r.stringValue(key, item, "a protocol token such as websocket");
            if (v != null && r.set(key, item, () -> ProxyOptions.builder().upgrades(List.of(v)), c -> c)) {
                tokens.add(v);
            } else {
                ok = false;
            }
        }
        if (ok) {
            b.upgrades(tokens);
        }
    }

    /**
     * {@code trusted_proxies: [10.0.0.0/8, ...]}: the proxies whose {@code X-Forwarded-*} are
     * believed; each range judged by the builder.
     */
    private static void trustedProxies(MapReader r, ProxyOptions.Builder b) {
        ListNode list = r.list("trusted_proxies", "a list of CIDRs such as [10.0.0.0/8, \"fd00::/8\"]");
        if (list == null) {
            return;
        }
        List<String> cidrs = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.items().size(); i++) {
            String key = "trusted_proxies[" + i + "]";
            Node item = list.items().get(i);
            String v = r.stringValue(key, item, "a CIDR such as 10.0.0.0/8 or fd00::/8");
            if (v != null && r.set(key, item, () -> ProxyOptions.builder().trustedProxies(List.of(v)), c -> c)) {
                cidrs.add(v);
            } else {
                ok = false;
            }
        }
        if (ok) {
            b.trustedProxies(cidrs);
        }
    }

    private static void headers(MapReader r, ProxyOptions.Builder b) {
        MapReader h = r.map("headers");
        if (h == null) {
            return;
        }
        h.bool("preserve_host", b::preserveHost);
        h.bool("x_forwarded", b::xForwardedHeaders);
        h.string("via", "a token such as jlb or a host name", b::via);
        h.string("request_id", "a header name such as X-Request-Id", b::requestIdHeader);
        h.bool("generate_request_id", b::generateRequestId);
        h.finish();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
