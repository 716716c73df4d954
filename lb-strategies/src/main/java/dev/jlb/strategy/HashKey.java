package dev.jlb.strategy;

import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.internal.Cookies;
import dev.jlb.internal.HttpTokens;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the {@code consistent-hash} strategy finds a request's key: a header, a cookie, the client
 * address or the path. Written in configuration files as {@code header:<name>},
 * {@code cookie:<name>}, {@code client} or {@code path} (see {@link #parse(String)}).
 *
 * <p>Whatever the source, a non-null {@link RequestContext#affinityKey()} (set by an adapter, for
 * example from a sticky-session cookie) takes precedence over it. An empty value counts as missing.
 *
 * <p>Immutable and thread-safe; {@link #toString()} gives the configuration form.
 */
public final class HashKey {

    private static final String EXPECTED = " (expected: header:<name>, cookie:<name>, client or path)";
    private static final HashKey CLIENT = new HashKey(Kind.CLIENT, null);
    private static final HashKey PATH = new HashKey(Kind.PATH, null);

    enum Kind { HEADER, COOKIE, CLIENT, PATH }

    private final Kind kind;
    /** The header or cookie name as given; null for CLIENT and PATH. */
    private final String name;
    /**
     * The name to look up: lower case for a header, so that contexts which lower-case names to
     * compare them (as {@link RequestContext#builder()}'s does) find it without allocating.
     */
    private final String lookupName;

    private HashKey(Kind kind, String name) {
        this.kind = kind;
        this.name = name;
        this.lookupName = kind == Kind.HEADER ? name.toLowerCase(Locale.ROOT) : name;
    }

    /**
     * The first value of a request header, such as {@code X-User-Id}; names are case-insensitive.
     *
     * @param name the name
     * @return the first value of a request header, such as {@code X-User-Id}
     * @throws IllegalArgumentException when {@code name} is not an HTTP token
     */
    public static HashKey header(String name) {
        Objects.requireNonNull(name, "name");
        if (!HttpTokens.isToken(name)) {
            throw new IllegalArgumentException("header: \"" + name + "\" (expected: a header name, an HTTP token)");
        }
        return new HashKey(Kind.HEADER, name);
    }

    /**
     * The value of a cookie, such as {@code SESSION}, from the request's {@code Cookie} header;
     * names are case-sensitive, surrounding double quotes are removed from the value.
     *
     * @param name the name
     * @return the value of a cookie, such as {@code SESSION}, from the request's {@code Cookie} header
     * @throws IllegalArgumentException when {@code name} is not an HTTP token
     */
    public static HashKey cookie(String name) {
        Objects.requireNonNull(name, "name");
        if (!HttpTokens.isToken(name)) {
            throw new IllegalArgumentException("cookie: \"" + name + "\" (expected: a cookie name, an HTTP token)");
        }
        return new HashKey(Kind.COOKIE, name);
    }

    /** {@return the client's IP address ({@link RequestContext#clientAddress()})} */
    public static HashKey clientAddress() {
        return CLIENT;
    }

    /** {@return the request path without query ({@link RequestContext#path()})} */
    public static HashKey path() {
        return PATH;
    }

    /**
     * Parses the configuration form: {@code header:<name>}, {@code cookie:<name>}, {@code client}
     * or {@code path}. The words before the colon are case-insensitive; surrounding blanks are
     * ignored.
     *
     * @param spec the spec
     * @return the hash key
     * @throws IllegalArgumentException {@code key: <spec> (expected: header:<name>, cookie:<name>, client or path)}
     */
    public static HashKey parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String trimmed = spec.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.equals("client")) {
            return CLIENT;
        }
        if (lower.equals("path")) {
            return PATH;
        }
        int colon = trimmed.indexOf(':');
        if (colon > 0) {
            String kind = lower.substring(0, colon).trim();
            String name = trimmed.substring(colon + 1).trim();
            if (HttpTokens.isToken(name)) {
                if (kind.equals("header")) {
                    return new HashKey(Kind.HEADER, name);
                }
                if (kind.equals("cookie")) {
                    return new HashKey(Kind.COOKIE, name);
                }
            }
        }
        throw new IllegalArgumentException("key: " + spec + EXPECTED);
    }

    Kind kind() {
        return kind;
    }

    /**
     * The request's key hashed with {@link XxHash64}, the affinity key first; when the request has
     * no key, a random value (a random point of the ring).
     */
    long hash(RequestContext context, RandomSource random) {
        String affinityKey = context.affinityKey();
        if (affinityKey != null && !affinityKey.isEmpty()) {
            return XxHash64.hash(affinityKey, 0);
        }
        String value;
        switch (kind) {
            case HEADER:
                value = context.header(lookupName);
                break;
            case COOKIE:
                value = context.header("cookie");
                if (value != null) {
                    return cookieHash(value, random);
                }
                break;
            case CLIENT:
                value = context.clientAddress();
                break;
            default:
                value = context.path();
        }
        return value == null || value.isEmpty() ? random.nextLong() : XxHash64.hash(value, 0);
    }

    /** Finds this cookie in a {@code Cookie} header ({@code a=1; b="2"}) and hashes its value in place. */
    private long cookieHash(String header, RandomSource random) {
        int valueStart = Cookies.find(header, name, 0);
        if (valueStart < 0) {
            return random.nextLong();
        }
        int from = Cookies.valueFrom(header, valueStart);
        int to = Cookies.valueTo(header, valueStart);
        return to > from ? XxHash64.hash(header, from, to, 0) : random.nextLong();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HashKey)) {
            return false;
        }
        HashKey that = (HashKey) o;
        return kind == that.kind && Objects.equals(lookupName, that.lookupName);
    }

    @Override
    public int hashCode() {
        return kind.ordinal() * 31 + Objects.hashCode(lookupName);
    }

    @Override
    public String toString() {
        switch (kind) {
            case HEADER:
                return "header:" + name;
            case COOKIE:
                return "cookie:" + name;
            case CLIENT:
                return "client";
            default:
                return "path";
        }
    }
}
