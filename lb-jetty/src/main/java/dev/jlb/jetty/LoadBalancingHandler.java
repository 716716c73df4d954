package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.Selection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * A jetty-core {@link Handler} that balances requests over the backends of a {@link LoadBalancer}:
 * the fast path (no servlet layer), with the same behaviour as {@link LoadBalancingProxyServlet}:
 * one selection per attempt completed exactly once, retries with body replay, proxy headers and
 * timeouts, all from {@link ProxyOptions}.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder().backends("http://127.0.0.1:8081", "http://127.0.0.1:8082").build();
 * Server server = new Server(8080);
 * server.setHandler(new LoadBalancingHandler(lb, ProxyOptions.builder().prefix("/api").build()));
 * server.start();
 * }</pre>
 *
 * <h2>Mounting</h2>
 * The handler takes the requests whose path (in its context, if it sits in a {@code ContextHandler})
 * falls under {@link ProxyOptions#prefix()} ({@code /}, everything, by default) and returns
 * {@code false} for the others, so that several handlers, one per route, can share a
 * {@code Handler.Sequence} (put longer prefixes first). With {@link ProxyOptions#stripPrefix()} the
 * context path and the prefix are removed from the path sent to backends.
 *
 * <h2>HTTP client</h2>
 * Without {@link #setHttpClient(HttpClient)}, the handler creates a client with
 * {@link ProxyHttpClients#newHttpClient(ProxyOptions, java.util.concurrent.Executor)} when it starts,
 * on the server's thread pool unless {@link ProxyOptions#useServerThreadPool()} is off, and stops it
 * with itself. A client given with {@code setHttpClient} may be shared between handlers; it is
 * started with the handler if it is not running yet, and is otherwise left alone.
 *
 * <h2>Non-blocking</h2>
 * The handler declares {@link InvocationType#NON_BLOCKING}, and the client it creates declares the
 * same for its response callbacks, so Jetty runs a request and its backend response on the I/O
 * (selector) threads instead of handing each to a pool thread: measured, about 9% less CPU per
 * proxied request on one core. Nothing on the path blocks (selection, body replay, writes with
 * callbacks); a {@link ProxyListener} must not block either. Where the handler shares a
 * {@code Handler.Sequence} with blocking handlers, Jetty combines the types and dispatches as usual.
 *
 * <p>This class does not extend jetty-core's {@code ProxyHandler}: that handler sends exactly one
 * backend request per client request from a final pipeline, and its per-request hooks would be
 * silently bypassed by retries. The behaviour is the same (hop-by-hop headers, {@code Via}, a proxy
 * {@code HttpClient} on the server's pool); only {@code X-Forwarded-*} replaces {@code Forwarded}.
 *
 * <p>Thread-safe; {@link #handle} never blocks.
 */
public class LoadBalancingHandler extends Handler.Abstract {

    private final ProxyCore core;
    private HttpClient httpClient;
    private UpgradeHook upgrades;

    /**
     * A handler with {@link ProxyOptions#defaults()}.
     *
     * @param loadBalancer the load balancer
     */
    public LoadBalancingHandler(LoadBalancer loadBalancer) {
        this(loadBalancer, ProxyOptions.defaults());
    }

    /**
     * Creates the handler; it does not close {@code loadBalancer}.
     *
     * @param loadBalancer picks the backends
     * @param options what the proxy does with each request
     */
    public LoadBalancingHandler(LoadBalancer loadBalancer, ProxyOptions options) {
        super(InvocationType.NON_BLOCKING); // see "Non-blocking" above
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

    /** The shared request logic (for tests in this package). */
    ProxyCore core() {
        return core;
    }

    /** {@return the client used to reach backends (null before start unless set)} */
    public HttpClient getHttpClient() {
        return httpClient;
    }

    /**
     * Uses {@code httpClient} (for example one from {@link ProxyHttpClients}, shared between
     * handlers) instead of creating one. Call before the handler starts.
     *
     * @param httpClient the http client
     */
    public void setHttpClient(HttpClient httpClient) {
        if (isStarted()) {
            throw new IllegalStateException("httpClient: cannot be set on a started handler (expected: before start)");
        }
        this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
    }

    @Override
    protected void doStart() throws Exception {
        if (httpClient == null) {
            Server server = getServer();
            boolean serverPool = core.options.useServerThreadPool() && server != null;
            httpClient = ProxyHttpClients.newHttpClient(core.options, serverPool ? server.getThreadPool() : null);
            // Response callbacks never block (writes complete through callbacks): run them on the
            // client's selector thread rather than dispatching each response to the pool.
            httpClient.getHttpClientTransport().setInvocationType(InvocationType.NON_BLOCKING);
            addBean(httpClient, true);
        } else {
            addBean(httpClient); // managed only if not running yet
        }
        Server server = getServer();
        upgrades = new UpgradeHook(core, server == null ? null : server.getThreadPool(),
                server == null ? null : server.getScheduler(), server == null ? null : server.getByteBufferPool());
        if (upgrades.connector() != null) {
            addBean(upgrades.connector(), true);
        }
        super.doStart();
        core.start(httpClient);
    }

    @Override
    protected void doStop() throws Exception {
        core.stop();
        super.doStop();
        if (upgrades != null && upgrades.connector() != null) {
            removeBean(upgrades.connector());
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String pathInContext = Request.getPathInContext(request);
        String prefix = core.options.prefix();
        if (prefix != null && !(ProxyHeaders.matches(pathInContext, prefix)
                && ProxyHeaders.matchesRaw(request.getHttpURI().getPath(), mountPath(request, prefix)))) {
            return false;
        }
        if (upgrades.handle(request, response, callback, mountPath(request, prefix))) {
            return true; // a WebSocket or another upgrade: spliced once the backend answers 101
        }
        new CoreExchange(core, request, response, callback, prefix).start();
        return true;
    }

    private static String mountPath(Request request, String prefix) {
        String context = Request.getContextPath(request);
        if (context == null) {
            context = "";
        }
        return prefix == null || "/".equals(prefix) ? context : context + prefix;
    }

    /**
     * Filters one backend response header before it goes to the client: return it, another field,
     * or null to drop it. Hop-by-hop headers are already removed. The default returns it unchanged.
     *
     * @param field the field
     * @return the http field
     */
    protected HttpField filterResponseHeader(HttpField field) {
        return field;
    }

    @Override
    public String toString() {
        return "LoadBalancingHandler{" + core.loadBalancer.name() + ", prefix="
                + (core.options.prefix() == null ? "/" : core.options.prefix()) + ", " + getState() + '}';
    }

    /** The jetty-core request and response as the {@link AttemptLoop}'s client side; sends with Jetty's client. */
    private final class CoreExchange implements ClientSide, Upstream {
        private final ProxyCore core;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final String prefix;
        private String target;
        /** The client behind the trusted proxies, once asked (only when some are configured). */
        private String client;

        CoreExchange(ProxyCore core, Request request, Response response, Callback callback, String prefix) {
            this.core = core;
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.prefix = prefix;
        }

        void start() {
            long length = request.getLength();
            HttpFields headers = request.getHeaders();
            boolean hasBody = length > 0
                    || (length < 0 && (headers.contains(HttpHeader.TRANSFER_ENCODING)
                            || request.getConnectionMetaData().getHttpVersion().getVersion()
                                    >= HttpVersion.HTTP_2.getVersion()));
            new AttemptLoop(core, this, this, System.nanoTime())
                    .start(hasBody ? request : null, length, headers.get(HttpHeader.CONTENT_TYPE));
        }

        @Override
        public Attempt newAttempt(AttemptLoop loop, Selection selection, long startNanos, String target) {
            return new JettyAttempt(loop, selection, startNanos,
                    core.client().newRequest(target).method(request.getMethod()));
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String query() {
            return request.getHttpURI().getQuery();
        }

        @Override
        public String path() {
            return request.getHttpURI().getPath();
        }

        @Override
        public String header(String name) {
            return request.getHeaders().get(name);
        }

        @Override
        public String peerAddress() {
            return Request.getRemoteAddr(request);
        }

        @Override
        public String clientAddress() {
            if (core.options.trustedProxies().isEmpty()) {
                return Request.getRemoteAddr(request);
            }
            if (client == null) {
                client = ProxyHeaders.clientAddress(core.options, Request.getRemoteAddr(request),
                        joinedHeader("X-Forwarded-For"));
            }
            return client;
        }

        @Override
        public String protocol() {
            return request.getConnectionMetaData().getProtocol();
        }

        @Override
        public String scheme() {
            String scheme = request.getHttpURI().getScheme();
            return scheme != null ? scheme : request.isSecure() ? "https" : "http";
        }

        @Override
        public String host() {
            String host = request.getHeaders().get(HttpHeader.HOST);
            return host != null ? host : request.getHttpURI().getAuthority();
        }

        @Override
        public String targetPath() {
            if (target == null) {
                HttpURI uri = request.getHttpURI();
                target = ProxyHeaders.targetPath(uri.getPath(), uri.getDecodedPath(), mountPath(),
                        core.options.stripPrefix(), uri.getQuery());
            }
            return target;
        }

        @Override
        public String mountPath() {
            return LoadBalancingHandler.mountPath(request, prefix);
        }

        @Override
        public StickyTokens.Entry findStickyCookie(StickyTokens sticky) {
            for (HttpField field : request.getHeaders()) {
                if (field.getHeader() == HttpHeader.COOKIE) {
                    StickyTokens.Entry entry = sticky.find(field.getValue());
                    if (entry != null) {
                        return entry;
                    }
                }
            }
            return null;
        }

        @Override
        public void addOwnResponseHeader(HttpHeader header, String value) {
            response.getHeaders().add(header, value);
        }

        @Override
        public void putOwnResponseHeader(String name, String value) {
            response.getHeaders().put(name, value);
        }

        @Override
        public String joinedHeader(String name) {
            return joined(request.getHeaders(), name);
        }

        @Override
        public int copyRequestHeaders(HeaderRewriter rewriter, String connectionTokens, HttpFields.Mutable out) {
            int merged = 0;
            HttpFields headers = request.getHeaders();
            for (int i = 0, size = headers.size(); i < size; i++) { // by index: no iterator per request
                merged |= rewriter.copy(headers.getField(i), connectionTokens, out);
            }
            return merged;
        }

        @Override
        public void responseStatus(int status) {
            response.setStatus(status);
        }

        @Override
        public void addResponseHeader(HttpField field) {
            HttpField filtered = filterResponseHeader(field);
            if (filtered != null) {
                if (ProxyHeaders.isSingleServerHeader(filtered.getHeader())) {
                    response.getHeaders().put(filtered); // replaces the one Jetty added for itself
                } else {
                    response.getHeaders().add(filtered);
                }
            }
        }

        @Override
        public void write(ByteBuffer content, Callback callback) {
            response.write(false, content, callback);
        }

        @Override
        public boolean isCommitted() {
            return response.isCommitted();
        }

        @Override
        public void complete() {
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
        }

        @Override
        public void sendError(int status, String reason, boolean close, String decision) {
            response.reset();
            response.setStatus(status);
            byte[] bytes = (reason + "\n").getBytes(StandardCharsets.UTF_8);
            HttpFields.Mutable headers = response.getHeaders();
            headers.put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
            headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
            if (close) {
                headers.put(HttpHeader.CONNECTION, "close");
            }
            if (decision != null) {
                headers.put(Decision.RESPONSE_HEADER, decision);
            }
            response.write(true, ByteBuffer.wrap(bytes), callback);
        }

        @Override
        public void abort(Throwable cause) {
            callback.failed(cause);
        }

        @Override
        public void forwardTrailers(Supplier<HttpFields> trailers) {
            // Jetty asks for the trailers with the last write, once the backend's content has ended.
            response.setTrailersSupplier(() -> {
                HttpFields fields = trailers.get();
                return fields == null || fields.size() == 0 ? null : fields;
            });
        }

        @Override
        public void sendGrpcStatus(int httpStatus, int grpcStatus, String message) {
            response.reset();
            response.setStatus(200);
            HttpFields.Mutable headers = response.getHeaders();
            headers.put(HttpHeader.CONTENT_TYPE, "application/grpc");
            headers.put("grpc-status", Integer.toString(grpcStatus));
            headers.put("grpc-message", GrpcCall.message(message));
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
        }
    }

    /** Every value of {@code name} in {@code fields}, joined by {@code ", "}; null when absent. Allocates only when present. */
    static String joined(HttpFields fields, String name) {
        String joined = null;
        for (int i = 0, size = fields.size(); i < size; i++) {
            HttpField field = fields.getField(i);
            if (field.is(name)) {
                String value = field.getValue();
                joined = joined == null ? value : joined + ", " + value;
            }
        }
        return joined;
    }
}
