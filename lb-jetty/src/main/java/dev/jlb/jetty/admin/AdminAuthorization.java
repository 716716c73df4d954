package dev.jlb.jetty.admin;

import static dev.jlb.jetty.admin.AdminFailure.abbreviate;

import dev.jlb.jetty.internal.Loopback;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Objects;

/**
 * Who may call the admin API, as {@link AdminOptions} configures it: the {@code Host} check (421,
 * against DNS rebinding), for a change the {@code Origin} check and the refusal of browsers when no
 * token is configured (403), then the bearer token (401) or, without one, a loopback client (403).
 * Reads are checked only for their {@code Host} unless {@link AdminOptions#protectReads()}.
 *
 * <p>Immutable over immutable options; safe on any thread.
 */
final class AdminAuthorization {

    private final AdminOptions options;

    AdminAuthorization(AdminOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Refuses {@code request} (an {@link AdminFailure}) unless it may read, or {@code mutating}, change. */
    void authorize(HttpServletRequest request, boolean mutating) {
        checkHost(request, options);
        if (mutating) {
            String origin = request.getHeader("Origin");
            if (origin != null && !sameOrigin(origin, request)) {
                throw new AdminFailure(403, "origin: " + abbreviate(origin) + " (expected: none, or this server's own)");
            }
            if (!options.hasBearerToken()) {
                String browser = browserHeader(request);
                if (browser != null) {
                    throw new AdminFailure(403, browser + " (expected: no request from a browser, or a bearer token"
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
                throw new AdminFailure(401, "authorization: " + (header == null ? "missing" : "not a bearer token")
                        + " (expected: Bearer <token>)", null, null);
            }
            if (!options.isBearerToken(header.substring(7).trim())) {
                throw new AdminFailure(401, "authorization: wrong token (expected: the configured bearer token)", null,
                        "invalid_token");
            }
            return;
        }
        if (!Loopback.isLoopback(request.getRemoteAddr())) {
            throw new AdminFailure(403, "client: " + request.getRemoteAddr()
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
            throw new AdminFailure(421, "host: " + abbreviate(host) + " (expected: localhost, a loopback address, "
                    + request.getLocalAddr() + " (this listener's)"
                    + (options.allowedHosts().isEmpty() ? "" : " or one of " + options.allowedHosts()) + ")");
        }
    }

    /**
     * The first header that only browsers send ({@code Origin}, {@code Sec-Fetch-*}) as
     * {@code name: value}; or null.
     */
    private static String browserHeader(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        if (origin != null) {
            return "origin: " + abbreviate(origin);
        }
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
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
}
