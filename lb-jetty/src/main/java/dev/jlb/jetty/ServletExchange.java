package dev.jlb.jetty;

import dev.jlb.Selection;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.content.InputStreamContentSource;
import org.eclipse.jetty.util.Callback;

/**
 * One servlet request and response of a {@link LoadBalancingProxyServlet} as the
 * {@link AttemptLoop}'s client side and upstream: owns the request's async context, reads the
 * request through the servlet API, writes the answer (streamed, or jlb's own error), and sends each
 * attempt with Jetty's client through the servlet's {@code newProxyRequest}, remembering each
 * attempt's response (as it begins) for the servlet's {@code filterServerResponseHeader}.
 *
 * <p>Threading: one per request, started on the container's thread in {@code service}; after that
 * the loop calls it one thread at a time (see {@link ClientSide}), the container calls its
 * {@link AsyncListener} methods, and the attempt's client thread sets the current response
 * (a volatile field) as it begins.
 */
final class ServletExchange implements ClientSide, Upstream, AsyncListener, Response.BeginListener {
    /** Client bodies are read into fresh buffers, as before the pool-aware constructor. */
    private static final ByteBufferPool.Sized UNPOOLED = new ByteBufferPool.Sized(ByteBufferPool.NON_POOLING);

    private final LoadBalancingProxyServlet servlet;
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

    ServletExchange(LoadBalancingProxyServlet servlet, HttpServletRequest request, HttpServletResponse response,
            String mount) {
        this.servlet = servlet;
        this.core = servlet.core();
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
        Request backendRequest = servlet.attemptRequest(request, target);
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
            target = ProxyHeaders.targetPath(request.getRequestURI(), LoadBalancingProxyServlet.decodedPath(request), mount,
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
        HttpField filtered = servlet.backendResponseHeader(request, backendResponse, field);
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
