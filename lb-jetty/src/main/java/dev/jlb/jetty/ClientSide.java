package dev.jlb.jetty;

import dev.jlb.RequestContext;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;

/**
 * The client's side of one proxied request, as an adapter sees it: a view of the live request
 * (nothing is copied; the {@link RequestContext} methods are what strategies read) and a sink for
 * the response. Each adapter implements it over its own API (jetty-core {@code Request/Response},
 * servlet); the {@link AttemptLoop} and the {@link HeaderRewriter} only talk to this interface.
 *
 * <p>Threading: called by one thread at a time (the loop's events are serialized), never
 * concurrently; the response methods are called after {@link AttemptLoop#start} only.
 */
interface ClientSide extends RequestContext {

    // ---- The request ----------------------------------------------------------------------------

    /**
     * The address of the connection's peer (which may be a proxy in front of jlb), or null; what
     * {@code X-Forwarded-For} gets. {@link #clientAddress()} is the client behind the trusted
     * proxies ({@link ProxyHeaders#clientAddress}), the peer itself when none is configured.
     */
    String peerAddress();

    /** The client's query string, or null. */
    String query();

    /** The client's protocol, such as {@code HTTP/1.1}. */
    String protocol();

    /** The scheme the client used: {@code http} or {@code https}. */
    String scheme();

    /** The host the client asked for ({@code Host} header or authority), or null. */
    String host();

    /** The path and query to send to backends (the mount prefix stripped when configured). */
    String targetPath();

    /** The route's mount point as the client addresses it (context path and prefix); empty or {@code /} for everything. */
    String mountPath();

    /** Every value of the header {@code name}, in order, joined by {@code ", "}; null when absent. */
    String joinedHeader(String name);

    /**
     * Passes each client header to {@code rewriter}
     * ({@link HeaderRewriter#copy(HttpField, String, HttpFields.Mutable)} or
     * {@link HeaderRewriter#copy(String, String, String, HttpFields.Mutable)}) and returns the OR of
     * what they return.
     */
    int copyRequestHeaders(HeaderRewriter rewriter, String connectionTokens, HttpFields.Mutable out);

    /**
     * The entry of the client's first {@code Cookie} header value in which
     * {@link StickyTokens#find(String)} finds one, or null. Called only with sticky sessions on.
     */
    StickyTokens.Entry findStickyCookie(StickyTokens sticky);

    // ---- The response ---------------------------------------------------------------------------

    /** Sets the response status; headers follow with {@link #addResponseHeader}. */
    void responseStatus(int status);

    /** Adds one backend response header (hop-by-hop already removed; adapters may filter it). */
    void addResponseHeader(HttpField field);

    /** Adds a header of jlb's own to the response (not subject to the adapter's header filters). */
    void addOwnResponseHeader(HttpHeader header, String value);

    /**
     * Sets a header of jlb's own, named by {@code name}, on the response, replacing any of that name
     * (not subject to the adapter's header filters).
     */
    void putOwnResponseHeader(String name, String value);

    /** Writes response content; completes {@code callback} when written (or failed). */
    void write(ByteBuffer content, Callback callback);

    /** Whether bytes of the response went to the client. */
    boolean isCommitted();

    /** Finishes the response successfully (after the last write). */
    void complete();

    /** Answers with an error status and a short text body; the response is not committed. */
    default void sendError(int status, String reason) {
        sendError(status, reason, false, null);
    }

    /**
     * Answers with an error status and a short text body, and with {@code close} closes the
     * connection after it ({@code Connection: close}); the response is not committed.
     */
    default void sendError(int status, String reason, boolean close) {
        sendError(status, reason, close, null);
    }

    /**
     * Answers as {@link #sendError(int, String, boolean)} does, with an {@code X-Jlb-Decision}
     * header of value {@code decision} unless it is null.
     */
    void sendError(int status, String reason, boolean close, String decision);

    /** Breaks the response (the client sees a truncated response or a reset). */
    void abort(Throwable cause);

    /**
     * Relays the backend response's trailers, which {@code trailers} gives once the backend's
     * content has ended, after the last write (called once per forwarded response when trailers
     * are wanted, after its headers). Adapters that cannot send trailers ignore it.
     */
    default void forwardTrailers(Supplier<HttpFields> trailers) {
    }

    /**
     * Answers a gRPC call that no backend answered: a trailers-only response with {@code grpcStatus}
     * and {@code message} (instead of {@code httpStatus}); the response is not committed. By
     * default, {@link #sendError}.
     */
    default void sendGrpcStatus(int httpStatus, int grpcStatus, String message) {
        sendError(httpStatus, message);
    }
}
