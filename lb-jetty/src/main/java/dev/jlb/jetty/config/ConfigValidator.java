package dev.jlb.jetty.config;

import dev.jlb.Backend;
import dev.jlb.RetryPolicy;
import dev.jlb.StrategyProvider;
import dev.jlb.StrategyRegistry;
import dev.jlb.jetty.StickyCookie;
import dev.jlb.jetty.admin.AdminOptions;
import dev.jlb.jetty.config.HealthCheckConfig.StatusRange;
import dev.jlb.jetty.config.Node.Entry;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpCookie;

/**
 * Turns a {@link Node} tree into a {@link JlbConfig}, reporting every problem to {@link Problems}.
 * Reading goes on after a bad value (with the default in its place) so that one pass finds all of
 * them; the model is only built when there is none.
 */
final class ConfigValidator {

    /** The Go original's keys that describe its single route. */
    private static final List<String> GO_ROUTE_KEYS =
            List.of("servers", "server_weights", "strategy", "health_check_interval", "max_retry_limit");

    private static final String BACKEND_URL = "a URL such as http://127.0.0.1:8081";
    private static final String STATUS_EXPECTED = "a status such as 200, a range such as 200-399, or a list of them";
    private static final Pattern STATUS_RANGE = Pattern.compile("(\\d{3})\\s*-\\s*(\\d{3})");
    private static final Pattern STATUS_CLASS = Pattern.compile("([1-5])xx", Pattern.CASE_INSENSITIVE);
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    /** An HTTP token (RFC 9110 tchar). */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final long MAX_BUFFER_LIMIT = RetryPolicy.MAX_BUFFER_LIMIT_BYTES;
    private static final int MAX_ATTEMPTS = RetryPolicy.MAX_ATTEMPTS_LIMIT;
    private static final int MAX_THRESHOLD = 1000;
    /** A cookie Path: starting with /, visible ASCII without ; (RFC 6265 path-value). */
    private static final Pattern COOKIE_PATH = Pattern.compile("/[\\x21-\\x3a\\x3c-\\x7e]*");
    /** A host name for a cookie Domain, optionally with a leading dot. */
    private static final Pattern DOMAIN = Pattern.compile("\\.?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*");

    private final Problems problems;
    /** Environment variables by name (null when unset): {@code System::getenv}, or a test's. */
    private final Function<String, String> environment;

    private ConfigValidator(Problems problems, Function<String, String> environment) {
        this.problems = problems;
        this.environment = environment;
    }

    /** The configuration, or null when {@code problems} received at least one problem. */
    static JlbConfig validate(Node root, Problems problems) {
        return validate(root, problems, System::getenv);
    }

    /** As {@link #validate(Node, Problems)}, reading environment variables from {@code environment}. */
    static JlbConfig validate(Node root, Problems problems, Function<String, String> environment) {
        return new ConfigValidator(problems, environment).config(root);
    }

    private JlbConfig config(Node root) {
        if (!(root instanceof MapNode)) {
            problems.invalid(root, "", "a mapping with servers or routes");
            return null;
        }
        MapReader top = new MapReader((MapNode) root, "", problems);
        ServerConfig server = server(top);
        List<RouteConfig> routes = List.of();
        if (top.has("routes")) {
            for (String key : GO_ROUTE_KEYS) {
                Node n = top.node(key);
                if (n != null) {
                    top.invalid(key, n, key.equals("servers")
                            ? "either servers (the single route " + RouteConfig.GO_PATH + ") or routes, not both"
                            : "only with servers; with routes, set it in each route");
                }
            }
            routes = routes(top);
        } else if (top.has("servers")) {
            routes = List.of(goRoute(top));
        } else {
            GO_ROUTE_KEYS.forEach(top::has);
            problems.add(top.line(), "routes", "missing (expected: a list of routes, or servers for the single route "
                    + RouteConfig.GO_PATH + ")");
        }
        AdminConfig admin = admin(top);
        top.finish();
        return problems.isEmpty() ? new JlbConfig(server, routes, admin) : null;
    }

    // ---- server --------------------------------------------------------------------------------

    private ServerConfig server(MapReader top) {
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
        s.finish();
        return new ServerConfig(address.strip(), port, threads, selectors, acceptQueue, idleTimeout, maxConnections,
                maxQueued, grace, accessLog, headerTimeout);
    }

    // ---- admin ---------------------------------------------------------------------------------

    private AdminConfig admin(MapReader top) {
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
        List<String> allowedHosts = strings(a, "allowed_hosts", "a list of host names or addresses", host -> {
            AdminOptions.builder().allowedHosts(List.of(host));
        });
        List<String> allowedBackends = strings(a, "allowed_backends",
                "a list of addresses, CIDR blocks or host names", rule -> {
                    AdminOptions.builder().allowedBackends(List.of(rule));
                });
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

    // ---- the Go original's single route ----------------------------------------------------------

    private RouteConfig goRoute(MapReader top) {
        List<Backend> backends = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        ListNode servers = top.list("servers", "a list of URLs such as [\"http://127.0.0.1:8081\"]");
        ListNode weights = top.list("server_weights", "a list of weights such as [2, 1, 1]");
        List<Integer> weightValues = new ArrayList<>();
        if (weights != null) {
            for (int i = 0; i < weights.items().size(); i++) {
                Long w = top.integerValue("server_weights[" + i + "]", weights.items().get(i), 0, Backend.MAX_WEIGHT);
                weightValues.add(w == null ? null : w.intValue());
            }
        }
        if (servers != null) {
            List<Node> items = servers.items();
            if (items.isEmpty()) {
                top.invalid("servers", servers, "at least one backend URL");
            }
            if (weights != null && weights.items().size() != items.size()) {
                int count = weights.items().size();
                problems.add(weights.line(), "server_weights", count + (count == 1 ? " weight" : " weights") + " (expected: "
                        + items.size() + ", one per server)");
            }
            Map<Backend, Integer> seen = new HashMap<>();
            for (int i = 0; i < items.size(); i++) {
                String key = "servers[" + i + "]";
                Node item = items.get(i);
                String url = top.stringValue(key, item, BACKEND_URL);
                if (url == null) {
                    continue;
                }
                Integer weight = weights == null ? Integer.valueOf(Backend.DEFAULT_WEIGHT)
                        : i < weightValues.size() ? weightValues.get(i) : null;
                Backend b = backend(top, key, item, url, weight == null ? Backend.DEFAULT_WEIGHT : weight);
                if (b != null) {
                    addBackend(top, key, item, b, seen, backends);
                }
            }
        }
        StrategyConfig strategy = strategy(top, "strategy");
        Duration interval = top.duration("health_check_interval", HealthCheckConfig.DEFAULT_INTERVAL, true);
        RetryConfig retry = RetryConfig.DEFAULT;
        if (top.has("max_retry_limit")) {
            // As the issue that brought it back defines it: the most attempts per request in total,
            // the first included (the Go original parsed the key and never used it).
            int attempts = top.integer("max_retry_limit", RetryConfig.DEFAULT_ATTEMPTS, 1, MAX_ATTEMPTS);
            retry = new RetryConfig(attempts, RetryConfig.DEFAULT_STATUSES, false,
                    RetryConfig.DEFAULT_BUFFER_LIMIT_BYTES);
        }
        return new RouteConfig(RouteConfig.GO_PATH, RouteConfig.GO_PATH, backends, strategy,
                HealthCheckConfig.tcp(interval), OutlierDetectionConfig.DEFAULT, LatencyHealthConfig.DEFAULT,
                SlowStartConfig.DISABLED, PanicConfig.DEFAULT, retry, TimeoutsConfig.DEFAULT, HeadersConfig.DEFAULT,
                false);
    }

    /** Parses a backend URL, reporting {@code <path>: <url> (expected: ...)} when it is not one. */
    private static Backend backend(MapReader r, String key, Node urlNode, String url, int weight) {
        try {
            return Backend.of(url, weight);
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            int expected = m.indexOf("(expected: ");
            r.problem(key, urlNode, urlNode.display() + " " + (expected >= 0 ? m.substring(expected) : "(expected: "
                    + BACKEND_URL + ")"));
            return null;
        }
    }

    private static void addBackend(MapReader r, String key, Node node, Backend b, Map<Backend, Integer> seen,
            List<Backend> backends) {
        Integer first = seen.putIfAbsent(b, node.line());
        if (first != null) {
            r.invalid(key, node, "each backend once; first at line " + first);
        } else {
            backends.add(b);
        }
    }

    // ---- native routes -------------------------------------------------------------------------

    private List<RouteConfig> routes(MapReader top) {
        ListNode list = top.list("routes", "a list of routes");
        if (list == null) {
            return List.of();
        }
        if (list.items().isEmpty()) {
            top.invalid("routes", list, "at least one route");
        }
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Integer> paths = new HashMap<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            String path = "routes[" + i + "]";
            Node item = list.items().get(i);
            if (!(item instanceof MapNode m)) {
                problems.invalid(item, path, "a mapping with path and backends");
                continue;
            }
            MapReader r = new MapReader(m, path, problems);
            RouteConfig route = route(r);
            if (route == null) {
                continue;
            }
            Integer first = paths.putIfAbsent(route.path(), r.node("path").line());
            if (first != null) {
                r.invalid("path", r.node("path"), "each path once; first at line " + first);
            }
            Node nameNode = r.node("name") != null ? r.node("name") : r.node("path");
            first = names.putIfAbsent(route.name(), nameNode.line());
            if (first != null && r.node("name") != null) {
                r.invalid("name", nameNode, "each name once; first at line " + first);
            } else if (first != null) {
                r.invalid("path", nameNode, "a name of its own: the route's name defaults to its path, and "
                        + route.name() + " is the name at line " + first);
            }
            routes.add(route);
        }
        return routes;
    }

    private RouteConfig route(MapReader r) {
        String path = routePath(r);
        String name = r.string("name", path, "a name");
        if (name != null && name.isBlank()) {
            r.invalid("name", r.node("name"), "a name that is not blank");
        }
        List<Backend> backends = backends(r);
        StrategyConfig strategy = strategy(r, "strategy");
        HealthCheckConfig health = healthCheck(r);
        OutlierDetectionConfig outlier = outlierDetection(r);
        LatencyHealthConfig latency = latencyHealth(r);
        SlowStartConfig slowStart = slowStart(r);
        PanicConfig panic = panic(r);
        RetryConfig retry = retry(r);
        TimeoutsConfig timeouts = timeouts(r);
        HeadersConfig headers = headers(r);
        boolean stripPrefix = r.bool("strip_prefix", false);
        StickyConfig sticky = sticky(r);
        r.finish();
        if (path == null) {
            return null;
        }
        return new RouteConfig(name == null || name.isBlank() ? path : name.strip(), path, backends, strategy,
                health, outlier, latency, slowStart, panic, retry, timeouts, headers, stripPrefix, sticky);
    }

    /** The normalized path prefix, or null when missing or bad (reported). */
    private String routePath(MapReader r) {
        Node n = r.node("path");
        String expected = "a path prefix such as /api";
        if (n == null) {
            problems.add(r.line(), r.path("path"), "missing (expected: " + expected + ")");
            return null;
        }
        String p = r.stringValue("path", n, expected);
        if (p == null) {
            return null;
        }
        if (!p.startsWith("/")) {
            r.invalid("path", n, "a path prefix starting with /, such as /api");
            return null;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c <= ' ' || c == '?' || c == '#' || c == '*' || c == '\\' || c == 0x7f) {
                r.invalid("path", n, "a path prefix without spaces, ?, #, * or \\, such as /api");
                return null;
            }
        }
        if (p.contains("//") || p.contains("/./") || p.contains("/../") || p.endsWith("/.") || p.endsWith("/..")) {
            r.invalid("path", n, "a normalized path prefix (no //, . or .. segments)");
            return null;
        }
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private List<Backend> backends(MapReader r) {
        Node n = r.node("backends");
        String expected = "a list of backends such as [\"http://127.0.0.1:8081\"]";
        if (n == null) {
            problems.add(r.line(), r.path("backends"), "missing (expected: " + expected + ")");
            return List.of();
        }
        if (!(n instanceof ListNode list)) {
            r.invalid("backends", n, expected);
            return List.of();
        }
        if (list.items().isEmpty()) {
            r.invalid("backends", n, "at least one backend");
        }
        List<Backend> backends = new ArrayList<>();
        Map<Backend, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            String key = "backends[" + i + "]";
            Node item = list.items().get(i);
            Backend b = null;
            if (item instanceof ScalarNode s && s.kind() == Kind.STRING) {
                b = backend(r, key, item, s.text(), Backend.DEFAULT_WEIGHT);
            } else if (item instanceof MapNode m) {
                MapReader br = new MapReader(m, r.path(key), problems);
                Node url = br.node("url");
                int weight = br.integer("weight", Backend.DEFAULT_WEIGHT, 0, Backend.MAX_WEIGHT);
                br.finish();
                if (url == null) {
                    problems.add(m.line(), br.path("url"), "missing (expected: " + BACKEND_URL + ")");
                } else {
                    String text = br.stringValue("url", url, BACKEND_URL);
                    if (text != null) {
                        b = backend(br, "url", url, text, weight);
                    }
                }
            } else {
                r.invalid(key, item, BACKEND_URL + ", or a mapping with url and weight");
            }
            if (b != null) {
                addBackend(r, key, item, b, seen, backends);
            }
        }
        return backends;
    }

    // ---- strategy ------------------------------------------------------------------------------

    private StrategyConfig strategy(MapReader owner, String key) {
        Node n = owner.node(key);
        if (n == null) {
            return StrategyConfig.DEFAULT;
        }
        String path = owner.path(key);
        String name;
        Node nameNode;
        Map<String, Entry> optionEntries = new LinkedHashMap<>();
        if (n instanceof ScalarNode s && s.kind() == Kind.STRING) {
            name = s.text().strip();
            nameNode = n;
        } else if (n instanceof MapNode m) {
            nameNode = m.get("name") == null ? null : m.get("name").value();
            for (Entry e : m.entries()) {
                if (!e.key().equals("name")) {
                    optionEntries.put(e.key(), e);
                }
            }
            if (nameNode == null) {
                problems.add(m.line(), path + ".name", "missing (expected: a strategy name such as round-robin)");
                return StrategyConfig.DEFAULT;
            }
            if (!(nameNode instanceof ScalarNode s) || s.kind() != Kind.STRING) {
                problems.invalid(nameNode, path + ".name", "a strategy name such as round-robin");
                return StrategyConfig.DEFAULT;
            }
            name = s.text().strip();
        } else {
            owner.invalid(key, n, "a strategy name such as round-robin, or a mapping with name and options");
            return StrategyConfig.DEFAULT;
        }
        String namePath = n instanceof MapNode ? path + ".name" : path;
        StrategyProvider provider = provider(name, nameNode, namePath);
        if (provider == null) {
            return StrategyConfig.DEFAULT;
        }
        Map<String, String> options = new LinkedHashMap<>();
        boolean optionsValid = true;
        for (Entry e : optionEntries.values()) {
            String optionPath = path + "." + e.key();
            if (!provider.options().contains(e.key())) {
                optionsValid = false;
                String suggestion = Spelling.suggest(e.key(), provider.options());
                problems.add(e.line(), optionPath, "unknown option of " + provider.name() + (suggestion != null
                        ? " (did you mean " + suggestion + "?)"
                        : provider.options().isEmpty() ? " (expected: no options)"
                        : " (expected: one of " + String.join(", ", provider.options()) + ")"));
                continue;
            }
            if (!(e.value() instanceof ScalarNode s) || s.kind() == Kind.NULL) {
                optionsValid = false;
                problems.invalid(e.value(), optionPath, "a value as text or a number");
                continue;
            }
            options.put(e.key(), s.text());
        }
        if (optionsValid) {
            try {
                provider.create(options);
            } catch (IllegalArgumentException ex) {
                String m = String.valueOf(ex.getMessage());
                Entry culprit = null;
                for (Entry e : optionEntries.values()) {
                    if (m.startsWith(e.key() + ": ")) {
                        culprit = e;
                    }
                }
                int expected = m.indexOf("(expected: ");
                if (culprit != null) {
                    // Show the value as the file has it, with the strategy's own constraint.
                    problems.add(culprit.value().line(), path + "." + culprit.key(), expected >= 0
                            ? culprit.value().display() + " " + m.substring(expected)
                            : m.substring(culprit.key().length() + 2));
                } else {
                    problems.add(n.line(), path, m);
                }
            }
        }
        return new StrategyConfig(name, options);
    }

    private StrategyProvider provider(String name, Node nameNode, String path) {
        try {
            return StrategyRegistry.provider(name);
        } catch (IllegalArgumentException e) {
            List<String> names = StrategyRegistry.names();
            if (names.isEmpty()) {
                problems.invalid(nameNode, path, "a registered strategy; none is on the class path (add lb-strategies)");
                return null;
            }
            List<String> candidates = new ArrayList<>();
            for (String canonical : names) {
                candidates.add(canonical);
                candidates.addAll(StrategyRegistry.provider(canonical).aliases());
            }
            String suggestion = Spelling.suggest(name, candidates);
            problems.invalid(nameNode, path, "one of " + String.join(", ", names)
                    + (suggestion != null ? "; did you mean " + suggestion + "?" : ""));
            return null;
        }
    }

    // ---- health --------------------------------------------------------------------------------

    private HealthCheckConfig healthCheck(MapReader r) {
        MapReader h = r.map("health_check");
        if (h == null) {
            return HealthCheckConfig.NONE;
        }
        String type = h.choice("type", "http", "http", "tcp", "none");
        String method = h.string("method", HealthCheckConfig.DEFAULT_METHOD, "an HTTP method such as GET or HEAD");
        if (h.valid("method") && !METHOD.matcher(method).matches()) {
            h.invalid("method", h.node("method"), "an HTTP method in capitals, such as GET or HEAD");
        }
        String path = h.string("path", HealthCheckConfig.DEFAULT_PATH, "a path such as /health");
        if (h.valid("path") && !path.startsWith("/")) {
            h.invalid("path", h.node("path"), "a path starting with /, such as /health");
        }
        Duration interval = h.duration("interval", HealthCheckConfig.DEFAULT_INTERVAL, true);
        Duration defaultTimeout = interval.compareTo(HealthCheckConfig.DEFAULT_TIMEOUT) < 0
                ? interval : HealthCheckConfig.DEFAULT_TIMEOUT;
        Duration timeout = h.duration("timeout", defaultTimeout, true);
        if (h.has("timeout") && h.valid("timeout") && h.valid("interval") && timeout.compareTo(interval) > 0) {
            h.invalid("timeout", h.node("timeout"), "<= interval (" + Durations.format(interval) + ")");
        }
        int jitter = h.percent("jitter", HealthCheckConfig.DEFAULT_JITTER_PERCENT);
        if (h.valid("jitter") && jitter > 50) {
            h.invalid("jitter", h.node("jitter"), "<= 50%");
        }
        int rise = h.integer("rise", HealthCheckConfig.DEFAULT_RISE, 1, MAX_THRESHOLD);
        int fall = h.integer("fall", HealthCheckConfig.DEFAULT_FALL, 1, MAX_THRESHOLD);
        List<StatusRange> statuses = HealthCheckConfig.DEFAULT_EXPECTED_STATUSES;
        Node statusNode = h.node("expected_status");
        if (statusNode != null) {
            statuses = statusRanges(h, "expected_status", statusNode);
        }
        String body = h.text("expected_body", "");
        if (!body.isEmpty() && method.equals("HEAD")) {
            h.invalid("expected_body", h.node("expected_body"), "none with method HEAD, whose responses have no body");
        }
        if (!type.equals("http")) {
            for (String key : List.of("method", "path", "expected_status", "expected_body")) {
                if (h.node(key) != null) {
                    h.invalid(key, h.node(key), "only with type http");
                }
            }
        }
        if (type.equals("none")) {
            for (String key : List.of("interval", "timeout", "jitter", "rise", "fall")) {
                if (h.node(key) != null) {
                    h.invalid(key, h.node(key), "no settings with type none");
                }
            }
        }
        h.finish();
        HealthCheckConfig.Type t = HealthCheckConfig.Type.valueOf(type.toUpperCase(Locale.ROOT));
        if (t == HealthCheckConfig.Type.NONE) {
            return HealthCheckConfig.NONE;
        }
        return new HealthCheckConfig(t, method, path, interval, timeout, jitter, rise, fall, statuses, body);
    }

    private static List<StatusRange> statusRanges(MapReader h, String key, Node n) {
        List<Node> items = n instanceof ListNode l ? l.items() : List.of(n);
        if (items.isEmpty()) {
            h.invalid(key, n, "at least one status");
            return HealthCheckConfig.DEFAULT_EXPECTED_STATUSES;
        }
        List<StatusRange> ranges = new ArrayList<>();
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
                ranges.add(new StatusRange(range[0], range[1]));
            }
        }
        return ranges.isEmpty() ? HealthCheckConfig.DEFAULT_EXPECTED_STATUSES : ranges;
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

    private OutlierDetectionConfig outlierDetection(MapReader r) {
        MapReader o = r.map("outlier_detection");
        OutlierDetectionConfig d = OutlierDetectionConfig.DEFAULT;
        if (o == null) {
            return d;
        }
        boolean enabled = o.bool("enabled", true);
        int failures = o.integer("consecutive_failures", d.consecutiveFailures(), 1, MAX_THRESHOLD);
        Duration base = o.duration("base_ejection_time", d.baseEjectionTime(), true);
        Duration max = o.duration("max_ejection_time", d.maxEjectionTime(), true);
        if (o.valid("base_ejection_time") && o.valid("max_ejection_time") && max.compareTo(base) < 0) {
            String key = o.has("max_ejection_time") ? "max_ejection_time" : "base_ejection_time";
            o.invalid(key, o.node(key), key.equals("max_ejection_time")
                    ? ">= base_ejection_time (" + Durations.format(base) + ")"
                    : "<= max_ejection_time (" + Durations.format(max) + ")");
        }
        int percent = o.percent("max_ejection_percent", d.maxEjectionPercent());
        boolean uneject = o.bool("uneject_on_health_check_pass", d.unejectOnHealthCheckPass());
        o.finish();
        return new OutlierDetectionConfig(enabled, failures, base, max, percent, uneject);
    }

    private LatencyHealthConfig latencyHealth(MapReader r) {
        MapReader l = r.map("latency_health");
        LatencyHealthConfig d = LatencyHealthConfig.DEFAULT;
        if (l == null) {
            return d;
        }
        boolean enabled = l.bool("enabled", true);
        Duration limit = l.duration("absolute_limit", Duration.ZERO, true);
        double factor = l.decimal("relative_factor", d.relativeFactor(), 0, 1000);
        if (l.valid("relative_factor") && factor != 0 && factor <= 1) {
            l.invalid("relative_factor", l.node("relative_factor"), "0 (off) or > 1");
        }
        Duration floor = l.duration("relative_floor", d.relativeFloor(), false);
        int samples = l.integer("minimum_samples", d.minimumSamples(), 1, 1_000_000);
        Duration interval = l.duration("interval", d.interval(), true);
        String action = l.choice("action", "degrade", "degrade", "eject");
        int degradedWeight = l.percent("degraded_weight", d.degradedWeightPercent());
        if (l.valid("degraded_weight") && (degradedWeight < 1 || degradedWeight > 99)) {
            l.invalid("degraded_weight", l.node("degraded_weight"), degradedWeight < 1 ? ">= 1%" : "<= 99%");
        }
        if (enabled && limit.isZero() && factor == 0 && l.valid("relative_factor")) {
            problems.add(l.line(), l.path(), "no limit (expected: absolute_limit, or relative_factor > 1)");
        }
        l.finish();
        return new LatencyHealthConfig(enabled, limit, factor, floor, samples, interval,
                LatencyHealthConfig.Action.valueOf(action.toUpperCase(Locale.ROOT)), degradedWeight);
    }

    private SlowStartConfig slowStart(MapReader r) {
        MapReader s = r.map("slow_start");
        if (s == null) {
            return SlowStartConfig.DISABLED;
        }
        if (!s.has("window")) {
            problems.add(s.line(), s.path("window"), "missing (expected: " + Durations.EXPECTED + ")");
        }
        Duration window = s.duration("window", Duration.ZERO, true);
        int floor = s.percent("floor", SlowStartConfig.DEFAULT_FLOOR_PERCENT);
        if (s.valid("floor") && (floor < 1 || floor > 99)) {
            s.invalid("floor", s.node("floor"), floor < 1 ? ">= 1%" : "<= 99%");
        }
        s.finish();
        return new SlowStartConfig(window, floor);
    }

    private PanicConfig panic(MapReader r) {
        MapReader p = r.map("panic");
        if (p == null) {
            return PanicConfig.DEFAULT;
        }
        String mode = p.choice("mode", "route-all", "route-all", "fail-fast");
        int threshold = p.percent("threshold", PanicConfig.DEFAULT_THRESHOLD_PERCENT);
        p.finish();
        return new PanicConfig(mode.equals("route-all") ? PanicConfig.Mode.ROUTE_ALL : PanicConfig.Mode.FAIL_FAST,
                threshold);
    }

    // ---- retry and timeouts --------------------------------------------------------------------

    private RetryConfig retry(MapReader r) {
        MapReader t = r.map("retry");
        RetryConfig d = RetryConfig.DEFAULT;
        if (t == null) {
            return d;
        }
        int attempts = t.integer("attempts", d.attempts(), 1, MAX_ATTEMPTS);
        List<Integer> statuses = d.statuses();
        ListNode list = t.list("statuses", "a list of statuses such as [502, 503, 504]");
        if (list != null) {
            TreeSet<Integer> set = new TreeSet<>();
            for (int i = 0; i < list.items().size(); i++) {
                Long v = t.integerValue("statuses[" + i + "]", list.items().get(i), 500, 599);
                if (v != null) {
                    set.add(v.intValue());
                }
            }
            statuses = List.copyOf(set);
        }
        boolean nonIdempotent = t.bool("non_idempotent", d.nonIdempotent());
        long buffer = t.size("buffer_limit", d.bufferLimitBytes(), 0, MAX_BUFFER_LIMIT);
        int budgetPercent = t.integer("budget_percent", d.budgetPercent(), 0, 100);
        int budgetMin = t.integer("budget_min_retries_per_second", d.budgetMinRetriesPerSecond(), 0, 1_000_000);
        Duration budgetWindow = t.duration("budget_window", d.budgetWindow(), true);
        if (budgetWindow.compareTo(RetryPolicy.MIN_BUDGET_WINDOW) < 0) {
            t.invalid("budget_window", t.node("budget_window"), ">= 1s");
            budgetWindow = d.budgetWindow();
        } else if (budgetWindow.compareTo(RetryPolicy.MAX_BUDGET_WINDOW) > 0) {
            t.invalid("budget_window", t.node("budget_window"), "<= 1h");
            budgetWindow = d.budgetWindow();
        }
        t.finish();
        return new RetryConfig(attempts, statuses, nonIdempotent, (int) buffer, budgetPercent, budgetMin,
                budgetWindow);
    }

    private TimeoutsConfig timeouts(MapReader r) {
        MapReader t = r.map("timeouts");
        TimeoutsConfig d = TimeoutsConfig.DEFAULT;
        if (t == null) {
            return d;
        }
        Duration total = timeout(t, "total", d.total());
        Duration attempt = timeout(t, "attempt", min(d.attempt(), total));
        Duration connect = timeout(t, "connect", min(d.connect(), attempt));
        Duration idle = timeout(t, "idle", d.idle());
        if (t.has("attempt") && t.valid("attempt") && t.valid("total") && attempt.compareTo(total) > 0) {
            t.invalid("attempt", t.node("attempt"), "<= total (" + Durations.format(total) + ")");
        }
        if (t.has("connect") && t.valid("connect") && t.valid("attempt") && connect.compareTo(attempt) > 0) {
            t.invalid("connect", t.node("connect"), "<= attempt (" + Durations.format(attempt) + ")");
        }
        t.finish();
        return new TimeoutsConfig(connect, attempt, total, idle);
    }

    private static Duration timeout(MapReader t, String key, Duration defaultValue) {
        Duration d = t.duration(key, defaultValue, true);
        if (t.valid(key) && d.compareTo(TimeoutsConfig.MAX) > 0) {
            t.invalid(key, t.node(key), "<= " + Durations.format(TimeoutsConfig.MAX));
            return defaultValue;
        }
        return d;
    }

    private HeadersConfig headers(MapReader r) {
        MapReader h = r.map("headers");
        HeadersConfig d = HeadersConfig.DEFAULT;
        if (h == null) {
            return d;
        }
        boolean preserveHost = h.bool("preserve_host", d.preserveHost());
        boolean xForwarded = h.bool("x_forwarded", d.xForwarded());
        String via = h.string("via", d.via(), "a token such as jlb or a host name");
        if (h.valid("via") && !TOKEN.matcher(via).matches()) {
            h.invalid("via", h.node("via"), "a token such as jlb or a host name");
        }
        String requestId = h.string("request_id", d.requestId(), "a header name such as X-Request-Id");
        if (h.valid("request_id") && !TOKEN.matcher(requestId).matches()) {
            h.invalid("request_id", h.node("request_id"), "a header name such as X-Request-Id");
        }
        boolean generate = h.bool("generate_request_id", d.generateRequestId());
        h.finish();
        return new HeadersConfig(preserveHost, xForwarded, via, requestId, generate);
    }

    // ---- sticky sessions -----------------------------------------------------------------------

    private StickyConfig sticky(MapReader r) {
        MapReader k = r.map("sticky");
        StickyConfig d = StickyConfig.DISABLED;
        if (k == null) {
            return d;
        }
        boolean enabled = k.bool("enabled", true);
        String cookie = k.string("cookie", d.cookie(), "a cookie name (an HTTP token) such as JLB_STICKY");
        if (k.valid("cookie") && !TOKEN.matcher(cookie).matches()) {
            k.invalid("cookie", k.node("cookie"), "a cookie name (an HTTP token) such as JLB_STICKY");
        }
        String secret = null;
        String secretEnv = null;
        Node secretNode = k.node("secret");
        Node envNode = k.node("secret_env");
        if (secretNode != null) {
            secret = secret(k, "secret", secretNode, k.stringValue("secret", secretNode, "a secret as text"), null);
        }
        if (envNode != null) {
            String name = k.stringValue("secret_env", envNode, "the name of an environment variable");
            if (name != null && secretNode != null) {
                k.invalid("secret_env", envNode, "either secret or secret_env, not both");
            } else if (name != null) {
                String value = environment.apply(name.strip());
                if (value == null) {
                    k.invalid("secret_env", envNode, "the name of an environment variable that is set");
                } else {
                    secretEnv = name.strip();
                    secret = secret(k, "secret_env", envNode, value, secretEnv);
                }
            }
        }
        List<String> fallbacks = new ArrayList<>();
        ListNode list = k.list("fallback_secrets", "a list of earlier secrets");
        if (list != null) {
            for (int i = 0; i < list.items().size(); i++) {
                String key = "fallback_secrets[" + i + "]";
                Node item = list.items().get(i);
                String value = secret(k, key, item, k.stringValue(key, item, "a secret as text"), null);
                if (value != null) {
                    fallbacks.add(value);
                }
            }
        }
        String sameSite = k.choice("same_site", "lax", "lax", "strict", "none");
        Duration maxAge = k.duration("max_age", null, true);
        if (maxAge != null && maxAge.compareTo(Duration.ofSeconds(1)) < 0) {
            k.invalid("max_age", k.node("max_age"), ">= 1s");
            maxAge = null;
        }
        String path = k.string("path", null, "a path such as /");
        if (path != null && k.valid("path") && !COOKIE_PATH.matcher(path).matches()) {
            k.invalid("path", k.node("path"), "a path starting with /, without spaces or ;");
            path = null;
        }
        String domain = k.string("domain", null, "a host name such as example.com");
        if (domain != null && k.valid("domain")
                && !DOMAIN.matcher(domain).matches()) {
            k.invalid("domain", k.node("domain"), "a host name such as example.com");
            domain = null;
        }
        boolean forward = k.bool("forward_to_backends", d.forwardToBackends());
        k.finish();
        return new StickyConfig(enabled, cookie, secret, secretEnv, fallbacks,
                HttpCookie.SameSite.valueOf(sameSite.toUpperCase(Locale.ROOT)), maxAge, path, domain, forward);
    }

    /**
     * {@code value} when it is long enough for a secret, else null after reporting its length (never
     * the value: problems are logged).
     */
    private static String secret(MapReader k, String key, Node node, String value, String env) {
        if (value == null) {
            return null;
        }
        int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes < StickyCookie.MIN_SECRET_BYTES) {
            k.problem(key, node, (env == null ? "" : env + " holds ") + bytes + (bytes == 1 ? " byte" : " bytes")
                    + " (expected: a secret of >= " + StickyCookie.MIN_SECRET_BYTES + " bytes)");
            return null;
        }
        return value;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
