package dev.jlb.jetty;

import java.util.Locale;

/**
 * The protocol the adapters speak to a route's backends ({@link ProxyOptions#backendProtocol()}).
 *
 * <p>Clients are independent of it: an HTTP/1.1 client may reach an HTTP/2 backend and the
 * reverse, except for what only HTTP/2 carries end to end (gRPC needs an HTTP/2 client and an
 * {@link #H2C} or {@link #H2} backend, since its status travels in response trailers).
 */
public enum BackendProtocol {

    /** HTTP/1.1, one request at a time per connection (the default). */
    HTTP1("http1"),

    /**
     * HTTP/2 in clear text with prior knowledge ({@code http://} backends): one multiplexed connection
     * pool per backend, each connection carrying at most {@link ProxyOptions#maxStreamsPerConnection()}
     * concurrent requests (streams). What gRPC servers on a plain port speak.
     */
    H2C("h2c"),

    /**
     * HTTP/2 over TLS ({@code https://} backends), negotiated with ALPN; a backend that does not offer
     * {@code h2} is spoken to in HTTP/1.1. Pooled as {@link #H2C}.
     */
    H2("h2");

    private final String configName;

    BackendProtocol(String configName) {
        this.configName = configName;
    }

    /** {@return the name in configuration files: {@code http1}, {@code h2c} or {@code h2}} */
    public String configName() {
        return configName;
    }

    /** {@return whether requests are multiplexed as HTTP/2 streams} */
    public boolean isHttp2() {
        return this != HTTP1;
    }

    /**
     * The protocol of a configuration name, ignoring case.
     *
     * @param name the name
     * @return the protocol of a configuration name, ignoring case
     * @throws IllegalArgumentException naming the value and the names expected
     */
    public static BackendProtocol of(String name) {
        String lower = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (BackendProtocol p : values()) {
            if (p.configName.equals(lower)) {
                return p;
            }
        }
        throw new IllegalArgumentException("protocol: " + name + " (expected: http1, h2c or h2)");
    }

    @Override
    public String toString() {
        return configName;
    }
}
