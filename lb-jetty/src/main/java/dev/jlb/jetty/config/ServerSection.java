package dev.jlb.jetty.config;

import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.admin.AdminOptions;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import dev.jlb.jetty.tls.ServerTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads the {@code server:} and {@code admin:} sections: jlb's own listeners. Their records are
 * the model, and the limits below are theirs alone (no builder of the core takes these values).
 */
final class ServerSection {

    private ServerSection() {
    }

    /** The {@code server:} section, with the Go original's {@code lb_port}. */
    static ServerConfig server(MapReader top) {
        return server(top, System::getenv);
    }

    /** As {@link #server(MapReader)}, reading environment variables ({@code password_env}) from {@code environment}. */
    static ServerConfig server(MapReader top, Function<String, String> environment) {
        ServerConfig d = ServerConfig.DEFAULTS;
        boolean lbPort = top.has("lb_port");
        int port = top.integer("lb_port", d.port(), 0, 65535);
        MapReader s = top.map("server");
        if (s == null) {
            return d.withListen(d.address(), port);
        }
        String address = s.string("address", d.address(), "an IP address or a host name");
        if (address.isBlank()) {
            s.invalid("address", s.node("address"), "an IP address or a host name");
        }
        if (lbPort && s.has("port")) {
            s.invalid("port", s.node("port"), "either lb_port or server.port, not both");
        } else {
            port = s.integer("port", port, 0, 65535);
        }
        int threads = intOrAuto(s, "threads", d.threads(), 4, 10_000);
        int selectors = intOrAuto(s, "selectors", d.selectors(), 1, 256);
        int acceptQueue = s.integer("accept_queue", d.acceptQueue(), 1, 65535);
        Duration idleTimeout = s.duration("idle_timeout", d.idleTimeout(), true);
        int maxConnections = s.integer("max_connections_per_backend", d.maxConnectionsPerBackend(), 1, 100_000);
        int maxQueued = s.integer("max_requests_queued_per_backend", d.maxRequestsQueuedPerBackend(), 1, 1_000_000);
        Duration grace = s.duration("shutdown_grace_period", d.shutdownGracePeriod(), false);
        boolean accessLog = s.bool("access_log", d.accessLog());
        Duration headerTimeout = s.duration("header_timeout", d.headerTimeout(), true);
        int maxResponseHeader = d.maxResponseHeaderSize();
        Long headerSize = s.size("max_response_header_size");
        if (headerSize != null) {
            int v = (int) Math.min(headerSize, Integer.MAX_VALUE);
            if (s.set("max_response_header_size", s.node("max_response_header_size"),
                    () -> ProxyOptions.builder().maxResponseHeaderSize(v), Refusal::size)) {
                maxResponseHeader = v;
            }
        }
        ServerTls tls = TlsSection.serverTls(s, environment);
        boolean h2c = s.bool("h2c", d.h2c());
        s.finish();
        return new ServerConfig(address.strip(), port, threads, selectors, acceptQueue, idleTimeout, maxConnections,
                maxQueued, grace, accessLog, headerTimeout, maxResponseHeader, tls, h2c);
    }

    /** The {@code admin:} section; {@link AdminConfig#DISABLED} without one. */
    static AdminConfig admin(MapReader top) {
        AdminConfig d = AdminConfig.DEFAULTS;
        MapReader a = top.map("admin");
        if (a == null) {
            return AdminConfig.DISABLED;
        }
        boolean enabled = a.bool("enabled", true);
        String address = a.string("address", d.address(), "an IP address or a host name");
        if (address.isBlank()) {
            a.invalid("address", a.node("address"), "an IP address or a host name");
        }
        int port = a.integer("port", d.port(), 0, 65535);
        String token = a.string("bearer_token", null, "at least 16 visible ASCII characters");
        if (token != null && (token.length() < 16 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            // The message never quotes the token.
            a.problem("bearer_token", a.node("bearer_token"), token.length()
                    + " characters (expected: at least 16 visible ASCII characters)");
            token = null;
        }
        boolean protectReads = a.bool("protect_reads", d.protectReads());
        if (protectReads && token == null && a.valid("bearer_token")) {
            a.invalid("protect_reads", a.node("protect_reads"), "a bearer_token to protect them with");
        }
        Duration window = a.duration("window", d.window(), true);
        boolean metrics = a.bool("metrics", d.metrics());
        Duration latencyWindow = a.duration("metrics_latency_window", d.latencyWindow(), true);
        List<String> allowedHosts = strings(a, "allowed_hosts", "a list of host names or addresses",
                host -> AdminOptions.builder().allowedHosts(List.of(host)));
        List<String> allowedBackends = strings(a, "allowed_backends", "a list of addresses, CIDR blocks or host names",
                rule -> AdminOptions.builder().allowedBackends(List.of(rule)));
        a.finish();
        return new AdminConfig(enabled, address.strip(), port, token, protectReads, window, metrics, latencyWindow,
                allowedHosts, allowedBackends);
    }

    /**
     * A list of strings, each checked by {@code check} (which throws {@link IllegalArgumentException}
     * with {@code <name>: <message>}); the items that fail are reported with {@code <message>}.
     */
    private static List<String> strings(MapReader r, String key, String expected, Consumer<String> check) {
        ListNode list = r.list(key, expected);
        List<String> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.items().size(); i++) {
            String item = key + "[" + i + "]";
            Node n = list.items().get(i);
            String value = r.stringValue(item, n, "text");
            if (value == null) {
                continue;
            }
            try {
                check.accept(value);
                out.add(value.strip());
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                r.problem(item, n, m.substring(m.indexOf(": ") + 2));
            }
        }
        return out;
    }

    /** An integer in {@code [min, max]}, or {@code auto} ({@link ServerConfig#AUTO}). */
    private static int intOrAuto(MapReader r, String key, int defaultValue, int min, int max) {
        Node n = r.node(key);
        if (n == null) {
            return defaultValue;
        }
        if (n instanceof ScalarNode s && s.kind() == Kind.STRING && s.text().strip().equalsIgnoreCase("auto")) {
            return ServerConfig.AUTO;
        }
        if (n instanceof ScalarNode s && s.kind() == Kind.INTEGER) {
            Long v = r.integerValue(key, n, min, max);
            return v == null ? defaultValue : v.intValue();
        }
        r.invalid(key, n, "auto or an integer");
        return defaultValue;
    }
}
