package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.http.HttpField;

/**
 * A Jetty 12 (ee10) {@link ProxyServlet} that balances requests over the backends of a
 * {@link LoadBalancer}, with retries on other backends, proxy headers and timeouts from
 * {@link ProxyOptions}.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder().backends("http://127.0.0.1:8081", "http://127.0.0.1:8082").build();
 * ServletContextHandler context = new ServletContextHandler("/");
 * context.addServlet(new ServletHolder(new LoadBalancingProxyServlet(lb)), "/api/*");
 * }</pre>
 *
 * <p>Each request selects a backend with {@link LoadBalancer#select}, is sent with Jetty's
 * {@code HttpClient} and streamed back; the selection is completed exactly once whatever happens
 * (success, backend failure, timeout, client abort, an exception in a listener). No eligible backend
 * answers 503 with the reason; failures answer 502 or 504 with a short reason, never 500.
 *
 * <h2>Paths</h2>
 * The mount point is the context path plus {@link ProxyOptions#prefix()}, or plus the servlet path of
 * the mapping ({@code /api} for {@code /api/*}) when no prefix is set. The whole request URI goes to
 * the backend unless {@link ProxyOptions#stripPrefix()} removes the mount point; the query string
 * always passes unchanged.
 *
 * <h2>HTTP client</h2>
 * Unless one is given with {@link #setHttpClient(HttpClient)} (which this servlet never stops), the
 * servlet creates one in {@link #init()} with {@link ProxyHttpClients}, on the server's thread pool
 * unless {@link ProxyOptions#useServerThreadPool()} is off, and stops it in {@link #destroy()}.
 * Response content is written to the client with blocking writes, as {@link ProxyServlet} does.
 *
 * <p>The servlet must be registered with {@code asyncSupported=true} (as must every filter in front
 * of it). Hooks honoured per attempt: {@link #newProxyRequest(HttpServletRequest, String)} and
 * {@link #filterServerResponseHeader(HttpServletRequest, Response, HttpField)}; header copying and
 * {@code X-Forwarded-*}/{@code Via} follow the options, not {@code ProxyServlet}'s init parameters.
 *
 * <p>Threading: the container calls {@link #init()} and {@link #destroy()} once each and
 * {@code service} concurrently; this class owns the servlet's lifecycle (the HTTP client, the
 * upgrade connector) and the mount point, and keeps no per-request state: each request's reading,
 * attempts and answer belong to its own exchange object.
 */
public class LoadBalancingProxyServlet extends ProxyServlet {

    private static final long serialVersionUID = 1L;

    private final transient ProxyCore core;
    private transient HttpClient sharedClient;
    private transient UpgradeHook upgrades;

    /**
     * A servlet with {@link ProxyOptions#defaults()}.
     *
     * @param loadBalancer the load balancer
     */
    public LoadBalancingProxyServlet(LoadBalancer loadBalancer) {
        this(loadBalancer, ProxyOptions.defaults());
    }

    /**
     * Creates the servlet; it does not close {@code loadBalancer}.
     *
     * @param loadBalancer picks the backends
     * @param options what the proxy does with each request
     */
    public LoadBalancingProxyServlet(LoadBalancer loadBalancer, ProxyOptions options) {
        this.core = new ProxyCore(loadBalancer, options);
    }

    /** {@return the load balancer that picks backends} */
    public LoadBalancer getLoadBalancer() {
        return core.loadBalancer;
    }

    /** {@return the options} */
    public ProxyOptions getOptions() {
        return core.options;
    }

    /**
     * Uses {@code httpClient} (started on {@code init} if needed, never stopped by this servlet)
     * instead of creating one. Call before {@link #init()}.
     *
     * @param httpClient the http client
     */
    public void setHttpClient(HttpClient httpClient) {
        this.sharedClient = Objects.requireNonNull(httpClient, "httpClient");
    }

    @Override
    public void init() throws ServletException {
        super.init();
        core.start(getHttpClient());
        upgrades = new UpgradeHook(core, (Executor) getServletContext().getAttribute("org.eclipse.jetty.server.Executor"),
                null, null);
        try {
            upgrades.start();
        } catch (Exception e) {
            throw new ServletException("jlb: could not start the upgrade connector", e);
        }
    }

    @Override
    protected HttpClient createHttpClient() throws ServletException {
        try {
            if (sharedClient != null) {
                if (!sharedClient.isStarted()) {
                    sharedClient.start();
                }
                return sharedClient;
            }
            Executor executor = null;
            if (core.options.useServerThreadPool()) {
                executor = (Executor) getServletContext().getAttribute("org.eclipse.jetty.server.Executor");
            }
            HttpClient client = ProxyHttpClients.newHttpClient(core.options, executor);
            client.start();
            return client;
        } catch (Exception e) {
            throw new ServletException("jlb: could not start the HTTP client", e);
        }
    }

    @Override
    public void destroy() {
        core.stop();
        if (upgrades != null) {
            upgrades.stop();
        }
        if (sharedClient == null) {
            super.destroy();
        }
    }

    /**
     * Not used: the target of each attempt is the selected backend plus the request's path, see
     * {@link ProxyOptions}. Returns null.
     */
    @Override
    protected String rewriteTarget(HttpServletRequest clientRequest) {
        return null;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String mount = mount(request);
        String prefix = core.options.prefix();
        if (prefix != null && !(ProxyHeaders.matches(decodedPath(request), mount)
                && ProxyHeaders.matchesRaw(request.getRequestURI(), mount))) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        if (upgrades != null && ServletUpgrade.handle(upgrades, core, request, mount)) {
            return; // a WebSocket or another upgrade: answered, and spliced on a 101
        }
        if (!request.isAsyncSupported()) {
            throw new ServletException("jlb: request to " + request.getRequestURI()
                    + " is not async-supported (expected: the servlet and every filter before it registered"
                    + " with asyncSupported=true)");
        }
        new ServletExchange(this, request, response, mount).start();
    }

    private String mount(HttpServletRequest request) {
        String prefix = core.options.prefix();
        String context = request.getContextPath();
        if (prefix != null) {
            return "/".equals(prefix) ? (context.isEmpty() ? "/" : context) : context + prefix;
        }
        return context + request.getServletPath();
    }

    static String decodedPath(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        String path = request.getContextPath() + request.getServletPath();
        return pathInfo == null ? path : path + pathInfo;
    }

    /** {@return what every exchange of this servlet shares} */
    ProxyCore core() {
        return core;
    }

    /** {@link #newProxyRequest} for {@link ServletExchange}, which sees the servlet from outside its Jetty package. */
    Request attemptRequest(HttpServletRequest clientRequest, String target) {
        return newProxyRequest(clientRequest, target);
    }

    /** {@link #filterServerResponseHeader} for {@link ServletExchange}, as {@link #attemptRequest}. */
    HttpField backendResponseHeader(HttpServletRequest clientRequest, Response serverResponse, HttpField field) {
        return filterServerResponseHeader(clientRequest, serverResponse, field);
    }

    @Override
    public String toString() {
        return "LoadBalancingProxyServlet{" + core.loadBalancer.name() + ", prefix="
                + (core.options.prefix() == null ? "(servlet path)" : core.options.prefix()) + '}';
    }
}
