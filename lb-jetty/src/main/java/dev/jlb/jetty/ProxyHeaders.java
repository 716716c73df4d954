package dev.jlb.jetty;

import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.URIUtil;

/**
 * The header and path rules shared by the servlet and the jetty-core adapters: which headers are
 * hop-by-hop, how {@code X-Forwarded-*} are written (with the trusted proxies) and {@code Via}
 * appended, how the backend path is made from the client's, and request ids. Public for lb-jetty's
 * engine package only: not API, may change.
 */
public final class ProxyHeaders {

    /** What to do with one client request header. */
    public static final int COPY = 0;
    /** Not sent to the backend (hop-by-hop and connection-listed headers). */
    public static final int DROP = 1;
    /** {@code Host}: replaced or kept as the options say. */
    public static final int HOST = 2;
    /** {@code X-Forwarded-For}: the peer's address, appended to the client's when the peer is trusted. */
    public static final int X_FORWARDED_FOR = 3;
    /** {@code X-Forwarded-Proto}: set from the listener's scheme, unless a trusted peer sent one. */
    public static final int X_FORWARDED_PROTO = 4;
    /** {@code X-Forwarded-Host}: set from the client's {@code Host}, unless a trusted peer sent one. */
    public static final int X_FORWARDED_HOST = 5;
    /** {@code Via}: jlb's hop is appended. */
    public static final int VIA = 6;
    /** The client's cookies: passed on, without the sticky cookie unless it is forwarded. */
    public static final int COOKIE = 7;

    /** Longest request id accepted from a client; a longer or malformed one is replaced. */
    public static final int MAX_REQUEST_ID_LENGTH = 128;

    private ProxyHeaders() {
    }

    /**
     * Classifies a request header known to Jetty ({@code header} may be null for unknown names).
     * Hop-by-hop headers (RFC 9110 section 7.6.1, plus the legacy {@code Proxy-Connection} and
     * {@code Keep-Alive}) are dropped, and so is {@code Expect}: jlb answers {@code 100 Continue} to
     * the client itself when it starts reading the body, and does not wait for backends to.
     *
     * @param header the header
     * @return the int
     */
    public static int requestAction(HttpHeader header) {
        if (header == null) {
            return COPY;
        }
        switch (header) {
            case CONNECTION:
            case KEEP_ALIVE:
            case PROXY_CONNECTION:
            case PROXY_AUTHORIZATION:
            case PROXY_AUTHENTICATE:
            case TRANSFER_ENCODING:
            case TE:
            case TRAILER:
            case UPGRADE:
            case EXPECT:
                return DROP;
            case HOST:
                return HOST;
            case X_FORWARDED_FOR:
                return X_FORWARDED_FOR;
            case X_FORWARDED_PROTO:
                return X_FORWARDED_PROTO;
            case X_FORWARDED_HOST:
                return X_FORWARDED_HOST;
            case VIA:
                return VIA;
            case COOKIE:
                return COOKIE;
            default:
                return COPY;
        }
    }

    /** Whether a client's {@code TE} header lists {@code trailers} (it will read response trailers). */
    static boolean asksForTrailers(String te) {
        if (te == null) {
            return false;
        }
        for (String token : te.split(",")) {
            int semi = token.indexOf(';');
            String name = (semi < 0 ? token : token.substring(0, semi)).trim();
            if (name.equalsIgnoreCase("trailers")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a response header is hop-by-hop and must not reach the client.
     *
     * @param header the header
     * @return whether a response header is hop-by-hop and must not reach the client
     */
    public static boolean isHopByHopResponse(HttpHeader header) {
        if (header == null) {
            return false;
        }
        switch (header) {
            case CONNECTION:
            case KEEP_ALIVE:
            case PROXY_CONNECTION:
            case PROXY_AUTHENTICATE:
            case PROXY_AUTHORIZATION:
            case TRANSFER_ENCODING:
            case TE:
            case TRAILER:
            case UPGRADE:
                return true;
            default:
                return false;
        }
    }

    /**
     * The extra header names listed in {@code Connection} values (which are hop-by-hop too), lower
     * case and comma-wrapped as {@code ",x-foo,x-bar,"}, or {@code null} when there are none (the
     * common case: absent, {@code keep-alive} or {@code close}).
     *
     * @param connectionValue the connection value
     * @param previous the previous
     * @return the string
     */
    public static String connectionTokens(String connectionValue, String previous) {
        if (connectionValue == null || connectionValue.isEmpty()) {
            return previous;
        }
        StringBuilder tokens = null;
        int start = 0;
        int length = connectionValue.length();
        while (start <= length) {
            int comma = connectionValue.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            String token = connectionValue.substring(start, end).trim().toLowerCase(Locale.ROOT);
            if (!token.isEmpty() && !token.equals("close") && !token.equals("keep-alive")) {
                if (tokens == null) {
                    tokens = new StringBuilder(previous == null ? "," : previous);
                }
                tokens.append(token).append(',');
            }
            start = end + 1;
        }
        return tokens == null ? previous : tokens.toString();
    }

    /**
     * Whether {@code lowerCaseName} is listed in {@code tokens} from {@link #connectionTokens}.
     *
     * @param tokens the tokens
     * @param lowerCaseName the lower case name
     * @return whether {@code lowerCaseName} is listed in {@code tokens} from {@link #connectionTokens}
     */
    public static boolean isListed(String tokens, String lowerCaseName) {
        if (tokens == null) {
            return false;
        }
        int at = tokens.indexOf(lowerCaseName);
        while (at > 0) {
            if (tokens.charAt(at - 1) == ',' && tokens.charAt(at + lowerCaseName.length()) == ',') {
                return true;
            }
            at = tokens.indexOf(lowerCaseName, at + 1);
        }
        return false;
    }

    /**
     * The connection tokens of a set of response headers, or null.
     *
     * @param headers the headers
     * @return the connection tokens of a set of response headers, or null
     */
    public static String connectionTokens(HttpFields headers) {
        String tokens = null;
        for (int i = 0, size = headers.size(); i < size; i++) { // by index: no iterator per response
            HttpField field = headers.getField(i);
            if (field.getHeader() == HttpHeader.CONNECTION) {
                tokens = connectionTokens(field.getValue(), tokens);
            }
        }
        return tokens;
    }

    /**
     * Whether the connection's peer is one of {@code options}' {@link ProxyOptions#trustedProxies()}:
     * then the client's {@code X-Forwarded-*} headers are believed. False at once when none is
     * configured (no allocation), and for a peer that is not an address literal (never resolved).
     *
     * @param options the route's options
     * @param peer the peer's address as text, such as {@code 10.0.0.1} or {@code [::1]}, or null
     * @return whether the peer is a trusted proxy
     */
    public static boolean trustsPeer(ProxyOptions options, String peer) {
        return options.trusted().trusts(peer);
    }

    /**
     * The client's address as strategies and listeners see it: {@code peer}, unless it is a trusted
     * proxy; then the right-most address of the client's {@code X-Forwarded-For} outside every
     * trusted range (nginx's {@code real_ip_recursive}).
     *
     * @param options the route's options
     * @param peer the peer's address as text, or null
     * @param forwardedFor the client's {@code X-Forwarded-For} values joined by commas, or null
     * @return the client's address, or null when {@code peer} is null
     */
    public static String clientAddress(ProxyOptions options, String peer, String forwardedFor) {
        return options.trusted().clientAddress(peer, forwardedFor);
    }

    /**
     * The {@code X-Forwarded-For} jlb sends: the peer appended to the client's value when the peer
     * is trusted, the peer alone otherwise (what an untrusted client claims is dropped).
     *
     * @param trusted whether the peer is a trusted proxy ({@link #trustsPeer})
     * @param client the client's values joined by commas, or null
     * @param peer the peer's address, or null
     * @return the value, or null when there is no peer address
     */
    public static String forwardedFor(boolean trusted, String client, String peer) {
        if (peer == null) {
            return trusted ? client : null;
        }
        return trusted ? append(client, peer) : peer;
    }

    /**
     * The {@code X-Forwarded-Proto} or {@code X-Forwarded-Host} jlb sends: a trusted peer's value
     * as it came, otherwise (untrusted, or none came) jlb's own from the connection.
     *
     * @param trusted whether the peer is a trusted proxy ({@link #trustsPeer})
     * @param client the client's values joined by commas, or null
     * @param own jlb's value: the connection's scheme, or the request's {@code Host}; may be null
     * @return the value, or null for none
     */
    public static String forwarded(boolean trusted, String client, String own) {
        return trusted && client != null && !client.isBlank() ? client : own;
    }

    /**
     * {@code existing + ", " + value}, or {@code value} when nothing existed.
     *
     * @param existing the existing
     * @param value the value
     * @return {@code existing + ", " + value}, or {@code value} when nothing existed
     */
    public static String append(String existing, String value) {
        return existing == null || existing.isBlank() ? value : existing + ", " + value;
    }

    /**
     * The {@code Via} entry for the client's protocol, as in {@code 1.1 jlb}: the version alone for
     * HTTP (RFC 9110 section 7.6.3), the whole protocol otherwise.
     *
     * @param protocol the protocol
     * @param via the via
     * @return the string
     */
    public static String viaEntry(String protocol, String via) {
        if (protocol == null) {
            return via;
        }
        switch (protocol) {
            case "HTTP/1.1":
                return "1.1 " + via;
            case "HTTP/2.0":
            case "HTTP/2":
                return "2.0 " + via;
            case "HTTP/1.0":
                return "1.0 " + via;
            default:
                return (protocol.regionMatches(true, 0, "HTTP/", 0, 5) ? protocol.substring(5) : protocol) + ' ' + via;
        }
    }

    /**
     * Whether a client's request id may be passed on: 1 to 128 visible ASCII characters.
     *
     * @param id the id
     * @return whether a client's request id may be passed on: 1 to 128 visible ASCII characters
     */
    public static boolean isValidRequestId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_REQUEST_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return a new random request id in UUID form, from {@link ThreadLocalRandom} (no lock, unlike {@code randomUUID})}
     */
    public static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // IETF variant
        return new UUID(msb, lsb).toString();
    }

    /**
     * Whether a decoded path is under a mount point: {@code /api} matches {@code /api} and
     * {@code /api/x} but not {@code /apix}; {@code /} (or empty) matches everything.
     *
     * @param path the path
     * @param mount the mount
     * @return the boolean
     */
    public static boolean matches(String path, String mount) {
        int m = mount.length();
        if (m == 0 || (m == 1 && mount.charAt(0) == '/')) {
            return true;
        }
        return path.startsWith(mount) && (path.length() == m || path.charAt(m) == '/');
    }

    /**
     * The path a route is chosen by, the same path a backend receives: the client's path without its
     * {@code .} and {@code ..} segments, percent-decoded, with path parameters kept in their segment
     * ({@code /api;x/y} is {@code /api;x/y}, not under {@code /api}: a backend that is not a servlet
     * container sees a segment {@code api;x} there). Null when the path climbs above the root or is
     * not validly encoded (Jetty refuses both before a handler runs).
     *
     * @param rawPath the request path as the client sent it (still encoded)
     * @return the decoded, normalized path, or null
     */
    public static String routingPath(String rawPath) {
        String path = withoutDotSegments(rawPath);
        if (path == null) {
            return null;
        }
        try {
            // Jetty's decoding drops path parameters: hide ';' from it, it is decoded back to ';'.
            return URIUtil.decodePath(path.indexOf(';') < 0 ? path : path.replace(";", "%3B"));
        } catch (RuntimeException badEncoding) {
            return null;
        }
    }

    /**
     * Whether a request is under a mount point as {@link #routingPath} sees its path.
     *
     * @param rawPath the request path as the client sent it (still encoded), context path included
     * @param mount the decoded mount point (context path + prefix), {@code /} or empty for everything
     * @return whether the request is under {@code mount}
     */
    public static boolean matchesRaw(String rawPath, String mount) {
        String path = routingPath(rawPath);
        return path != null && matches(path, mount);
    }

    /** The raw path with its {@code .} and {@code ..} segments resolved (RFC 3986 5.2.4), or null above the root. */
    private static String withoutDotSegments(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        return rawPath.contains("/.") ? URIUtil.normalizePath(rawPath) : rawPath;
    }

    /**
     * The path and query to send to a backend: the client's path, still encoded as the client
     * encoded it, without its {@code .} and {@code ..} segments (the path the route was chosen by).
     *
     * @param rawPath the request path as the client sent it (still encoded), context path included
     * @param decodedPath the decoded path, context path included
     * @param mount the decoded mount point (context path + prefix), {@code /} or empty for none
     * @param strip whether to remove the mount point
     * @param rawQuery the query as sent, or null
     * @return the path and query to send to a backend
     */
    public static String targetPath(String rawPath, String decodedPath, String mount, boolean strip, String rawQuery) {
        String path = withoutDotSegments(rawPath);
        if (path == null) {
            path = rawPath; // above the root: Jetty refuses it before a handler runs
        }
        int m = mount.length();
        if (strip && m > 1) {
            if (path.startsWith(mount) && (path.length() == m || path.charAt(m) == '/')) {
                path = path.length() == m ? "/" : path.substring(m);
            } else {
                // The client encoded the mount point differently (such as %61pi for api): strip it
                // from the decoded path and encode the rest again.
                String rest = decodedPath.length() <= m ? "/" : decodedPath.substring(m);
                path = URIUtil.encodePath(rest);
            }
        }
        return rawQuery == null ? path : path + '?' + rawQuery;
    }

    /**
     * Whether a backend response header replaces the proxy's own instead of being added next to it:
     * Jetty puts its {@code Date} (and, when configured, {@code Server}) on every response before a
     * handler runs, and a response may carry only one of each.
     *
     * @param header the header
     * @return the boolean
     */
    public static boolean isSingleServerHeader(HttpHeader header) {
        return header == HttpHeader.DATE || header == HttpHeader.SERVER;
    }
}
