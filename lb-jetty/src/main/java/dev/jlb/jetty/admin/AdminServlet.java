package dev.jlb.jetty.admin;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.internal.Loopback;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

    // The servlet owns the dispatch: it authorizes each request (AdminAuthorization), finds its endpoint from
    // the path, answers the page and the reads of routes and decisions itself, and hands .../backends[/{id}[/drain]]
    // to BackendEndpoints; any AdminFailure becomes the error answer here. Its own state is the two volatile
    // settings; the routes and their windows are AdminRoutes'.

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);
    private static final String PATHS = "/, /api/routes[/{route}[/backends[/{id}[/drain]]]]";

    private final transient AdminOptions options;
    private final transient AdminAuthorization authorization;
    private final transient AdminRoutes routes;
    private final transient BackendEndpoints backends;
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
        this(options, AdminRoutes.fixed(routes));
    }

    /**
     * An admin servlet over the load balancers {@code routes} returns when asked (on every request).
     *
     * @param options the options
     * @param routes the routes
     */
    public AdminServlet(AdminOptions options, Supplier<? extends Collection<? extends LoadBalancer>> routes) {
        this.options = Objects.requireNonNull(options, "options");
        this.routes = new AdminRoutes(Objects.requireNonNull(routes, "routes"), options.window());
        this.authorization = new AdminAuthorization(options);
        this.backends = new BackendEndpoints(options, this.routes);
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

    /** Starts the recent-figures window of each current route, so that the first page has rates. */
    @Override
    public void init() {
        for (LoadBalancer lb : routes.byName().values()) {
            routes.window(lb);
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
        } catch (AdminFailure f) {
            AdminBodies.discard(request, response);
            AdminResponses.sendError(response, f);
        } catch (RuntimeException e) {
            // A bug or a failing supplier: JSON like every other answer, the details in the log only.
            LOG.warn("jlb admin: {} {} failed", request.getMethod(), path(request), e);
            AdminBodies.discard(request, response);
            AdminResponses.sendError(response, 500,
                    "internal error: " + e.getClass().getName() + " (expected: none; see the log)", null, null);
        }
    }

    /** Authorizes the request, then finds its endpoint from the path and hands it over. */
    private void handle(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        boolean mutating = !method.equals("GET") && !method.equals("HEAD");
        authorization.authorize(request, mutating);
        List<String> segments = segments(request.getPathInfo());
        if (segments.isEmpty()) {
            AdminFailure.allow(method, "GET");
            page(response);
            return;
        }
        if (segments.size() < 2 || !segments.get(0).equals("api") || !segments.get(1).equals("routes")) {
            throw new AdminFailure(404, "path: " + path(request) + " (expected: " + PATHS + ")");
        }
        List<String> rest = segments.subList(2, segments.size());
        if (rest.isEmpty()) {
            AdminFailure.allow(method, "GET");
            ArrayNode list = AdminJson.MAPPER.createArrayNode();
            for (LoadBalancer lb : routes.byName().values()) {
                list.add(AdminJson.route(lb, routes.window(lb).recent()));
            }
            ObjectNode body = AdminJson.MAPPER.createObjectNode();
            body.set("routes", list);
            AdminResponses.send(response, 200, body);
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
            AdminFailure.allow(method, "GET");
            LoadBalancer lb = routes.route(String.join("/", rest.subList(0, rest.size() - 1)));
            AdminResponses.send(response, 200, DecisionsJson.decisions(lb));
            return;
        }
        if (keyword < 0) {
            AdminFailure.allow(method, "GET");
            LoadBalancer lb = routes.route(String.join("/", rest));
            AdminResponses.send(response, 200, AdminJson.route(lb, routes.window(lb).recent()));
            return;
        }
        List<String> tail = rest.subList(keyword + 1, rest.size());
        if (tail.size() == 2 && !tail.get(1).equals("drain")) {
            throw new AdminFailure(404, "path: " + path(request) + " (expected: " + PATHS + ")");
        }
        LoadBalancer lb = routes.route(String.join("/", rest.subList(0, keyword)));
        switch (tail.size()) {
            case 0:
                backends.backends(method, lb, request, response);
                return;
            case 1:
                backends.backend(method, lb, tail.get(0), request, response);
                return;
            default:
                backends.drain(method, lb, tail.get(0), request, response, this::drainTimer);
        }
    }

    private Scheduler drainTimer() {
        Scheduler timer = scheduler;
        return timer != null ? timer : DrainDeadline.serverScheduler(getServletContext());
    }

    private void page(HttpServletResponse response) throws IOException {
        List<StatusPage.Route> list = new ArrayList<>();
        for (LoadBalancer lb : routes.byName().values()) {
            list.add(new StatusPage.Route(lb, routes.window(lb).recent()));
        }
        AdminResponses.sendPage(response, StatusPage.render(list, options, warnings.get()));
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
        return request.getPathInfo() == null ? "/" : AdminFailure.abbreviate(request.getPathInfo());
    }

    static boolean isLoopback(String address) {
        return Loopback.isLoopback(address);
    }

    @Override
    public String toString() {
        return "AdminServlet{routes=" + routes.byName().keySet() + ", " + options + '}';
    }
}
