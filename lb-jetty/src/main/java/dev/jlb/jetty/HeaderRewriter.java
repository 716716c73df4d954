package dev.jlb.jetty;

import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The header rules of one adapter, for every request it proxies: the hop-by-hop headers and those
 * the client's {@code Connection} header lists are not forwarded (nor {@code TE}, {@code Upgrade}
 * and the other hop-by-hop names), {@code X-Forwarded-*} are jlb's own from the connection unless
 * the peer is one of the {@link ProxyOptions#trustedProxies()} (then the client's are kept, its
 * {@code X-Forwarded-For} appended to), the client's {@code Via} is appended to, the request id is
 * the client's when valid or a generated one, the sticky cookie is removed unless configured to
 * pass, and {@code Host} is kept only with {@code preserveHost}. The mount-prefix strip of the
 * target path is {@link ProxyHeaders#targetPath}.
 *
 * <p>Stateless and immutable: what a copy learns about one request travels in return values
 * (the {@code MERGE_*} bits), not in fields, so one rewriter serves every request concurrently.
 * Uses the HTTP field types of jetty-http only, not Jetty's client.
 */
final class HeaderRewriter {

    /**
     * Bits {@link #copy} returns: a header whose values are merged into jlb's own (or, for the
     * request id, sent once as jlb's), not copied.
     */
    static final int MERGE_FOR = 1;
    static final int MERGE_PROTO = 2;
    static final int MERGE_HOST = 4;
    static final int MERGE_VIA = 8;
    static final int REQUEST_ID = 16;

    private final ProxyOptions options;
    private final StickyTokens sticky;
    private final String requestIdHeader;
    private final String via11;
    private final String via20;
    /** Whether the client's Host goes to backends: {@code preserveHost}, and HTTP/2 has no Host beside :authority. */
    private final boolean keepHost;

    HeaderRewriter(ProxyOptions options, StickyTokens sticky) {
        this.options = options;
        this.sticky = sticky;
        this.requestIdHeader = options.requestIdHeader();
        this.via11 = ProxyHeaders.viaEntry("HTTP/1.1", options.via());
        this.via20 = ProxyHeaders.viaEntry("HTTP/2.0", options.via());
        this.keepHost = options.preserveHost() && !options.backendProtocol().isHttp2();
    }

    /**
     * Writes the backend request's headers: the client's, rewritten, then jlb's proxy headers.
     * {@code requestId} is the id an earlier attempt sent, or null on the first: then it is the
     * client's when valid, else a generated one (or none). With {@code trailers} (a gRPC call, or
     * a client that asked for them), {@code TE: trailers} goes too. Returns the id sent, or null.
     */
    String copyRequestHeaders(ClientSide client, String requestId, boolean trailers, HttpFields.Mutable out) {
        String connection = client.joinedHeader(HttpHeader.CONNECTION.asString());
        String tokens = connection == null ? null : ProxyHeaders.connectionTokens(connection, null);
        int merged = client.copyRequestHeaders(this, tokens, out);
        if (keepHost && "HTTP/2.0".equals(client.protocol()) && !out.contains(HttpHeader.HOST)) {
            String authority = client.host(); // an HTTP/2 client's :authority: the Host an HTTP/1.1 backend expects
            if (authority != null) {
                out.put(HttpHeader.HOST, authority);
            }
        }
        if (options.xForwardedHeaders()) {
            String peer = client.peerAddress();
            // An untrusted client's values are not read at all: jlb's own replace them.
            boolean trusted = ProxyHeaders.trustsPeer(options, peer);
            String forwardedFor = trusted && (merged & MERGE_FOR) != 0
                    ? client.joinedHeader("X-Forwarded-For") : null;
            String forwardedProto = trusted && (merged & MERGE_PROTO) != 0
                    ? client.joinedHeader("X-Forwarded-Proto") : null;
            String forwardedHost = trusted && (merged & MERGE_HOST) != 0
                    ? client.joinedHeader("X-Forwarded-Host") : null;
            addIfPresent(out, HttpHeader.X_FORWARDED_FOR, ProxyHeaders.forwardedFor(trusted, forwardedFor, peer));
            addIfPresent(out, HttpHeader.X_FORWARDED_PROTO, ProxyHeaders.forwarded(trusted, forwardedProto,
                    client.scheme()));
            addIfPresent(out, HttpHeader.X_FORWARDED_HOST, ProxyHeaders.forwarded(trusted, forwardedHost,
                    client.host()));
        } else {
            addIfPresent(out, HttpHeader.X_FORWARDED_FOR,
                    (merged & MERGE_FOR) == 0 ? null : client.joinedHeader("X-Forwarded-For"));
            addIfPresent(out, HttpHeader.X_FORWARDED_PROTO,
                    (merged & MERGE_PROTO) == 0 ? null : client.joinedHeader("X-Forwarded-Proto"));
            addIfPresent(out, HttpHeader.X_FORWARDED_HOST,
                    (merged & MERGE_HOST) == 0 ? null : client.joinedHeader("X-Forwarded-Host"));
        }
        String via = (merged & MERGE_VIA) == 0 ? null : client.joinedHeader("Via");
        out.add(HttpHeader.VIA, ProxyHeaders.append(via, via(client.protocol())));
        if (trailers) {
            out.add(HttpHeader.TE, "trailers"); // gRPC servers ask for it; the only TE HTTP/2 allows
        }
        String id = requestId;
        if (id == null) {
            String incoming = (merged & REQUEST_ID) == 0 ? null : client.header(requestIdHeader);
            if (ProxyHeaders.isValidRequestId(incoming)) {
                id = incoming;
            } else if (options.generateRequestId()) {
                id = ProxyHeaders.newRequestId();
            }
        }
        if (id != null) {
            out.add(requestIdHeader, id);
        }
        return id;
    }

    private static void addIfPresent(HttpFields.Mutable out, HttpHeader header, String value) {
        if (value != null) {
            out.add(header, value);
        }
    }

    /** Copies one client header field (jetty-core); returns a {@code MERGE_*} bit or 0. */
    int copy(HttpField field, String connectionTokens, HttpFields.Mutable out) {
        HttpHeader header = field.getHeader();
        int action = ProxyHeaders.requestAction(header);
        if (action >= ProxyHeaders.X_FORWARDED_FOR && action <= ProxyHeaders.VIA) {
            return mergeBit(action);
        }
        if (action == ProxyHeaders.COPY && field.getName().equalsIgnoreCase(requestIdHeader)) {
            return REQUEST_ID; // sent once, as jlb's request id
        }
        String original = field.getValue();
        String value = value(action, header, field.getName(), original, connectionTokens);
        if (value == original) {
            if (value != null) {
                out.add(field);
            }
        } else if (value != null) {
            out.add(field.getName(), value); // rewritten (a Cookie header without the sticky cookie)
        }
        return 0;
    }

    /** Copies one client header value (servlet); returns a {@code MERGE_*} bit or 0. */
    int copy(String name, String value, String connectionTokens, HttpFields.Mutable out) {
        HttpHeader header = HttpHeader.CACHE.get(name);
        int action = ProxyHeaders.requestAction(header);
        if (action >= ProxyHeaders.X_FORWARDED_FOR && action <= ProxyHeaders.VIA) {
            return mergeBit(action);
        }
        if (action == ProxyHeaders.COPY && name.equalsIgnoreCase(requestIdHeader)) {
            return REQUEST_ID;
        }
        String copied = value(action, header, name, value, connectionTokens);
        if (copied != null) {
            out.add(name, copied);
        }
        return 0;
    }

    private static int mergeBit(int action) {
        switch (action) {
            case ProxyHeaders.X_FORWARDED_FOR:
                return MERGE_FOR;
            case ProxyHeaders.X_FORWARDED_PROTO:
                return MERGE_PROTO;
            case ProxyHeaders.X_FORWARDED_HOST:
                return MERGE_HOST;
            default:
                return MERGE_VIA;
        }
    }

    /** The value to forward as is (the same instance), a rewritten one, or null to drop it. */
    private String value(int action, HttpHeader header, String name, String value, String connectionTokens) {
        switch (action) {
            case ProxyHeaders.DROP:
                return null;
            case ProxyHeaders.HOST:
                return keepHost ? value : null;
            case ProxyHeaders.COOKIE:
                return sticky == null || sticky.options().forwardToBackends() ? value : sticky.withoutCookie(value);
            default:
                if (connectionTokens != null && ProxyHeaders.isListed(connectionTokens, lowerCase(header, name))) {
                    return null;
                }
                return value;
        }
    }

    private static String lowerCase(HttpHeader header, String name) {
        return header != null ? header.lowerCaseName() : name.toLowerCase(Locale.ROOT);
    }

    /** Passes the backend's response headers to the client, hop-by-hop and {@code Connection}-listed ones removed. */
    void copyResponseHeaders(HttpFields headers, ClientSide client) {
        String tokens = ProxyHeaders.connectionTokens(headers);
        for (int i = 0, size = headers.size(); i < size; i++) { // by index: no iterator per response
            HttpField field = headers.getField(i);
            if (ProxyHeaders.isHopByHopResponse(field.getHeader())
                    || (tokens != null && ProxyHeaders.isListed(tokens, field.getLowerCaseName()))) {
                continue;
            }
            client.addResponseHeader(field);
        }
    }

    /** This proxy's {@code Via} entry for the client's protocol. */
    String via(String protocol) {
        if ("HTTP/1.1".equals(protocol)) {
            return via11;
        }
        if ("HTTP/2.0".equals(protocol)) {
            return via20;
        }
        return ProxyHeaders.viaEntry(protocol, options.via());
    }
}
