package dev.jlb.jetty.admin;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.StatsWindow;
import dev.jlb.jetty.internal.Loopback;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admin API (JSON) and the status page of one or more {@link LoadBalancer}s, one per route,
 * named by {@link LoadBalancer#name()}. Map it at {@code /admin/*}:
 *
 * <pre>{@code
 * ServletHolder admin = new ServletHolder(new AdminServlet(AdminOptions.builder().bearerToken(token).build(), lb));
 * context.addServlet(admin, "/admin/*");
 * }</pre>
 *
 * <table>
 * <caption>endpoints, relative to the mapping</caption>
 * <tr><td>{@code GET /}</td><td>the status page (HTML, reloads itself)</td></tr>
 * <tr><td>{@code GET /api/routes}</td><td>every route with its backends</td></tr>
 * <tr><td>{@code GET /api/routes/{route}}</td><td>one route</td></tr>
 * <tr><td>{@code GET /api/routes/{route}/backends}</td><td>its backends</td></tr>
 * <tr><td>{@code GET /api/routes/{route}/decisions}</td><td>its last explained decisions (requests sent with
 * {@code X-Jlb-Explain}), newest first</td></tr>
 * <tr><td>{@code POST /api/routes/{route}/backends}</td><td>adds {@code {"uri": ..., "weight": ...}}: 201</td></tr>
 * <tr><td>{@code PUT /api/routes/{route}/backends}</td><td>replaces the membership with
 *     {@code {"backends": [...]}} in one atomic change</td></tr>
 * <tr><td>{@code GET /api/routes/{route}/backends/{id}}</td><td>one backend ({@code host:port})</td></tr>
 * <tr><td>{@code PATCH /api/routes/{route}/backends/{id}}</td><td>re-weights: {@code {"weight": 3}}</td></tr>
 * <tr><td>{@code POST /api/routes/{route}/backends/{id}/drain}</td><td>weight 0: no new requests; with
 *     {@code ?websocket_deadline=30s}, its upgraded connections (WebSockets) still open then are
 *     closed (1001)</td></tr>
 * <tr><td>{@code DELETE /api/routes/{route}/backends/{id}}</td><td>removes it</td></tr>
 * </table>
 *
 * <p>Changes go through {@link dev.jlb.Pool}: each applies atomically (one new snapshot), requests
 * in flight finish, and statistics of the backends that stay are kept. Errors are
 * {@code {"error": "<name>: <value> (expected: <constraint>)"}} with 400 (bad body), 401 (token),
 * 403 (origin, a browser or a non-loopback client without a token configured), 404 (unknown route,
 * backend or path), 405, 409 (backend present already), 413, 415 and 421 (a {@code Host} that is not
 * this server's). See {@link AdminOptions} for security.
 *
 * <p>Serve it on a connector whose {@code HttpConfiguration} has
 * {@code setHeaderCacheCaseSensitive(true)}: Jetty's per-connection header cache otherwise matches
 * header values case-insensitively, so a token differing from one sent earlier on the same
 * connection only in case would be read as that earlier token. The standalone balancer's admin
 * listener does this.
 *
 * <p>A route is named by its load balancer's name. A name that starts with {@code /} (the standalone
 * names routes by their path unless told otherwise) may be written without it:
 * {@code /api/routes/lb/backends} reaches the route {@code /lb}, {@code /api/routes/backends} the
 * route {@code /}.
 *
 * <p>The routes are read from the supplier on every request, so a supplier over a live registry
 * (such as the standalone balancer's, which replaces routes on reload) is always current.
 * Thread-safe.
 */
public class AdminServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);
    private static final String JSON = "application/json";
    private static final String PATHS = "/, /api/routes[/{route}[/backends[/{id}[/drain]]]]";

    private final transient AdminOptions options;
    private final transient Supplier<? extends Collection<? extends LoadBalancer>> routes;
    /** One window per load balancer; pruned when load balancers go away. Guarded by itself. */
    private final transient Map<LoadBalancer, StatsWindow> windows = new IdentityHashMap<>();
    /** Warnings shown at the top of the status page; none by default. */
    private transient volatile Supplier<List<String>> warnings = List::of;
    /** The timer of drain deadlines; null for the server's. */
    private transient volatile Scheduler scheduler;

    /**
     * An admin servlet over fixed load balancers.
     *
     * @param options the options
     * @param routes the routes
     */
    public AdminServlet(AdminOptions options, LoadBalancer... routes) {
        this(options, List.copyOf(List.of(Objects.requireNonNull(routes, "routes"))));
    }

    /**
     * An admin servlet over fixed load balancers.
     *
     * @param options the options
     * @param routes the routes
     */
    public AdminServlet(AdminOptions options, Collection<? extends LoadBalancer> routes) {
        this(options, supplierOf(routes));
    }

    /**
     * An admin servlet over the load balancers {@code routes} returns when asked (on every request).
     *
     * @param options the options
     * @param routes the routes
     */
    public AdminServlet(AdminOptions options, Supplier<? extends Collection<? extends LoadBalancer>> routes) {
        this.options = Objects.requireNonNull(options, "options");
        this.routes = Objects.requireNonNull(routes, "routes");
    }

    /**
     * Warnings the status page shows above the routes, asked for on every page (such as a route
     * whose backends' certificates are not verified); default none.
     *
     * @param warnings the warnings
     */
    public void setWarnings(Supplier<List<String>> warnings) {
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /**
     * The timer that runs drain deadlines ({@code ?websocket_deadline=}); default the scheduler of the
     * Jetty server the servlet runs in. The servlet never starts or stops it.
     *
     * @param scheduler the timer, started
     */
    public void setScheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    private static Supplier<Collection<? extends LoadBalancer>> supplierOf(Collection<? extends LoadBalancer> routes) {
        List<LoadBalancer> copy = List.copyOf(routes);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (LoadBalancer lb : copy) {
            if (!names.add(lb.name())) {
                throw new IllegalArgumentException("routes: two named " + lb.name() + " (expected: unique names)");
            }
        }
        return () -> copy;
    }

    /** Starts the recent-figures window of each current route, so that the first page has rates. */
    @Override
    public void init() {
        for (LoadBalancer lb : routes().values()) {
            window(lb);
        }
    }

    /** {@return the options} */
    public AdminOptions getOptions() {
        return options;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            handle(request, response);
        } catch (Failure f) {
            discardBody(request, response);
            sendError(response, f.status, f.getMessage(), f.allow, f.bearerError);
        } catch (RuntimeException e) {
            // A bug or a failing supplier: JSON like every other answer, the details in the log only.
            LOG.warn("jlb admin: {} {} failed", request.getMethod(), path(request), e);
            discardBody(request, response);
            sendError(response, 500, "internal error: " + e.getClass().getName() + " (expected: none; see the log)",
                    null, null);
        }
    }

    private void handle(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        boolean mutating = !method.equals("GET") && !method.equals("HEAD");
        authorize(request, mutating);
        List<String> segments = segments(request.getPathInfo());
        if (segments.isEmpty()) {
            allow(method, "GET");
            page(response);
            return;
        }
        if (segments.size() < 2 || !segments.get(0).equals("api") || !segments.get(1).equals("routes")) {
            throw new Failure(404, "path: " + path(request) + " (expected: " + PATHS + ")");
        }
        List<String> rest = segments.subList(2, segments.size());
        if (rest.isEmpty()) {
            allow(method, "GET");
            ArrayNode list = AdminJson.MAPPER.createArrayNode();
            for (LoadBalancer lb : routes().values()) {
                list.add(AdminJson.route(lb, window(lb).recent()));
            }
            ObjectNode body = AdminJson.MAPPER.createObjectNode();
            body.set("routes", list);
            send(response, 200, body);
            return;
        }
        // A route name may hold slashes (the standalone names routes by path by default): the
        // "backends" keyword is found from the end.
        int keyword = -1;
        for (int i = rest.size() - 1; i >= Math.max(0, rest.size() - 3); i--) {
            if (rest.get(i).equals("backends")) {
                keyword = i;
                break;
            }
        }
        if (keyword < 0 && rest.get(rest.size() - 1).equals("decisions")) {
            allow(method, "GET");
            send(response, 200, DecisionsJson.decisions(route(String.join("/", rest.subList(0, rest.size() - 1)))));
            return;
        }
        if (keyword < 0) {
            allow(method, "GET");
            LoadBalancer lb = route(String.join("/", rest));
            send(response, 200, AdminJson.route(lb, window(lb).recent()));
            return;
        }
        List<String> tail = rest.subList(keyword + 1, rest.size());
        if (tail.size() == 2 && !tail.get(1).equals("drain")) {
            throw new Failure(404, "path: " + path(request) + " (expected: " + PATHS + ")");
        }
        LoadBalancer lb = route(String.join("/", rest.subList(0, keyword)));
        switch (tail.size()) {
            case 0:
                backends(method, lb, request, response);
                return;
            case 1:
                backend(method, lb, tail.get(0), request, response);
                return;
            default:
                allow(method, "POST");
                Backend drained = member(lb, tail.get(0));
                Duration deadline = websocketDeadline(request);
                lb.pool().drain(drained);
                LOG.info("jlb admin: route {}: drained {}{} (from {})", lb.name(), drained.id(), deadline == null ? ""
                        : ", websocket deadline " + DurationFormat.format(deadline), request.getRemoteAddr());
                ObjectNode node = backendNode(lb, drained);
                if (deadline != null) {
                    Scheduler timer = scheduler != null ? scheduler
                            : DrainDeadline.serverScheduler(getServletContext());
                    node.put("upgradedConnections", DrainDeadline.schedule(lb, drained, deadline, timer));
                    node.put("websocketDeadline", DurationFormat.format(deadline));
                }
                send(response, 200, node);
        }
    }

    // ---- /api/routes/{route}/backends -------------------------------------------------------------

    private void backends(String method, LoadBalancer lb, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        allow(method, "GET", "POST", "PUT");
        switch (method) {
            case "GET": {
                ObjectNode body = AdminJson.MAPPER.createObjectNode();
                body.set("backends", AdminJson.backends(window(lb).recent()));
                send(response, 200, body);
                return;
            }
            case "POST": {
                Backend backend = parseBackend(object(readBody(request), "body"), "");
                checkAllowed(backend, "");
                if (lb.pool().find(backend.id()).isPresent()) {
                    throw new Failure(409, "backend: " + backend.id() + " (expected: not yet in route " + lb.name() + ")");
                }
                try {
                    if (!lb.pool().add(backend)) {
                        throw new Failure(409, "backend: " + backend.id() + " (expected: not yet in route " + lb.name()
                                + ")");
                    }
                } catch (IllegalArgumentException e) {
                    throw new Failure(409, e.getMessage());
                }
                LOG.info("jlb admin: route {}: added {} weight {} (from {})", lb.name(), backend.uri(), backend.weight(),
                        request.getRemoteAddr());
                response.setHeader("Location", request.getRequestURI().replaceAll("/+$", "") + "/" + backend.id());
                send(response, 201, backendNode(lb, backend));
                return;
            }
            default: { // PUT
                JsonNode body = object(readBody(request), "body");
                checkFields(body, "", "backends");
                JsonNode array = body.get("backends");
                if (array == null || !array.isArray()) {
                    throw new Failure(400, "backends: " + (array == null ? "missing" : abbreviate(array.toString()))
                            + " (expected: an array of {\"uri\": ..., \"weight\": ...})");
                }
                List<Backend> wanted = new ArrayList<>();
                for (int i = 0; i < array.size(); i++) {
                    Backend backend = parseBackend(object(array.get(i), "backends[" + i + "]"), "backends[" + i + "].");
                    if (!lb.pool().backends().contains(backend)) {
                        checkAllowed(backend, "backends[" + i + "].");
                    }
                    wanted.add(backend);
                }
                try {
                    lb.pool().replaceAll(wanted);
                } catch (IllegalArgumentException e) {
                    throw new Failure(400, e.getMessage());
                }
                LOG.info("jlb admin: route {}: membership replaced with {} backends (from {})", lb.name(), wanted.size(),
                        request.getRemoteAddr());
                ObjectNode out = AdminJson.MAPPER.createObjectNode();
                out.set("backends", AdminJson.backends(window(lb).recent()));
                send(response, 200, out);
            }
        }
    }

    // ---- /api/routes/{route}/backends/{id} --------------------------------------------------------

    private void backend(String method, LoadBalancer lb, String id, HttpServletRequest request,
            HttpServletResponse response) throws IOException {
        allow(method, "GET", "PATCH", "DELETE");
        Backend backend = member(lb, id);
        switch (method) {
            case "GET":
                send(response, 200, backendNode(lb, backend));
                return;
            case "PATCH": {
                JsonNode body = object(readBody(request), "body");
                checkFields(body, "", "weight");
                JsonNode weight = body.get("weight");
                if (weight == null) {
                    throw new Failure(400, "weight: missing (expected: an integer in 0.." + Backend.MAX_WEIGHT + ")");
                }
                Backend updated = withWeight(backend, weight, "");
                lb.pool().update(updated);
                LOG.info("jlb admin: route {}: {} weight {} -> {} (from {})", lb.name(), backend.id(), backend.weight(),
                        updated.weight(), request.getRemoteAddr());
                send(response, 200, backendNode(lb, updated));
                return;
            }
            default: { // DELETE
                ObjectNode last = backendNode(lb, backend);
                lb.pool().remove(backend);
                LOG.info("jlb admin: route {}: removed {} (from {})", lb.name(), backend.id(), request.getRemoteAddr());
                send(response, 200, last);
            }
        }
    }

    private ObjectNode backendNode(LoadBalancer lb, Backend backend) {
        StatsWindow.Recent recent = window(lb).recent();
        for (BackendStats stats : recent.current().backends()) {
            if (stats.backend().equals(backend)) {
                return AdminJson.backend(stats, recent);
            }
        }
        throw new Failure(404, "backend: " + backend.id() + " (expected: a backend of route " + lb.name() + ")");
    }

    private static Duration websocketDeadline(HttpServletRequest request) {
        try {
            return DrainDeadline.parse(request.getQueryString());
        } catch (IllegalArgumentException e) {
            throw new Failure(400, e.getMessage());
        }
    }

    private static Backend member(LoadBalancer lb, String id) {
        Optional<Backend> backend = lb.pool().find(id);
        if (backend.isEmpty()) {
            throw new Failure(404, "backend: " + id + " (expected: a backend of route " + lb.name() + ")");
        }
        return backend.get();
    }

    // ---- Bodies -----------------------------------------------------------------------------------

    private static JsonNode readBody(HttpServletRequest request) throws IOException {
        String type = request.getContentType();
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
            throw new Failure(415, "content-type: " + type + " (expected: " + JSON + ")");
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(AdminOptions.MAX_BODY_BYTES + 1);
        }
        if (bytes.length > AdminOptions.MAX_BODY_BYTES) {
            throw new Failure(413, "body: more than " + AdminOptions.MAX_BODY_BYTES + " bytes (expected: at most "
                    + AdminOptions.MAX_BODY_BYTES + ")");
        }
        if (bytes.length == 0) {
            throw new Failure(400, "body: empty (expected: a JSON object)");
        }
        try {
            return AdminJson.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new Failure(400, "body: not valid JSON (expected: a JSON object): " + e.getOriginalMessage());
        }
    }

    /**
     * Reads what is left of a refused request's body (up to the limit), so that the connection can
     * carry the next request; beyond the limit the connection is closed after the answer.
     */
    private static void discardBody(HttpServletRequest request, HttpServletResponse response) {
        try {
            InputStream in = request.getInputStream();
            long left = AdminOptions.MAX_BODY_BYTES;
            byte[] buffer = new byte[8192];
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                left -= n;
            }
            if (left <= 0) {
                response.setHeader("Connection", "close");
            }
        } catch (IOException | IllegalStateException e) {
            response.setHeader("Connection", "close");
        }
    }

    private static JsonNode object(JsonNode node, String name) {
        if (node == null || !node.isObject()) {
            throw new Failure(400, name + ": " + abbreviate(String.valueOf(node)) + " (expected: a JSON object)");
        }
        return node;
    }

    private static void checkFields(JsonNode node, String prefix, String... allowed) {
        List<String> names = List.of(allowed);
        for (String field : node.propertyNames()) {
            if (!names.contains(field)) {
                throw new Failure(400, prefix + "field: " + abbreviate(field) + " (expected: one of " + names + ")");
            }
        }
    }

    private static Backend parseBackend(JsonNode node, String prefix) {
        checkFields(node, prefix, "uri", "weight");
        JsonNode uri = node.get("uri");
        if (uri == null || !uri.isString()) {
            throw new Failure(400, prefix + "uri: " + (uri == null ? "missing" : abbreviate(uri.toString()))
                    + " (expected: a string such as \"http://127.0.0.1:8081\")");
        }
        Backend backend;
        try {
            backend = Backend.of(uri.stringValue());
        } catch (IllegalArgumentException e) {
            throw new Failure(400, prefix + e.getMessage());
        }
        JsonNode weight = node.get("weight");
        return weight == null ? backend : withWeight(backend, weight, prefix);
    }

    /** Refuses (403) a backend that the allowed backends do not admit. */
    private void checkAllowed(Backend backend, String prefix) {
        if (!options.isAllowedBackend(backend)) {
            throw new Failure(403, prefix + "uri: " + backend.uri() + " (expected: a backend admitted by the allowed"
                    + " backends " + options.allowedBackends() + ")");
        }
    }

    private static Backend withWeight(Backend backend, JsonNode weight, String prefix) {
        if (!weight.isIntegralNumber() || !weight.canConvertToInt()) {
            throw new Failure(400, prefix + "weight: " + abbreviate(weight.toString()) + " (expected: an integer in 0.."
                    + Backend.MAX_WEIGHT + ")");
        }
        try {
            return backend.withWeight(weight.intValue());
        } catch (IllegalArgumentException e) {
            throw new Failure(400, prefix + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }

    // ---- Security -------------------------------------------------------------------------------

    private void authorize(HttpServletRequest request, boolean mutating) {
        checkHost(request, options);
        if (mutating) {
            String origin = request.getHeader("Origin");
            if (origin != null && !sameOrigin(origin, request)) {
                throw new Failure(403, "origin: " + abbreviate(origin) + " (expected: none, or this server's own)");
            }
            if (!options.hasBearerToken()) {
                String browser = browserHeader(request);
                if (browser != null) {
                    throw new Failure(403, browser + " (expected: no request from a browser, or a bearer token"
                            + " configured: without one a web page may change nothing)");
                }
            }
        }
        if (!mutating && !options.protectReads()) {
            return;
        }
        if (options.hasBearerToken()) {
            String header = request.getHeader("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new Failure(401, "authorization: " + (header == null ? "missing" : "not a bearer token")
                        + " (expected: Bearer <token>)", null, null);
            }
            if (!options.isBearerToken(header.substring(7).trim())) {
                throw new Failure(401, "authorization: wrong token (expected: the configured bearer token)", null,
                        "invalid_token");
            }
            return;
        }
        if (!isLoopback(request.getRemoteAddr())) {
            throw new Failure(403, "client: " + request.getRemoteAddr()
                    + " (expected: a loopback address, or a bearer token configured)");
        }
    }

    /**
     * Refuses (421) a request whose {@code Host} does not name this server: a page whose name an
     * attacker rebound to this machine's address (DNS rebinding) sends its own name.
     */
    private static void checkHost(HttpServletRequest request, AdminOptions options) {
        String host = request.getHeader("Host");
        if (!options.isAllowedHost(host, request.getLocalAddr())) {
            throw new Failure(421, "host: " + abbreviate(host) + " (expected: localhost, a loopback address, "
                    + request.getLocalAddr() + " (this listener's)"
                    + (options.allowedHosts().isEmpty() ? "" : " or one of " + options.allowedHosts()) + ")");
        }
    }

    /** The first header that only browsers send ({@code Origin}, {@code Sec-Fetch-*}) as {@code name: value}; or null. */
    private static String browserHeader(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        if (origin != null) {
            return "origin: " + abbreviate(origin);
        }
        for (java.util.Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            if (name.regionMatches(true, 0, "Sec-Fetch-", 0, 10)) {
                return name.toLowerCase(Locale.ROOT) + ": " + abbreviate(String.valueOf(request.getHeader(name)));
            }
        }
        return null;
    }

    private static boolean sameOrigin(String origin, HttpServletRequest request) {
        try {
            URI uri = new URI(origin);
            int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            return request.getScheme().equalsIgnoreCase(uri.getScheme())
                    && request.getServerName().equalsIgnoreCase(uri.getHost()) && request.getServerPort() == port;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    static boolean isLoopback(String address) {
        return Loopback.isLoopback(address);
    }

    // ---- Routes -----------------------------------------------------------------------------------

    private Map<String, LoadBalancer> routes() {
        Map<String, LoadBalancer> byName = new LinkedHashMap<>();
        for (LoadBalancer lb : routes.get()) {
            byName.putIfAbsent(lb.name(), lb);
        }
        return byName;
    }

    /** The route named {@code name}, or {@code /name} (so /lb is also lb; the route / is the empty name). */
    private LoadBalancer route(String name) {
        Map<String, LoadBalancer> all = routes();
        LoadBalancer lb = all.get(name);
        if (lb == null && !name.startsWith("/")) {
            lb = all.get("/" + name);
        }
        if (lb == null) {
            throw new Failure(404, "route: " + abbreviate(name) + " (expected: one of " + all.keySet() + ")");
        }
        return lb;
    }

    private StatsWindow window(LoadBalancer lb) {
        synchronized (windows) {
            StatsWindow window = windows.get(lb);
            if (window == null) {
                if (windows.size() > 16) {
                    windows.keySet().retainAll(routes().values());
                }
                window = new StatsWindow(lb, options.window());
                windows.put(lb, window);
            }
            return window;
        }
    }

    // ---- Responses --------------------------------------------------------------------------------

    private void page(HttpServletResponse response) throws IOException {
        List<StatusPage.Route> list = new ArrayList<>();
        for (LoadBalancer lb : routes().values()) {
            list.add(new StatusPage.Route(lb, window(lb).recent()));
        }
        byte[] html = StatusPage.render(list, options, warnings.get()).getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        response.setContentLength(html.length);
        response.getOutputStream().write(html);
    }

    private static void send(HttpServletResponse response, int status, JsonNode body) throws IOException {
        byte[] bytes = AdminJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType(JSON);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(bytes.length + 1);
        response.getOutputStream().write(bytes);
        response.getOutputStream().write('\n');
    }

    private static void sendError(HttpServletResponse response, int status, String message, String allow,
            String bearerError) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        String connection = response.getHeader("Connection");
        response.reset();
        if (connection != null) {
            response.setHeader("Connection", connection);
        }
        if (allow != null) {
            response.setHeader("Allow", allow);
        }
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"jlb\""
                    + (bearerError == null ? "" : ", error=\"" + bearerError + "\""));
        }
        send(response, status, AdminJson.error(message));
    }

    private static void allow(String method, String... allowed) {
        for (String m : allowed) {
            if (m.equals(method)) {
                return;
            }
        }
        throw new Failure(405, "method: " + method + " (expected: one of " + List.of(allowed) + ")",
                String.join(", ", allowed), null);
    }

    private static List<String> segments(String pathInfo) {
        List<String> segments = new ArrayList<>();
        if (pathInfo != null) {
            for (String s : pathInfo.split("/")) {
                if (!s.isEmpty()) {
                    segments.add(s);
                }
            }
        }
        return segments;
    }

    private static String path(HttpServletRequest request) {
        return request.getPathInfo() == null ? "/" : abbreviate(request.getPathInfo());
    }

    @Override
    public String toString() {
        return "AdminServlet{routes=" + routes().keySet() + ", " + options + '}';
    }

    /** An error answer: thrown to leave the handling at once. */
    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String allow;
        final String bearerError;

        Failure(int status, String message) {
            this(status, message, null, null);
        }

        Failure(int status, String message, String allow, String bearerError) {
            super(message, null, false, false);
            this.status = status;
            this.allow = allow;
            this.bearerError = bearerError;
        }
    }
}
