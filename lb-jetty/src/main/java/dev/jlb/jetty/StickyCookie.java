package dev.jlb.jetty;

import dev.jlb.DurationFormat;
import dev.jlb.internal.HttpTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.http.HttpCookie;

/**
 * Sticky sessions by cookie (cookie affinity): how the Jetty adapters keep a client on the backend
 * that answered it first. Off by default ({@link #disabled()}); turn it on with
 * {@link ProxyOptions.Builder#stickyCookie(StickyCookie)}:
 *
 * <pre>{@code
 * ProxyOptions options = ProxyOptions.builder()
 *         .stickyCookie(StickyCookie.builder().name("SRV").secret(System.getenv("JLB_STICKY_SECRET")).build())
 *         .build();
 * }</pre>
 *
 * <h2>What happens</h2>
 * <ul>
 *   <li>The first response a client gets from a backend carries {@code Set-Cookie: <name>=<token>}
 *       with {@code Path} = the route's mount point ({@code /} for everything), {@code HttpOnly},
 *       {@code SameSite} ({@code Lax} by default), {@code Secure} when the client's request was
 *       HTTPS, and {@code Max-Age} when one is set (a session cookie otherwise).</li>
 *   <li>A later request with that cookie goes to the same backend while it is eligible, whatever
 *       the strategy would pick ({@link dev.jlb.LoadBalancer#selectPreferring}). The cookie is not
 *       set again while the client holds the right one.</li>
 *   <li>When that backend is gone (removed), unhealthy, ejected or drained, the strategy picks
 *       another one and the response re-issues the cookie for it: no error, no extra round trip.
 *       When an attempt fails and the request is retried on another backend, the cookie names the
 *       backend whose response the client got.</li>
 *   <li>A cookie value that is not a token of a current backend (tampered, forged, from another
 *       secret, of a removed backend) is ignored: the request is balanced as if it had none, and
 *       the response sets a valid cookie.</li>
 * </ul>
 *
 * <h2>Tokens</h2>
 * A token is the unpadded base64url form of the first 16 bytes of HMAC-SHA256(secret,
 * {@code "jlb-sticky:" + backend id}) (22 characters). It never contains the backend's address,
 * and without the secret nobody can make the token of a backend: a client can only present tokens
 * jlb issued, each of which names a member of the pool. jlb maps tokens back to backends with a
 * table rebuilt on pool changes, never by decoding the cookie. Several jlb instances with the same
 * {@link Builder#secret(String) secret} and backends issue and accept the same tokens, so a client
 * keeps its backend whichever instance it reaches.
 * Without a secret, each process draws a random one at start: cookies then do not survive a restart
 * and do not move between instances. To change the secret without breaking sessions, configure the
 * new one as {@link Builder#secret(String) secret} and the old one as a
 * {@link Builder#fallbackSecrets(String...) fallback secret}: cookies made with the old one are
 * still honoured and replaced by new ones on the next response.
 *
 * <h2>Forwarding</h2>
 * The cookie is jlb's own: by default it is removed from the {@code Cookie} header sent to
 * backends (other cookies pass unchanged), like HAProxy's {@code indirect} cookies;
 * {@link Builder#forwardToBackends(boolean) forwardToBackends(true)} passes it on.
 *
 * <h2>With hash affinity</h2>
 * A valid cookie wins while its backend is eligible; otherwise the strategy picks (the
 * {@code consistent-hash} strategy by its own key) and the cookie is set for its pick. The adapters
 * do not set {@link dev.jlb.RequestContext#affinityKey()}: the token would add nothing as a hash key
 * and would override the key the strategy is configured with.
 *
 * <p>Immutable and thread-safe.
 */
public final class StickyCookie {

    /** The cookie name by default. */
    public static final String DEFAULT_NAME = "JLB_STICKY";

    /** The {@code SameSite} attribute by default. */
    public static final HttpCookie.SameSite DEFAULT_SAME_SITE = HttpCookie.SameSite.LAX;

    /** Whether the cookie reaches backends, by default. */
    public static final boolean DEFAULT_FORWARD_TO_BACKENDS = false;

    /** The shortest secret accepted, in bytes. */
    public static final int MIN_SECRET_BYTES = 16;

    private static final StickyCookie DISABLED = new StickyCookie(false, new Builder());

    private final boolean enabled;
    private final String name;
    private final byte[] secret;
    private final List<byte[]> fallbackSecrets;
    private final HttpCookie.SameSite sameSite;
    private final Duration maxAge;
    private final String path;
    private final String domain;
    private final boolean forwardToBackends;

    private StickyCookie(boolean enabled, Builder b) {
        this.enabled = enabled;
        this.name = b.name;
        this.secret = b.secret;
        this.fallbackSecrets = b.fallbackSecrets;
        this.sameSite = b.sameSite;
        this.maxAge = b.maxAge;
        this.path = b.path;
        this.domain = b.domain;
        this.forwardToBackends = b.forwardToBackends;
    }

    /** {@return no sticky sessions: the default of {@link ProxyOptions}} */
    public static StickyCookie disabled() {
        return DISABLED;
    }

    /**
     * A builder starting from the defaults; {@link Builder#build()} gives an enabled sticky cookie.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return whether sticky sessions are on} */
    public boolean isEnabled() {
        return enabled;
    }

    /** {@return the cookie name (default {@value #DEFAULT_NAME})} */
    public String name() {
        return name;
    }

    /** {@return whether a secret was configured; without one, each process uses a random secret of its own} */
    public boolean hasSecret() {
        return secret != null;
    }

    /** The configured secret (a copy), or null when none was (a random one per process then). */
    byte[] secret() {
        return secret == null ? null : secret.clone();
    }

    /** The secrets still accepted for verification but no longer used for new cookies (copies). */
    List<byte[]> fallbackSecrets() {
        List<byte[]> copies = new ArrayList<>(fallbackSecrets.size());
        for (byte[] s : fallbackSecrets) {
            copies.add(s.clone());
        }
        return copies;
    }

    /** {@return how many fallback secrets are configured} */
    public int fallbackSecretCount() {
        return fallbackSecrets.size();
    }

    /** {@return the {@code SameSite} attribute (default {@code Lax})} */
    public HttpCookie.SameSite sameSite() {
        return sameSite;
    }

    /** {@return the {@code Max-Age}, or null for a session cookie (the default)} */
    public Duration maxAge() {
        return maxAge;
    }

    /** {@return the {@code Path} attribute, or null (the default) for the route's mount point} */
    public String path() {
        return path;
    }

    /**
     * {@return the {@code Domain} attribute, or null (the default) for none: the cookie goes back to this host only}
     */
    public String domain() {
        return domain;
    }

    /**
     * {@return whether backends receive the cookie in the {@code Cookie} header (default {@value #DEFAULT_FORWARD_TO_BACKENDS})}
     */
    public boolean forwardToBackends() {
        return forwardToBackends;
    }

    /** Equal when every setting is equal, secrets compared by content. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof StickyCookie)) {
            return false;
        }
        StickyCookie that = (StickyCookie) o;
        if (enabled != that.enabled || forwardToBackends != that.forwardToBackends || !name.equals(that.name)
                || sameSite != that.sameSite || !Objects.equals(maxAge, that.maxAge)
                || !Objects.equals(path, that.path) || !Objects.equals(domain, that.domain)
                || !Arrays.equals(secret, that.secret) || fallbackSecrets.size() != that.fallbackSecrets.size()) {
            return false;
        }
        for (int i = 0; i < fallbackSecrets.size(); i++) {
            if (!Arrays.equals(fallbackSecrets.get(i), that.fallbackSecrets.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, name, Arrays.hashCode(secret), fallbackSecrets.size(), sameSite, maxAge, path,
                domain, forwardToBackends);
    }

    /** The settings; secrets are never shown, only whether one is configured. */
    @Override
    public String toString() {
        if (!enabled) {
            return "StickyCookie{disabled}";
        }
        return "StickyCookie{name=" + name + ", secret=" + (secret == null ? "random per process" : "configured")
                + (fallbackSecrets.isEmpty() ? "" : ", fallbackSecrets=" + fallbackSecrets.size()) + ", sameSite="
                + sameSite.getAttributeValue() + ", maxAge=" + (maxAge == null ? "session" : DurationFormat.format(maxAge)) + ", path="
                + (path == null ? "(mount point)" : path) + (domain == null ? "" : ", domain=" + domain)
                + ", forwardToBackends=" + forwardToBackends + '}';
    }

    /**
     * Builds a {@link StickyCookie}. Each setter validates its argument at once with a message
     * {@code "<name>: <value> (expected: <constraint>)"} (a secret's message gives its length, never
     * its value). Not thread-safe.
     */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private byte[] secret;
        private List<byte[]> fallbackSecrets = List.of();
        private HttpCookie.SameSite sameSite = DEFAULT_SAME_SITE;
        private Duration maxAge;
        private String path;
        private String domain;
        private boolean forwardToBackends = DEFAULT_FORWARD_TO_BACKENDS;

        Builder() {
        }

        /**
         * The cookie name (default {@value #DEFAULT_NAME}).
         *
         * @param name the name
         * @return this builder
         * @throws IllegalArgumentException unless it is an HTTP token (letters, digits and
         * {@code !#$%&'*+-.^_`|~})
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (!HttpTokens.isToken(name)) {
                throw new IllegalArgumentException("name: \"" + name + "\" (expected: a cookie name, an HTTP token)");
            }
            this.name = name;
            return this;
        }

        /**
         * The secret that signs tokens, as UTF-8 bytes (default: none, a random secret per process).
         * Give every jlb instance that should honour the same cookies the same secret; keep it out of
         * source code (an environment variable, a secret store).
         *
         * @param secret the secret
         * @return this builder
         * @throws IllegalArgumentException unless it is at least {@value #MIN_SECRET_BYTES} bytes long
         */
        public Builder secret(String secret) {
            Objects.requireNonNull(secret, "secret");
            return secret(secret.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * The secret as bytes (copied); see {@link #secret(String)}.
         *
         * @param secret the secret
         * @return this builder
         * @throws IllegalArgumentException unless it is at least {@value #MIN_SECRET_BYTES} bytes long
         */
        public Builder secret(byte[] secret) {
            this.secret = checkSecret("secret", secret);
            return this;
        }

        /**
         * Earlier secrets (UTF-8), still accepted to recognize cookies but never used for new ones
         * (default none): a client holding such a cookie keeps its backend and gets a new cookie
         * with the current secret. Replaces any earlier list.
         *
         * @param secrets the secrets
         * @return this builder
         * @throws IllegalArgumentException unless each is at least {@value #MIN_SECRET_BYTES} bytes long
         */
        public Builder fallbackSecrets(String... secrets) {
            Objects.requireNonNull(secrets, "secrets");
            List<byte[]> list = new ArrayList<>(secrets.length);
            for (String s : secrets) {
                list.add(checkSecret("fallbackSecret", Objects.requireNonNull(s, "fallbackSecret")
                        .getBytes(StandardCharsets.UTF_8)));
            }
            this.fallbackSecrets = List.copyOf(list);
            return this;
        }

        private static byte[] checkSecret(String what, byte[] secret) {
            Objects.requireNonNull(secret, what);
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(what + " length: " + secret.length + " bytes (expected: >= "
                        + MIN_SECRET_BYTES + " bytes)");
            }
            return secret.clone();
        }

        /**
         * The {@code SameSite} attribute (default {@code Lax}). {@code None} makes browsers send the
         * cookie on cross-site requests too, and they accept it only with {@code Secure}, that is,
         * when clients reach jlb over HTTPS.
         *
         * @param sameSite the same site
         * @return this builder
         */
        public Builder sameSite(HttpCookie.SameSite sameSite) {
            this.sameSite = Objects.requireNonNull(sameSite, "sameSite");
            return this;
        }

        /**
         * The {@code Max-Age} (default: none, a session cookie that the browser drops when it
         * closes), in whole seconds; {@code null} restores the default.
         *
         * @param maxAge the max age
         * @return this builder
         * @throws IllegalArgumentException unless at least one second
         */
        public Builder maxAge(Duration maxAge) {
            if (maxAge != null && maxAge.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("maxAge: " + DurationFormat.format(maxAge) + " (expected: >= 1s)");
            }
            this.maxAge = maxAge;
            return this;
        }

        /**
         * The {@code Path} attribute (default: the route's mount point, such as {@code /api}, or
         * {@code /}); {@code null} restores the default. A path wider than the mount point, such as
         * {@code /}, lets several routes that balance over the same backends share one cookie.
         *
         * @param path the path
         * @return this builder
         * @throws IllegalArgumentException unless it starts with {@code /} and holds only visible
         * ASCII characters other than {@code ;}
         */
        public Builder path(String path) {
            if (path != null && (!path.startsWith("/") || !isAttributeValue(path))) {
                throw new IllegalArgumentException("path: \"" + path
                        + "\" (expected: starting with / and only visible ASCII characters other than ;)");
            }
            this.path = path;
            return this;
        }

        /**
         * The {@code Domain} attribute, such as {@code example.com} to send the cookie to its
         * subdomains as well (default: none, this host only); {@code null} restores the default.
         *
         * @param domain the domain
         * @return this builder
         * @throws IllegalArgumentException unless it is a host name (letters, digits, {@code -} and
         * {@code .}, optionally with a leading {@code .})
         */
        public Builder domain(String domain) {
            if (domain != null && !isDomain(domain)) {
                throw new IllegalArgumentException("domain: \"" + domain + "\" (expected: a host name such as example.com)");
            }
            this.domain = domain;
            return this;
        }

        /**
         * Whether backends receive the cookie (default {@value #DEFAULT_FORWARD_TO_BACKENDS}: it is removed).
         *
         * @param forwardToBackends the forward to backends
         * @return this builder
         */
        public Builder forwardToBackends(boolean forwardToBackends) {
            this.forwardToBackends = forwardToBackends;
            return this;
        }

        /** {@return an enabled sticky cookie with these settings} */
        public StickyCookie build() {
            return new StickyCookie(true, this);
        }

        @Override
        public String toString() {
            return "StickyCookie.Builder" + build().toString().substring("StickyCookie".length());
        }

        private static boolean isAttributeValue(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c <= 0x20 || c >= 0x7f || c == ';') {
                    return false;
                }
            }
            return true;
        }

        private static boolean isDomain(String s) {
            String d = s.startsWith(".") ? s.substring(1) : s;
            if (d.isEmpty() || d.startsWith(".") || d.endsWith(".") || d.contains("..") || d.length() > 253) {
                return false;
            }
            for (int i = 0; i < d.length(); i++) {
                char c = d.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                        || c == '.')) {
                    return false;
                }
            }
            return true;
        }
    }
}
