package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.Pool;
import dev.jlb.PoolEvent;
import dev.jlb.PoolListener;
import dev.jlb.internal.Cookies;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sticky-cookie machinery of one adapter (see {@link StickyCookie}): the token of each backend,
 * the table that maps tokens back to backends, and the {@code Cookie}/{@code Set-Cookie} text.
 *
 * <p>A token is the unpadded base64url form of the first {@value #TOKEN_BYTES} bytes of
 * HMAC-SHA256(secret, {@code "jlb-sticky:" + backend id}). The table holds, for each member of the
 * pool, its token under the current secret and under each fallback secret. It is rebuilt on every
 * membership or weight change (a {@link PoolListener}) and published through one volatile field;
 * the request path only reads it. Tokens of backends that stay in the pool are reused, so a rebuild
 * computes HMACs only for new members.
 *
 * <p>Thread-safe: {@link #find}, {@link #withoutCookie} and {@link #setCookie} run on request
 * threads without locking; {@link #start}, {@link #stop} and rebuilds serialize on this object.
 * Public for lb-jetty's engine package only: not API, may change.
 */
public final class StickyTokens {

    private static final Logger LOG = LoggerFactory.getLogger(StickyTokens.class);

    /** Bytes of the HMAC kept in a token: 128 bits, 22 base64url characters. */
    static final int TOKEN_BYTES = 16;

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] CONTEXT = "jlb-sticky:".getBytes(StandardCharsets.US_ASCII);
    private static final Table EMPTY = new Table(Map.of(), Map.of(), Map.of());

    /** A backend's token under one secret. Immutable. */
    public static final class Entry {
        /** The pool's own instance (the one a selection returns), so that the core finds it by reference. */
        public final Backend backend;
        final String token;
        /** Whether the token is made with the current secret (false: a fallback secret's). */
        final boolean current;
        /** {@code name=token}, the start of a {@code Set-Cookie} value. */
        final String cookiePair;

        Entry(Backend backend, String token, boolean current, String cookiePair) {
            this.backend = backend;
            this.token = token;
            this.current = current;
            this.cookiePair = cookiePair;
        }

        @Override
        public String toString() {
            return "StickyTokens.Entry{" + backend.id() + (current ? "" : ", fallback secret") + '}';
        }
    }

    /** One published table. Immutable. */
    private static final class Table {
        final Map<String, Entry> byToken;
        /** Current-secret entries by backend identity. */
        final Map<Backend, Entry> byBackend;
        /** Every token of a backend id (current first): reused by the next rebuild. */
        final Map<String, String[]> tokensById;

        Table(Map<String, Entry> byToken, Map<Backend, Entry> byBackend, Map<String, String[]> tokensById) {
            this.byToken = byToken;
            this.byBackend = byBackend;
            this.tokensById = tokensById;
        }
    }

    /** A random secret drawn once per process, for adapters configured without one. */
    private static final class ProcessSecret {
        static final byte[] VALUE = new byte[32];

        static {
            new SecureRandom().nextBytes(VALUE);
        }
    }

    private final StickyCookie options;
    private final String name;
    /** The current secret first, then the fallback secrets. */
    private final List<byte[]> secrets;
    /** The attributes after {@code Path}: {@code Domain}, {@code Max-Age}; then Secure, HttpOnly, SameSite follow. */
    private final String fixedAttributes;
    private final String sameSiteAttribute;
    private final PoolListener listener = this::onEvent;

    private volatile Table table = EMPTY;
    // Guarded by this.
    private Pool pool;
    private AutoCloseable registration;

    /**
     * Creates the signer of sticky cookie values.
     *
     * @param options the sticky cookie settings (name, signing key)
     */
    public StickyTokens(StickyCookie options) {
        if (!options.isEnabled()) {
            throw new IllegalArgumentException("stickyCookie: " + options + " (expected: enabled)");
        }
        this.options = options;
        this.name = options.name();
        List<byte[]> all = new ArrayList<>();
        byte[] secret = options.secret();
        all.add(secret != null ? secret : ProcessSecret.VALUE);
        all.addAll(options.fallbackSecrets());
        this.secrets = List.copyOf(all);
        StringBuilder attributes = new StringBuilder();
        if (options.domain() != null) {
            attributes.append("; Domain=").append(options.domain());
        }
        if (options.maxAge() != null) {
            attributes.append("; Max-Age=").append(options.maxAge().getSeconds());
        }
        this.fixedAttributes = attributes.toString();
        this.sameSiteAttribute = "; SameSite=" + options.sameSite().getAttributeValue();
    }

    /** {@return the sticky cookie settings} */
    public StickyCookie options() {
        return options;
    }

    /**
     * Follows {@code pool}: builds the table now and again on every membership or weight change.
     *
     * @param pool the pool
     */
    public synchronized void start(Pool pool) {
        stop();
        this.pool = pool;
        // Listen first, then build: a change between the two is seen by one of them.
        this.registration = pool.addListener(listener);
        rebuild();
    }

    /** Stops following the pool; the table stays as it is (requests still in flight may use it). */
    public synchronized void stop() {
        AutoCloseable r = registration;
        registration = null;
        pool = null;
        if (r != null) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.debug("jlb: removing the sticky-cookie pool listener failed", e);
            }
        }
    }

    private void onEvent(PoolEvent event) {
        switch (event.type()) {
            case ADDED:
            case REMOVED:
            case WEIGHT_CHANGED:
                rebuild();
                break;
            default:
                // States decide eligibility, which the load balancer checks on each selection.
        }
    }

    /** Rebuilds the table from the pool's current members. */
    synchronized void rebuild() {
        Pool p = pool;
        if (p == null) {
            return;
        }
        List<Backend> members = p.backends();
        Table old = table;
        Map<String, Entry> byToken = new HashMap<>(members.size() * secrets.size() * 2);
        Map<Backend, Entry> byBackend = new HashMap<>(members.size() * 2);
        Map<String, String[]> tokensById = new HashMap<>(members.size() * 2);
        Mac[] macs = null;
        for (Backend backend : members) {
            String[] tokens = old.tokensById.get(backend.id());
            if (tokens == null) {
                if (macs == null) {
                    macs = newMacs();
                }
                tokens = new String[secrets.size()];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = token(macs[i], backend);
                }
            }
            tokensById.put(backend.id(), tokens);
            Entry current = new Entry(backend, tokens[0], true, name + '=' + tokens[0]);
            byBackend.put(backend, current);
            byToken.put(tokens[0], current);
            for (int i = 1; i < tokens.length; i++) {
                byToken.putIfAbsent(tokens[i], new Entry(backend, tokens[i], false, current.cookiePair));
            }
        }
        table = new Table(byToken, byBackend, tokensById);
    }

    /** The current token of {@code backend}, from the table or, for a backend it does not know yet, computed. */
    String token(Backend backend) {
        Entry entry = table.byBackend.get(backend);
        return entry != null ? entry.token : token(newMacs()[0], backend);
    }

    private Mac[] newMacs() {
        Mac[] macs = new Mac[secrets.size()];
        try {
            for (int i = 0; i < macs.length; i++) {
                macs[i] = Mac.getInstance(ALGORITHM);
                macs[i].init(new SecretKeySpec(secrets.get(i), ALGORITHM));
            }
        } catch (GeneralSecurityException e) {
            // Every Java SE implementation must provide HmacSHA256.
            throw new IllegalStateException("jlb: " + ALGORITHM + " is not available", e);
        }
        return macs;
    }

    private static String token(Mac mac, Backend backend) {
        mac.update(CONTEXT);
        byte[] digest = mac.doFinal(backend.id().getBytes(StandardCharsets.UTF_8));
        byte[] truncated = new byte[TOKEN_BYTES];
        System.arraycopy(digest, 0, truncated, 0, TOKEN_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(truncated);
    }

    // ---- Request path ---------------------------------------------------------------------------

    /**
     * The entry of the first cookie named {@link StickyCookie#name()} in one {@code Cookie} header
     * value whose token belongs to a current member, or null. Other cookies, malformed pairs and
     * unknown tokens are skipped.
     *
     * @param cookieHeader the cookie header
     * @return the entry
     */
    public Entry find(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        Map<String, Entry> byToken = table.byToken;
        for (int v = Cookies.find(cookieHeader, name, 0); v >= 0;
                v = Cookies.find(cookieHeader, name, Cookies.pairEnd(cookieHeader, v) + 1)) {
            Entry entry = byToken.get(Cookies.value(cookieHeader, v));
            if (entry != null) {
                return entry;
            }
        }
        return null;
    }

    /**
     * {@code cookieHeader} without the cookies named {@link StickyCookie#name()}: the same instance
     * when it has none, null when nothing else is left, else the other pairs joined by {@code "; "}.
     *
     * @param cookieHeader the cookie header
     * @return the string
     */
    public String withoutCookie(String cookieHeader) {
        return Cookies.without(cookieHeader, name);
    }

    /**
     * The {@code Set-Cookie} value for a response from {@code answered}, or null when the client
     * already holds its current token ({@code held}, from {@link #find}).
     *
     * @param answered the answered
     * @param held the held
     * @param secure whether the client's request was HTTPS
     * @param mountPath the route's mount point (context path and prefix), empty or {@code /} for everything
     * @return the string
     */
    public String setCookie(Backend answered, Entry held, boolean secure, String mountPath) {
        if (held != null && held.current && held.backend.equals(answered)) {
            return null;
        }
        Entry entry = table.byBackend.get(answered);
        String pair = entry != null ? entry.cookiePair : name + '=' + token(answered);
        String path = options.path() != null ? options.path() : cookiePath(mountPath);
        StringBuilder value = new StringBuilder(pair.length() + path.length() + 64)
                .append(pair).append("; Path=").append(path).append(fixedAttributes);
        if (secure) {
            value.append("; Secure");
        }
        return value.append("; HttpOnly").append(sameSiteAttribute).toString();
    }

    /** The {@code Path} attribute for a mount point: {@code /} for none, else the path, encoded where it must be. */
    static String cookiePath(String mountPath) {
        if (mountPath == null || mountPath.isEmpty()) {
            return "/";
        }
        for (int i = 0; i < mountPath.length(); i++) {
            char c = mountPath.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == ';' || c == '"' || c == ',') {
                return URIUtil.encodePath(mountPath);
            }
        }
        return mountPath;
    }

    @Override
    public String toString() {
        return "StickyTokens{" + options + ", backends=" + table.byBackend.size() + '}';
    }
}
