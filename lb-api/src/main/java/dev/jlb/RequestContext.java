package dev.jlb;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a {@link Strategy} may look at when it picks a backend: the request's method, path, headers,
 * the client address and an optional affinity key.
 *
 * <p>Adapters (the Jetty servlet, filter and handler) implement this interface as a thin view of
 * the live request, so building one costs nothing. Every method may be called from the thread that
 * calls {@link LoadBalancer#select(RequestContext)}; none of them may block.
 */
public interface RequestContext {

    /** {@return the HTTP method, such as {@code GET}; empty when unknown} */
    String method();

    /** {@return the request path without query, such as {@code /lb/x}; empty when unknown} */
    String path();

    /**
     * The first value of the named header (case-insensitive), or {@code null}.
     *
     * @param name the name
     * @return the first value of the named header (case-insensitive), or {@code null}
     */
    String header(String name);

    /** {@return the client's IP address as text, or {@code null} when unknown} */
    String clientAddress();

    /**
     * A key that should map to the same backend across requests (a session id, a user id), or
     * {@code null}. Only affinity strategies (consistent hashing) use it. None by default: jlb's
     * adapters set none (sticky sessions use a cookie instead); an embedder that calls
     * {@code select} itself sets one through {@link #builder()}.
     *
     * @return the string
     */
    default String affinityKey() {
        return null;
    }

    /**
     * Where the picker describes its pick, or {@code null}, the default: only a request that asked
     * for its decision to be explained (jlb's adapters: {@code X-Jlb-Explain} from an allowed client)
     * carries one. A picker that finds null must do nothing more for it, so the pick path stays
     * allocation-free.
     *
     * @return the explanation to fill, or {@code null}
     */
    default Explanation explanation() {
        return null;
    }

    /** {@return a context with no request information, for non-HTTP use of the balancer} */
    static RequestContext empty() {
        return SimpleRequestContext.EMPTY;
    }

    /**
     * A context with the given method and path and nothing else.
     *
     * @param method the method
     * @param path the path
     * @return a context with the given method and path and nothing else
     */
    static RequestContext of(String method, String path) {
        return builder().method(method).path(path).build();
    }

    /**
     * A builder for an immutable context, for tests and non-HTTP use.
     *
     * @return a new builder
     */
    static Builder builder() {
        return new Builder();
    }

    /** Builds an immutable {@link RequestContext}. Not thread-safe. */
    final class Builder {
        private String method = "";
        private String path = "";
        private final Map<String, String> headers = new TreeMap<>();
        private String clientAddress;
        private String affinityKey;

        Builder() {
        }

        /**
         * The HTTP method (default empty).
         *
         * @param method the method
         * @return this builder
         */
        public Builder method(String method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * The request path (default empty).
         *
         * @param path the path
         * @return this builder
         */
        public Builder path(String path) {
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * Adds a header; names are case-insensitive, a later value replaces an earlier one.
         *
         * @param name the name
         * @param value the value
         * @return this builder
         */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT),
                    Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * The client address (default none).
         *
         * @param clientAddress the client address
         * @return this builder
         */
        public Builder clientAddress(String clientAddress) {
            this.clientAddress = clientAddress;
            return this;
        }

        /**
         * The affinity key (default none).
         *
         * @param affinityKey the affinity key
         * @return this builder
         */
        public Builder affinityKey(String affinityKey) {
            this.affinityKey = affinityKey;
            return this;
        }

        /** {@return the context with this builder's settings} */
        public RequestContext build() {
            return new SimpleRequestContext(method, path, Map.copyOf(headers), clientAddress, affinityKey);
        }
    }
}

final class SimpleRequestContext implements RequestContext {
    static final SimpleRequestContext EMPTY = new SimpleRequestContext("", "", Map.of(), null, null);

    private final String method;
    private final String path;
    private final Map<String, String> headers;
    private final String clientAddress;
    private final String affinityKey;

    SimpleRequestContext(String method, String path, Map<String, String> headers, String clientAddress,
            String affinityKey) {
        this.method = method;
        this.path = path;
        this.headers = headers;
        this.clientAddress = clientAddress;
        this.affinityKey = affinityKey;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(String name) {
        return headers.isEmpty() ? null : headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String clientAddress() {
        return clientAddress;
    }

    @Override
    public String affinityKey() {
        return affinityKey;
    }

    @Override
    public String toString() {
        return "RequestContext{" + method + ' ' + path + (clientAddress == null ? "" : ", client=" + clientAddress)
                + (affinityKey == null ? "" : ", affinityKey=" + affinityKey) + '}';
    }
}
