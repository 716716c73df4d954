package dev.jlb;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * A server that jlb sends requests to: an immutable value holding the backend's base URI
 * ({@code scheme://host:port}) and its configured weight.
 *
 * <p>Identity (scheme, host, port) decides {@link #equals(Object)} and {@link #hashCode()}; the
 * weight does not, so a pool can hold each backend once and re-weight it in place. Host names are
 * compared case-insensitively and are not resolved ({@code localhost} and {@code 127.0.0.1} are two
 * backends).
 *
 * <p>Weight {@code 0} means "receives no new requests" (a drained backend: requests already in
 * flight finish). Weights are relative: {@code 2} receives twice the share of {@code 1} under the
 * weighted strategies.
 *
 * <p>A backend also names its {@linkplain #source() source}: where it came from ({@code static} for
 * a listed one, {@code dns://api.internal:8080} for one that DNS discovery found). The source is
 * shown by the status page and the admin API; like the weight, it takes no part in identity.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Backend {

    /** The weight of a backend created without one. */
    public static final int DEFAULT_WEIGHT = 1;

    /** The largest weight accepted. */
    public static final int MAX_WEIGHT = 10_000;

    /** The longest host accepted, in characters: the longest DNS name (RFC 1035). */
    public static final int MAX_HOST_LENGTH = 253;

    /** The source of a backend created without one: listed in code, a file or the admin API. */
    public static final String STATIC_SOURCE = "static";

    /** How much of a rejected value an error message shows. */
    private static final int SHOWN = 100;

    private final String scheme;
    private final String host;
    private final int port;
    private final int weight;
    private final String source;
    private final URI uri;
    private final String id;

    private Backend(String scheme, String host, int port, int weight, String source) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.weight = weight;
        this.source = source;
        this.uri = URI.create(scheme + "://" + host + ":" + port);
        this.id = host + ":" + port;
    }

    /**
     * Parses a backend from an absolute {@code http} or {@code https} URI without path, query or
     * fragment, such as {@code http://127.0.0.1:8081}, with weight {@value #DEFAULT_WEIGHT}. A
     * missing port defaults to 80 for http and 443 for https; a host has at most
     * {@value #MAX_HOST_LENGTH} characters.
     *
     * @param uri the uri
     * @return the backend
     * @throws IllegalArgumentException naming the value and what was expected, when the URI is not
     * of that form
     */
    public static Backend of(String uri) {
        return of(uri, DEFAULT_WEIGHT);
    }

    /**
     * Parses a backend as {@link #of(String)} does, with the given weight.
     *
     * @param uri the uri
     * @param weight the weight
     * @return the backend
     * @throws IllegalArgumentException when the URI is malformed or the weight is outside
     * {@code [0, MAX_WEIGHT]}
     */
    public static Backend of(String uri, int weight) {
        Objects.requireNonNull(uri, "uri");
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "uri: " + shown(uri) + " (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
        }
        return of(parsed, weight, uri);
    }

    /**
     * Creates a backend from a URI, as {@link #of(String, int)} does.
     *
     * @param uri the uri
     * @param weight the weight
     * @return the backend
     */
    public static Backend of(URI uri, int weight) {
        Objects.requireNonNull(uri, "uri");
        return of(uri, weight, uri.toString());
    }

    private static Backend of(URI uri, int weight, String uriText) {
        String original = shown(uriText);
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !uri.isAbsolute() || uri.isOpaque()) {
            throw new IllegalArgumentException(
                    "uri: " + original + " (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("uri: " + original + " (expected: scheme http or https)");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            // URI leaves host null for authorities it cannot parse as server-based (bad port, '_').
            throw new IllegalArgumentException("uri: " + original + " (expected: a host and an optional port in 1..65535)");
        }
        if (host.length() > MAX_HOST_LENGTH) {
            throw new IllegalArgumentException("host: " + host.substring(0, 64) + "... (expected: at most "
                    + MAX_HOST_LENGTH + " characters)");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("uri: " + original + " (expected: no user info)");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("uri: " + original + " (expected: no path, query or fragment)");
        }
        int port = uri.getPort();
        if (port == -1) {
            port = scheme.equals("https") ? 443 : 80;
        } else if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("uri: " + original + " (expected: a port in 1..65535)");
        }
        checkWeight(weight);
        return new Backend(scheme, host.toLowerCase(Locale.ROOT), port, weight, STATIC_SOURCE);
    }

    /** A value as error messages show it: at most {@value #SHOWN} characters. */
    private static String shown(String value) {
        return value.length() <= SHOWN ? value : value.substring(0, SHOWN) + "...";
    }

    /**
     * Checks a weight.
     *
     * @param weight the weight
     * @return {@code weight}
     * @throws IllegalArgumentException {@code weight: <w> (expected: >= 0)} or {@code (expected: <= 10000)}
     */
    public static int checkWeight(int weight) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
        }
        if (weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: <= " + MAX_WEIGHT + ")");
        }
        return weight;
    }

    /** {@return the base URI, normalized to {@code scheme://host:port} with an explicit port} */
    public URI uri() {
        return uri;
    }

    /**
     * A short identifier, {@code host:port}, used in logs, metrics tags and the admin API. Two
     * backends of one pool never share an id.
     *
     * @return a short identifier, {@code host:port}, used in logs, metrics tags and the admin API
     */
    public String id() {
        return id;
    }

    /** {@return {@code http} or {@code https}} */
    public String scheme() {
        return scheme;
    }

    /** {@return the host name or address literal as given, lower-cased (IPv6 literals keep their brackets)} */
    public String host() {
        return host;
    }

    /** {@return the port, explicit or defaulted from the scheme} */
    public int port() {
        return port;
    }

    /** {@return the configured weight, in {@code [0, MAX_WEIGHT]}; {@code 0} means drained} */
    public int weight() {
        return weight;
    }

    /**
     * Returns this backend with another weight; returns {@code this} when the weight is unchanged.
     *
     * @param weight the weight
     * @return this backend with another weight
     * @throws IllegalArgumentException when the weight is outside {@code [0, MAX_WEIGHT]}
     */
    public Backend withWeight(int weight) {
        if (weight == this.weight) {
            return this;
        }
        checkWeight(weight);
        return new Backend(scheme, host, port, weight, source);
    }

    /**
     * Where this backend came from: {@value #STATIC_SOURCE}, or the discovery that found it, such as
     * {@code dns://api.internal:8080}.
     *
     * @return the string
     */
    public String source() {
        return source;
    }

    /**
     * Returns this backend with another source; returns {@code this} when the source is unchanged.
     *
     * @param source the source
     * @return this backend with another source
     * @throws IllegalArgumentException when {@code source} is empty
     */
    public Backend withSource(String source) {
        Objects.requireNonNull(source, "source");
        if (source.equals(this.source)) {
            return this;
        }
        if (source.isEmpty()) {
            throw new IllegalArgumentException("source: \"\" (expected: a non-empty name such as dns://api.internal:8080)");
        }
        return new Backend(scheme, host, port, weight, source);
    }

    /**
     * True when {@code other} has the same scheme, host and port, whatever the weights.
     *
     * @param other the other
     * @return true when {@code other} has the same scheme, host and port, whatever the weights
     */
    public boolean sameAs(Backend other) {
        return equals(other);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Backend)) {
            return false;
        }
        Backend that = (Backend) o;
        return port == that.port && host.equals(that.host) && scheme.equals(that.scheme);
    }

    @Override
    public int hashCode() {
        return (scheme.hashCode() * 31 + host.hashCode()) * 31 + port;
    }

    @Override
    public String toString() {
        return "Backend{" + uri + ", weight=" + weight + (source.equals(STATIC_SOURCE) ? "" : ", source=" + source) + '}';
    }
}
