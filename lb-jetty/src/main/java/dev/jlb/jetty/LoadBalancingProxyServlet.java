package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.Selection;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.content.InputStreamContentSource;
import org.eclipse.jetty.util.Callback;

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
 */
public class LoadBalancingProxyServlet extends ProxyServlet {

    private static final long serialVersionUID = 1L;
    /** Client bodies are read into fresh buffers, as before the pool-aware constructor. */
    private static final ByteBufferPool.Sized UNPOOLED = new ByteBufferPool.Sized(ByteBufferPool.NON_POOLING);

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
        new ServletExchange(core, request, response, mount).start();
    }

    private String mount(HttpServletRequest request) {
        String prefix = core.options.prefix();
        String context = request.getContextPath();
        if (prefix != null) {
            return "/".equals(prefix) ? (context.isEmpty() ? "/" : context) : context + prefix;
        }
        return context + request.getServletPath();
    }

    private static String decodedPath(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        String path = request.getContextPath() + request.getServletPath();
        return pathInfo == null ? path : path + pathInfo;
    }

    @Override
    public String toString() {
        return "LoadBalancingProxyServlet{" + core.loadBalancer.name() + ", prefix="
                + (core.options.prefix() == null ? "(servlet path)" : core.options.prefix()) + '}';
    }

    /**
     * The servlet request and response as the {@link AttemptLoop}'s client side; sends with Jetty's
     * client through {@link #newProxyRequest}, and remembers each attempt's response (as it begins)
     * for {@link #filterServerResponseHeader}.
     */
    private final class ServletExchange implements ClientSide, Upstream, AsyncListener, Response.BeginListener {
        private final ProxyCore core;
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final String mount;
        private AsyncContext async;
        private AttemptLoop loop;
        private String target;
        /** The client behind the trusted proxies, once asked (only when some are configured). */
        private String client;
        /** The response of the current attempt, from when it begins. */
        private volatile Response backendResponse;

        ServletExchange(ProxyCore core, HttpServletRequest request, HttpServletResponse response, String mount) {
            this.core = core;
            this.request = request;
            this.response = response;
            this.mount = mount;
        }

        void start() throws IOException {
            loop = new AttemptLoop(core, this, this, System.nanoTime());
            async = request.startAsync();
            async.setTimeout(0); // the attempt and total timeouts govern, not the container's
            async.addListener(this);
            if (hasBody(request)) {
                loop.start(new InputStreamContentSource(request.getInputStream(), UNPOOLED),
                        request.getContentLengthLong(), request.getContentType());
            } else {
                loop.start(null, 0, null);
            }
        }

        /**
         * Whether the request has a body: a positive length, or an unknown one with chunked
         * framing or on HTTP/2 (where a stream's DATA frames carry a body without Content-Length,
         * as gRPC's do; Jetty's {@code hasContent} looks for Transfer-Encoding only).
         */
        private static boolean hasBody(HttpServletRequest request) {
            long length = request.getContentLengthLong();
            return length > 0 || length < 0 && (request.getHeader("Transfer-Encoding") != null
                    || request.getProtocol().startsWith("HTTP/2") || request.getProtocol().startsWith("HTTP/3"));
        }

        @Override
        public Attempt newAttempt(AttemptLoop loop, Selection selection, long startNanos, String target) {
            Request backendRequest = newProxyRequest(request, target);
            backendRequest.onResponseBegin(this);
            return new JettyAttempt(loop, selection, startNanos, backendRequest);
        }

        @Override
        public void onBegin(Response response) {
            backendResponse = response;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String query() {
            return request.getQueryString();
        }

        @Override
        public String path() {
            return request.getRequestURI();
        }

        @Override
        public String header(String name) {
            return request.getHeader(name);
        }

        @Override
        public String peerAddress() {
            return request.getRemoteAddr();
        }

        @Override
        public String clientAddress() {
            if (core.options.trustedProxies().isEmpty()) {
                return request.getRemoteAddr();
            }
            if (client == null) {
                client = ProxyHeaders.clientAddress(core.options, request.getRemoteAddr(),
                        joinedHeader("X-Forwarded-For"));
            }
            return client;
        }

        @Override
        public String protocol() {
            return request.getProtocol();
        }

        @Override
        public String scheme() {
            return request.getScheme();
        }

        @Override
        public String host() {
            String host = request.getHeader("Host");
            return host != null ? host : request.getServerName() + ':' + request.getServerPort();
        }

        @Override
        public String targetPath() {
            if (target == null) {
                target = ProxyHeaders.targetPath(request.getRequestURI(), decodedPath(request), mount,
                        core.options.stripPrefix(), request.getQueryString());
            }
            return target;
        }

        @Override
        public String mountPath() {
            return mount;
        }

        @Override
        public StickyTokens.Entry findStickyCookie(StickyTokens sticky) {
            for (Enumeration<String> values = request.getHeaders("Cookie"); values.hasMoreElements(); ) {
                StickyTokens.Entry entry = sticky.find(values.nextElement());
                if (entry != null) {
                    return entry;
                }
            }
            return null;
        }

        @Override
        public void addOwnResponseHeader(HttpHeader header, String value) {
            response.addHeader(header.asString(), value);
        }

        @Override
        public void putOwnResponseHeader(String name, String value) {
            response.setHeader(name, value);
        }

        @Override
        public String joinedHeader(String name) {
            String joined = null;
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                String value = values.nextElement();
                joined = joined == null ? value : joined + ", " + value;
            }
            return joined;
        }

        @Override
        public int copyRequestHeaders(HeaderRewriter rewriter, String connectionTokens, HttpFields.Mutable out) {
            int merged = 0;
            for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
                String name = names.nextElement();
                for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                    String value = values.nextElement();
                    if (value != null) {
                        merged |= rewriter.copy(name, value, connectionTokens, out);
                    }
                }
            }
            return merged;
        }

        @Override
        public void responseStatus(int status) {
            response.setStatus(status);
        }

        @Override
        public void addResponseHeader(HttpField field) {
            HttpField filtered = filterServerResponseHeader(request, backendResponse, field);
            if (filtered != null) {
                if (ProxyHeaders.isSingleServerHeader(filtered.getHeader())) {
                    response.setHeader(filtered.getName(), filtered.getValue()); // replaces Jetty's own
                } else {
                    response.addHeader(filtered.getName(), filtered.getValue());
                }
            }
        }

        @Override
        public void write(ByteBuffer content, Callback callback) {
            try {
                ServletOutputStream out = response.getOutputStream();
                if (out instanceof HttpOutput) {
                    ((HttpOutput) out).write(content);
                } else if (content.hasArray()) {
                    out.write(content.array(), content.arrayOffset() + content.position(), content.remaining());
                } else {
                    byte[] copy = new byte[content.remaining()];
                    content.get(copy);
                    out.write(copy);
                }
            } catch (Throwable x) {
                callback.failed(x);
                return;
            }
            callback.succeeded();
        }

        @Override
        public boolean isCommitted() {
            return response.isCommitted();
        }

        @Override
        public void complete() {
            async.complete();
        }

        @Override
        public void sendError(int status, String reason, boolean close, String decision) {
            try {
                response.reset();
                response.setStatus(status);
                response.setContentType("text/plain;charset=utf-8");
                if (close) {
                    response.setHeader("Connection", "close");
                }
                if (decision != null) {
                    response.setHeader(Decision.RESPONSE_HEADER, decision);
                }
                byte[] bytes = (reason + "\n").getBytes(StandardCharsets.UTF_8);
                response.setContentLength(bytes.length);
                response.getOutputStream().write(bytes);
            } catch (Throwable x) {
                abort(x);
                return;
            }
            async.complete();
        }

        @Override
        public void forwardTrailers(java.util.function.Supplier<org.eclipse.jetty.http.HttpFields> trailers) {
            // The container asks for them when the response completes, after the backend's content ended.
            response.setTrailerFields(() -> {
                org.eclipse.jetty.http.HttpFields fields = trailers.get();
                java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
                if (fields != null) {
                    for (HttpField f : fields) {
                        map.merge(f.getName().toLowerCase(java.util.Locale.ROOT), f.getValue(), (a, b) -> a + ", " + b);
                    }
                }
                return map;
            });
        }

        @Override
        public void sendGrpcStatus(int httpStatus, int grpcStatus, String message) {
            try {
                response.reset();
                response.setStatus(200);
                response.setContentType("application/grpc");
                response.setHeader("grpc-status", Integer.toString(grpcStatus));
                response.setHeader("grpc-message", GrpcCall.message(message));
                response.setContentLength(0);
            } catch (Throwable x) {
                abort(x);
                return;
            }
            async.complete();
        }

        @Override
        public void abort(Throwable cause) {
            try {
                response.sendError(-1); // Jetty: abort the connection
            } catch (Throwable ignored) {
                // already broken
            } finally {
                async.complete();
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
            loop.clientFailed(event.getThrowable());
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
