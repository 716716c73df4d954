package dev.jlb.jetty;

import org.eclipse.jetty.http.HttpStatus;

/**
 * Requests jlb answers itself instead of proxying, before a backend is selected: a reverse proxy
 * has no use for {@code CONNECT} (a tunnel to any host), {@code TRACE} reflects the request
 * (cookies and authorization included) back to whoever sent it, and a target that is not a path
 * ({@code OPTIONS *}) names no resource on a backend. An HTTP/1.0 request with a
 * {@code Transfer-Encoding} is refused too, and its connection closed (RFC 9112 6.1): HTTP/1.0 has no
 * transfer codings, so an intermediary that reads its body by {@code Content-Length} or to the end
 * of the connection would see different requests on it than jlb does (request smuggling); HAProxy
 * refuses it the same way. Methods are compared ignoring case here (and nowhere else: they are
 * forwarded as spelled): a backend that upper-cases methods would take {@code trace} for {@code TRACE}.
 */
final class RequestChecks {

    static final String REASON_CONNECT = "method not allowed: CONNECT (jlb is a reverse proxy, not a tunnel)";
    static final String REASON_TRACE = "method not allowed: TRACE (allow_trace is off)";
    static final String REASON_TARGET = "bad request: the target is not a path (OPTIONS * is not proxied)";
    static final String REASON_FRAMING = "bad request: Transfer-Encoding (chunked) on an HTTP/1.0 request";

    private RequestChecks() {
    }

    /** The status jlb answers {@code method} and {@code path} with itself, or 0 to proxy the request. */
    static int refusal(String method, String path, ProxyOptions options) {
        if ("CONNECT".equalsIgnoreCase(method)) {
            return HttpStatus.METHOD_NOT_ALLOWED_405;
        }
        if ("TRACE".equalsIgnoreCase(method) && !options.allowTrace()) {
            return HttpStatus.METHOD_NOT_ALLOWED_405;
        }
        if (path == null || !path.startsWith("/")) {
            return HttpStatus.BAD_REQUEST_400;
        }
        return 0;
    }

    /** The reason of a {@link #refusal}. */
    static String reason(String method) {
        return "CONNECT".equalsIgnoreCase(method) ? REASON_CONNECT
                : "TRACE".equalsIgnoreCase(method) ? REASON_TRACE : REASON_TARGET;
    }

    /**
     * Whether a request's framing cannot be trusted: a {@code Transfer-Encoding} on HTTP/1.0. jlb then
     * answers 400 and closes the connection (what follows on it may be a smuggled request).
     */
    static boolean untrustedFraming(String protocol, String transferEncoding) {
        return transferEncoding != null && "HTTP/1.0".equals(protocol);
    }
}
