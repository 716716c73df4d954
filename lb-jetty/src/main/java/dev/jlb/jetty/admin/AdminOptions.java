package dev.jlb.jetty.admin;

import dev.jlb.DurationFormat;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
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
 *   <li>A mutating call with an {@code Origin} header other than the servlet's own origin gets 403,
 *       so a web page in a browser cannot drive the API of a balancer on the same machine.</li>
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

    private AdminOptions(Builder builder) {
        this.tokenDigest = builder.token == null ? null : sha256(builder.token);
        this.protectReads = builder.protectReads;
        this.window = builder.window;
        this.pageRefreshSeconds = builder.pageRefreshSeconds;
    }

    /** The defaults: no token (mutations from loopback only), open reads, a 10 s window, a page refreshed every 2 s. */
    public static AdminOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether a bearer token is configured. */
    public boolean hasBearerToken() {
        return tokenDigest != null;
    }

    /**
     * Whether {@code presented} is the configured token. Constant time whatever the two values: both
     * are hashed with SHA-256 and the digests compared with {@link MessageDigest#isEqual}. False when
     * no token is configured or {@code presented} is null.
     */
    public boolean isBearerToken(String presented) {
        if (tokenDigest == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(presented));
    }

    /** Whether reads need the token too (default false). */
    public boolean protectReads() {
        return protectReads;
    }

    /** The window of the recent figures (default 10 s). */
    public Duration window() {
        return window;
    }

    /** How often the status page reloads itself, in seconds (default 2). */
    public int pageRefreshSeconds() {
        return pageRefreshSeconds;
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
                + ", window=" + DurationFormat.format(window) + ", pageRefreshSeconds=" + pageRefreshSeconds + '}';
    }

    /** Builds {@link AdminOptions}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private String token;
        private boolean protectReads;
        private Duration window = DEFAULT_WINDOW;
        private int pageRefreshSeconds = DEFAULT_PAGE_REFRESH_SECONDS;

        Builder() {
        }

        /**
         * The bearer token that mutating calls must present (default none: mutations from loopback
         * only). At least 16 characters of visible ASCII.
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

        /** Whether reads (the JSON API's GETs and the status page) need the token too (default false). */
        public Builder protectReads(boolean protectReads) {
            this.protectReads = protectReads;
            return this;
        }

        /** The window of req/s, error rate and p99 (default 10 s). */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window: " + DurationFormat.format(window) + " (expected: > 0)");
            }
            this.window = window;
            return this;
        }

        /** How often the status page reloads itself, in seconds (default 2; 0 never). */
        public Builder pageRefreshSeconds(int seconds) {
            if (seconds < 0) {
                throw new IllegalArgumentException("pageRefreshSeconds: " + seconds + " (expected: >= 0)");
            }
            this.pageRefreshSeconds = seconds;
            return this;
        }

        /**
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
