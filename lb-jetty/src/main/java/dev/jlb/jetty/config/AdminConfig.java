package dev.jlb.jetty.config;

import dev.jlb.DurationFormat;
import dev.jlb.jetty.admin.AdminOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The admin listener (the {@code admin:} section): the JSON admin API and the status page under
 * {@code /admin/}, and the Prometheus metrics at {@code /metrics}, on a port of their own. Off
 * without the section; with it, on loopback unless {@code address} says otherwise. Immutable;
 * {@link #toString()} never shows the token.
 *
 * @param enabled whether the listener runs (default: true when the section is present)
 * @param address the address to listen on (default {@value #DEFAULT_ADDRESS}: this machine only)
 * @param port the port (default {@value #DEFAULT_PORT}; 0 lets the OS choose)
 * @param bearerToken the token that mutating admin calls must present; null for none (then
 *     mutations are accepted from loopback clients only)
 * @param protectReads whether reads (the API's GETs, the status page, /metrics) need the token too
 * @param window the window of the recent figures on the status page and in the API (default 10s)
 * @param metrics whether {@code /metrics} is served (default true)
 * @param latencyWindow the window of the latency quantiles in {@code /metrics} (default 60s)
 * @param allowedHosts names and addresses accepted in the {@code Host} header besides the listener's
 *     own (default none; see {@link AdminOptions.Builder#allowedHosts})
 * @param allowedBackends the backends that admin calls may add (default empty: any; see
 *     {@link AdminOptions.Builder#allowedBackends})
 */
public record AdminConfig(boolean enabled, String address, int port, String bearerToken, boolean protectReads,
        Duration window, boolean metrics, Duration latencyWindow, List<String> allowedHosts,
        List<String> allowedBackends) {

    /** Loopback only. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    /** Envoy's admin port. */
    public static final int DEFAULT_PORT = 9901;
    /** The default statistics window of the admin API, as {@link AdminOptions#DEFAULT_WINDOW}. */
    public static final Duration DEFAULT_WINDOW = AdminOptions.DEFAULT_WINDOW;
    /** {@link dev.jlb.jetty.metrics.LoadBalancerMetrics}'s default (not referenced: Micrometer is optional). */
    public static final Duration DEFAULT_LATENCY_WINDOW = Duration.ofSeconds(60);

    /** No admin listener: a configuration without the section. */
    public static final AdminConfig DISABLED = new AdminConfig(false, DEFAULT_ADDRESS, DEFAULT_PORT, null, false,
            DEFAULT_WINDOW, true, DEFAULT_LATENCY_WINDOW);

    /** The settings of an {@code admin: {}} section: every default, enabled. */
    public static final AdminConfig DEFAULTS = new AdminConfig(true, DEFAULT_ADDRESS, DEFAULT_PORT, null, false,
            DEFAULT_WINDOW, true, DEFAULT_LATENCY_WINDOW);

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param enabled whether the listener runs (default: true when the section is present)
     * @param address the address to listen on (default {@value #DEFAULT_ADDRESS}: this machine only)
     * @param port the port (default {@value #DEFAULT_PORT}; 0 lets the OS choose)
     * @param bearerToken the token that mutating admin calls must present; null for none (then mutations are accepted from loopback clients only)
     * @param protectReads whether reads (the API's GETs, the status page, /metrics) need the token too
     * @param window the window of the recent figures on the status page and in the API (default 10s)
     * @param metrics whether {@code /metrics} is served (default true)
     * @param latencyWindow the window of the latency quantiles in {@code /metrics} (default 60s)
     * @param allowedHosts names and addresses accepted in the {@code Host} header besides the listener's own (default none; see {@link AdminOptions.Builder#allowedHosts})
     * @param allowedBackends the backends that admin calls may add (default empty: any; see {@link AdminOptions.Builder#allowedBackends})
     */
    public AdminConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(latencyWindow, "latencyWindow");
        allowedHosts = List.copyOf(allowedHosts);
        allowedBackends = List.copyOf(allowedBackends);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }

    /**
     * A configuration without allowed hosts, admitting any backend.
     *
     * @param enabled the enabled
     * @param address the address
     * @param port the port
     * @param bearerToken the bearer token
     * @param protectReads the protect reads
     * @param window the window
     * @param metrics the metrics
     * @param latencyWindow the latency window
     */
    public AdminConfig(boolean enabled, String address, int port, String bearerToken, boolean protectReads,
            Duration window, boolean metrics, Duration latencyWindow) {
        this(enabled, address, port, bearerToken, protectReads, window, metrics, latencyWindow, List.of(), List.of());
    }

    /**
     * This configuration on another port (tests, the demo).
     *
     * @param port the port
     * @return this configuration on another port (tests, the demo)
     */
    public AdminConfig withPort(int port) {
        return new AdminConfig(enabled, address, port, bearerToken, protectReads, window, metrics, latencyWindow,
                allowedHosts, allowedBackends);
    }

    /** {@return the {@link AdminOptions} of the admin servlet} */
    public AdminOptions options() {
        AdminOptions.Builder b = AdminOptions.builder().protectReads(protectReads).window(window)
                .allowedHosts(allowedHosts).allowedBackends(allowedBackends);
        if (bearerToken != null) {
            b.bearerToken(bearerToken);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "AdminConfig[enabled=" + enabled + ", address=" + address + ", port=" + port + ", bearerToken="
                + (bearerToken == null ? "none" : "(set)") + ", protectReads=" + protectReads + ", window="
                + DurationFormat.format(window) + ", metrics=" + metrics + ", latencyWindow="
                + DurationFormat.format(latencyWindow) + ", allowedHosts=" + allowedHosts
                + ", allowedBackends=" + allowedBackends + ']';
    }
}
