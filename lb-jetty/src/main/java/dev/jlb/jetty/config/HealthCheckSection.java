package dev.jlb.jetty.config;

import dev.jlb.DurationFormat;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.ActiveHealthCheck.HttpBuilder;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a route's {@code health_check:} section into {@link ActiveHealthCheck}'s builders (and the
 * Go original's {@code health_check_interval}, a TCP check). The builders judge every value; the
 * file adds its own rules: which keys go with which {@code type}, methods in capitals, a timeout no
 * longer than the interval, at most 50% jitter, {@code rise} and {@code fall} at most 1000, and
 * status lists written as {@code 200}, {@code "200-399"} or {@code 2xx}.
 */
final class HealthCheckSection {

    private static final String DEFAULT_PATH = "/";
    /** The most jitter a file asks for: more makes one backend's checks bunch up and thin out. */
    private static final int MAX_JITTER_PERCENT = 50;
    /** The most checks in a row a file asks for: beyond it a backend takes hours to change state. */
    private static final int MAX_THRESHOLD = 1000;
    private static final List<String> HTTP_ONLY = List.of("method", "path", "expected_status", "expected_body");
    private static final List<String> TIMING = List.of("interval", "timeout", "jitter", "rise", "fall");
    private static final String STATUS_EXPECTED = "a status such as 200, a range such as 200-399, or a list of them";
    private static final Pattern STATUS_RANGE = Pattern.compile("(\\d{3})\\s*-\\s*(\\d{3})");
    private static final Pattern STATUS_CLASS = Pattern.compile("([1-5])xx", Pattern.CASE_INSENSITIVE);
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");

    private HealthCheckSection() {
    }

    /** The route's active health check; {@link ActiveHealthCheck#disabled()} without the section. */
    static ActiveHealthCheck healthCheck(MapReader r) {
        MapReader h = r.map("health_check");
        if (h == null) {
            return ActiveHealthCheck.disabled();
        }
        String type = h.choice("type", "http", "http", "tcp", "none");
        for (String key : HTTP_ONLY) {
            if (!type.equals("http") && h.node(key) != null) {
                h.invalid(key, h.node(key), "only with type http");
            }
        }
        if (type.equals("none")) {
            for (String key : TIMING) {
                if (h.node(key) != null) {
                    h.invalid(key, h.node(key), "no settings with type none");
                }
            }
            h.finish();
            return ActiveHealthCheck.disabled();
        }
        ActiveHealthCheck.Builder b = type.equals("http") ? http(h) : ActiveHealthCheck.tcp();
        timing(h, b);
        ActiveHealthCheck check = h.build(b::build);
        h.finish();
        return check == null ? ActiveHealthCheck.disabled() : check;
    }

    /** The Go original's {@code health_check_interval}: a TCP check at that interval, the default otherwise. */
    static ActiveHealthCheck goHealthCheck(MapReader top) {
        ActiveHealthCheck.Builder b = ActiveHealthCheck.tcp();
        Duration interval = top.duration("health_check_interval", b::interval);
        if (interval != null && interval.compareTo(ActiveHealthCheck.DEFAULT_TIMEOUT) < 0) {
            b.timeout(interval);
        }
        return b.build();
    }

    private static HttpBuilder http(MapReader h) {
        String path = h.string("path", null, "a path such as /health");
        HttpBuilder parsed = path == null ? null : h.call("path", h.node("path"), () -> ActiveHealthCheck.http(path));
        // Without a usable path, a stand-in still lets the other keys be checked.
        HttpBuilder b = parsed != null ? parsed : ActiveHealthCheck.http(DEFAULT_PATH);
        String method = h.string("method", null, "an HTTP method such as GET or HEAD");
        if (method != null && !METHOD.matcher(method).matches()) {
            h.invalid("method", h.node("method"), "an HTTP method in capitals, such as GET or HEAD");
        } else if (method != null) {
            h.set("method", h.node("method"), () -> b.method(method), UnaryOperator.identity());
        }
        Node statusNode = h.node("expected_status");
        String statuses = statusNode == null ? null : statusRanges(h, "expected_status", statusNode);
        if (statuses != null) {
            h.set("expected_status", statusNode, () -> b.expectedStatuses(statuses), UnaryOperator.identity());
        }
        String body = h.text("expected_body", "");
        if (!body.isEmpty()) {
            h.set("expected_body", h.node("expected_body"), () -> b.expectedBody(body), UnaryOperator.identity());
        }
        return b;
    }

    private static void timing(MapReader h, ActiveHealthCheck.Builder b) {
        Duration interval = h.duration("interval", b::interval);
        Duration timeout = h.duration("timeout", b::timeout);
        Duration checked = interval != null ? interval : ActiveHealthCheck.DEFAULT_INTERVAL;
        if (!h.has("timeout") && checked.compareTo(ActiveHealthCheck.DEFAULT_TIMEOUT) < 0) {
            b.timeout(checked);
        }
        if (timeout != null && h.valid("interval") && timeout.compareTo(checked) > 0) {
            h.invalid("timeout", h.node("timeout"), "<= interval (" + DurationFormat.format(checked) + ")");
        }
        Integer jitter = h.percent("jitter");
        if (jitter != null && jitter > MAX_JITTER_PERCENT) {
            h.invalid("jitter", h.node("jitter"), "<= " + MAX_JITTER_PERCENT + "%");
        } else if (jitter != null) {
            h.set("jitter", h.node("jitter"), () -> b.jitter(jitter / 100.0), Refusal::percent);
        }
        threshold(h, "rise", b::rise);
        threshold(h, "fall", b::fall);
    }

    private static void threshold(MapReader h, String key, IntConsumer setter) {
        Integer v = h.integer(key);
        if (v != null && v > MAX_THRESHOLD) {
            h.invalid(key, h.node(key), "<= " + MAX_THRESHOLD);
        } else if (v != null) {
            h.set(key, h.node(key), () -> setter.accept(v), UnaryOperator.identity());
        }
    }

    /** The statuses as {@link HttpBuilder#expectedStatuses(String)} takes them, or null when one is bad (reported). */
    private static String statusRanges(MapReader h, String key, Node n) {
        List<Node> items = n instanceof ListNode l ? l.items() : List.of(n);
        if (items.isEmpty()) {
            h.invalid(key, n, "at least one status");
            return null;
        }
        List<String> ranges = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String itemKey = n instanceof ListNode ? key + "[" + i + "]" : key;
            int[] range = statusRange(item);
            if (range == null) {
                h.invalid(itemKey, item, STATUS_EXPECTED);
            } else if (range[0] < 100) {
                h.invalid(itemKey, item, ">= 100");
            } else if (range[1] > 599) {
                h.invalid(itemKey, item, "<= 599");
            } else if (range[0] > range[1]) {
                h.invalid(itemKey, item, "a range low-high, such as 200-399");
            } else {
                ranges.add(range[0] == range[1] ? Integer.toString(range[0]) : range[0] + "-" + range[1]);
            }
        }
        return ranges.size() == items.size() ? String.join(",", ranges) : null;
    }

    /** {min, max} of 200, "200", "200-299" or "2xx", unchecked; null when it is none of these. */
    private static int[] statusRange(Node item) {
        if (!(item instanceof ScalarNode s) || (s.kind() != Kind.INTEGER && s.kind() != Kind.STRING)) {
            return null;
        }
        String t = s.text().strip();
        Matcher range = STATUS_RANGE.matcher(t);
        Matcher cls = STATUS_CLASS.matcher(t);
        try {
            if (range.matches()) {
                return new int[] {Integer.parseInt(range.group(1)), Integer.parseInt(range.group(2))};
            }
            if (cls.matches()) {
                int min = Integer.parseInt(cls.group(1)) * 100;
                return new int[] {min, min + 99};
            }
            int v = Integer.parseInt(t);
            return new int[] {v, v};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
