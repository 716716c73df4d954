package dev.jlb.jetty.admin;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Options of the {@link AdminServlet}: who may call it and how its recent figures are computed.
 * Immutable; build with {@link #builder()}.
 *
 * <h2>Security defaults</h2>
 * <ul>
 *   <li>With a {@linkplain Builder#bearerToken(String) bearer token}, every mutating call
 *       ({@code POST}, {@code PUT}, {@code PATCH}, {@code DELETE}) must carry
 *       {@code Authorization: Bearer <token>}; a missing or wrong token gets 401 and changes
 *       nothing. Tokens are compared in constant time.</li>
 *   <li>Without a token, mutating calls are accepted from loopback clients only (403 otherwise).</li>
 *   <li>Reads ({@code GET}: the JSON API and the status page) need no token unless
 *       {@link Builder#protectReads(boolean)} is on.</li>
 *   <li>Every call must name this server in its {@code Host} header: {@code localhost} (or a name
 *       under {@code .localhost}), a loopback address, the address the connection came in on, or one
 *       of the {@linkplain Builder#allowedHosts allowed hosts}; any other gets 421 (Misdirected
 *       Request). A page on {@code evil.example} whose name an attacker rebinds to 127.0.0.1 (DNS
 *       rebinding) is thereby refused: its requests carry {@code Host: evil.example}.</li>
 *   <li>A mutating call with an {@code Origin} header other than the servlet's own origin gets 403,
 *       so a web page in a browser cannot drive the API of a balancer on the same machine.</li>
 *   <li>With {@linkplain Builder#allowedBackends allowed backends}, a call that would add a backend
 *       none of them admits gets 403; without (the default), any address may be added, including
 *       cloud metadata services ({@code 169.254.169.254}) and jlb's own ports.</li>
 *   <li>Without a token, a mutating call from a browser (one with an {@code Origin} or a
 *       {@code Sec-Fetch-*} header) gets 403 even from the servlet's own origin: the page could be
 *       anyone's that reached it. Browsers may change things only with the token.</li>
 * </ul>
 */
public final class AdminOptions {

    /** The window of the recent figures (req/s, error rate, p99), by default. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** How often the status page reloads itself, by default, in seconds. */
    public static final int DEFAULT_PAGE_REFRESH_SECONDS = 2;
    /** The largest request body accepted, in bytes. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private final byte[] tokenDigest;
    private final boolean protectReads;
    private final Duration window;
    private final int pageRefreshSeconds;
    private final List<String> allowedHosts;
    private final List<BackendRule> allowedBackends;

    private AdminOptions(Builder builder) {
        this.tokenDigest = builder.token == null ? null : sha256(builder.token);
        this.protectReads = builder.protectReads;
        this.window = builder.window;
        this.pageRefreshSeconds = builder.pageRefreshSeconds;
        this.allowedHosts = builder.allowedHosts;
        this.allowedBackends = builder.allowedBackends;
    }

    /**
     * {@return the defaults: no token (mutations from loopback only), open reads, a 10 s window, a page refreshed every 2 s}
     */
    public static AdminOptions defaults() {
        return builder().build();
    }

    /** {@return a new builder with every default} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return whether a bearer token is configured} */
    public boolean hasBearerToken() {
        return tokenDigest != null;
    }

    /**
     * Whether {@code presented} is the configured token. Constant time whatever the two values: both
     * are hashed with SHA-256 and the digests compared with {@link MessageDigest#isEqual}. False when
     * no token is configured or {@code presented} is null.
     *
     * @param presented the presented
     * @return whether {@code presented} is the configured token
     */
    public boolean isBearerToken(String presented) {
        if (tokenDigest == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(presented));
    }

    /** {@return whether reads need the token too (default false)} */
    public boolean protectReads() {
        return protectReads;
    }

    /** {@return the window of the recent figures (default 10 s)} */
    public Duration window() {
        return window;
    }

    /** {@return how often the status page reloads itself, in seconds (default 2)} */
    public int pageRefreshSeconds() {
        return pageRefreshSeconds;
    }

    /** {@return the host names and addresses accepted in {@code Host} besides this server's own (default none)} */
    public List<String> allowedHosts() {
        return allowedHosts;
    }

    /** {@return the rules of the backends that calls may add, as given; empty (the default) admits any} */
    public List<String> allowedBackends() {
        return allowedBackends.stream().map(BackendRule::toString).toList();
    }

    /**
     * Whether a call may add {@code backend}: always without allowed backends, else when one admits it.
     *
     * @param backend the backend
     * @return the boolean
     */
    public boolean isAllowedBackend(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        if (allowedBackends.isEmpty()) {
            return true;
        }
        for (BackendRule rule : allowedBackends) {
            if (rule.allows(backend)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a request whose {@code Host} header is {@code host} (null: none) and that came in on the
     * local address {@code localAddress} is meant for this server (see the class comment). Names are
     * never resolved.
     *
     * @param host the host
     * @param localAddress the local address
     * @return the boolean
     */
    public boolean isAllowedHost(String host, String localAddress) {
        if (host == null) {
            return true; // HTTP/1.0 without Host: not a browser
        }
        String name = hostName(host);
        if (name == null) {
            return false;
        }
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            return true; // RFC 6761: resolved to loopback by the client itself, never by DNS
        }
        InetAddress literal = Hosts.literal(name);
        if (literal != null) {
            if (literal.isLoopbackAddress()) {
                return true;
            }
            InetAddress local = localAddress == null ? null : Hosts.literal(localAddress);
            if (literal.equals(local)) {
                return true;
            }
        }
        for (String allowed : allowedHosts) {
            if (allowed.startsWith("*.") ? name.endsWith(allowed.substring(1)) : Hosts.sameHost(allowed, name)) {
                return true;
            }
        }
        return false;
    }

    /** The host of a {@code Host} header value without its port, lower case; null when malformed. */
    static String hostName(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || (end + 1 < h.length() && h.charAt(end + 1) != ':')) {
                return null;
            }
            return h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (h.indexOf(':', colon + 1) >= 0) {
                return null;
            }
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1); // the root label: "localhost." is localhost
        }
        return h.isEmpty() ? null : h;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "AdminOptions{bearerToken=" + (tokenDigest == null ? "none" : "set") + ", protectReads=" + protectReads
                + ", window=" + DurationFormat.format(window) + ", pageRefreshSeconds=" + pageRefreshSeconds
                + (allowedHosts.isEmpty() ? "" : ", allowedHosts=" + allowedHosts)
                + (allowedBackends.isEmpty() ? "" : ", allowedBackends=" + allowedBackends) + '}';
    }

    /** Builds {@link AdminOptions}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private String token;
        private boolean protectReads;
        private Duration window = DEFAULT_WINDOW;
        private int pageRefreshSeconds = DEFAULT_PAGE_REFRESH_SECONDS;
        private List<String> allowedHosts = List.of();
        private List<BackendRule> allowedBackends = List.of();

        Builder() {
        }

        /**
         * The backends that calls may add (by {@code POST} or {@code PUT}): each entry an address or
         * CIDR block ({@code 10.0.0.0/8}, {@code fd00::/8}), a host name ({@code api.internal}) or
         * {@code *.} and a domain, with an optional port or port range ({@code 127.0.0.1:8081-8089},
         * {@code [::1]:8080}). Address entries admit backends given by address, name entries backends
         * given by name (names are never resolved). Empty (the default): any backend.
         *
         * @param rules the rules
         * @return this builder
         */
        public Builder allowedBackends(Collection<String> rules) {
            Objects.requireNonNull(rules, "allowedBackends");
            List<BackendRule> list = new ArrayList<>();
            int i = 0;
            for (String rule : rules) {
                list.add(BackendRule.parse(rule, "allowedBackends[" + i++ + "]"));
            }
            this.allowedBackends = List.copyOf(list);
            return this;
        }

        /**
         * Host names and addresses accepted in requests' {@code Host} header besides this server's
         * own (default none): the names clients use to reach the admin API, such as
         * {@code jlb-1.internal} or {@code *.admin.internal} (any name under it), or the address a
         * port mapping or NAT puts in front of it. Without a port; names are never resolved.
         *
         * @param hosts the hosts
         * @return this builder
         */
        public Builder allowedHosts(Collection<String> hosts) {
            Objects.requireNonNull(hosts, "allowedHosts");
            List<String> list = new ArrayList<>();
            int i = 0;
            for (String host : hosts) {
                String checked = Hosts.pattern(host, "allowedHosts[" + i++ + "]");
                if (!list.contains(checked)) {
                    list.add(checked);
                }
            }
            this.allowedHosts = List.copyOf(list);
            return this;
        }

        /**
         * The bearer token that mutating calls must present (default none: mutations from loopback
         * only). At least 16 characters of visible ASCII.
         *
         * @param token the token
         * @return this builder
         */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token, "bearerToken");
            if (token.length() < 16 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("bearerToken: " + token.length()
                        + " characters (expected: at least 16 visible ASCII characters)");
            }
            this.token = token;
            return this;
        }

        /**
         * Whether reads (the JSON API's GETs and the status page) need the token too (default false).
         *
         * @param protectReads the protect reads
         * @return this builder
         */
        public Builder protectReads(boolean protectReads) {
            this.protectReads = protectReads;
            return this;
        }

        /**
         * The window of req/s, error rate and p99 (default 10 s).
         *
         * @param window the window
         * @return this builder
         */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window: " + DurationFormat.format(window) + " (expected: > 0)");
            }
            this.window = window;
            return this;
        }

        /**
         * How often the status page reloads itself, in seconds (default 2; 0 never).
         *
         * @param seconds the seconds
         * @return this builder
         */
        public Builder pageRefreshSeconds(int seconds) {
            if (seconds < 0) {
                throw new IllegalArgumentException("pageRefreshSeconds: " + seconds + " (expected: >= 0)");
            }
            this.pageRefreshSeconds = seconds;
            return this;
        }

        /**
         *
         * @return the admin options
         * @throws IllegalArgumentException when reads are protected but no token is set
         */
        public AdminOptions build() {
            if (protectReads && token == null) {
                throw new IllegalArgumentException("protectReads: true (expected: a bearerToken to protect them with)");
            }
            return new AdminOptions(this);
        }

        @Override
        public String toString() {
            return "AdminOptions.Builder{bearerToken=" + (token == null ? "none" : "set") + ", protectReads="
                    + protectReads + ", window=" + DurationFormat.format(window) + ", pageRefreshSeconds=" + pageRefreshSeconds + '}';
        }
    }
}
