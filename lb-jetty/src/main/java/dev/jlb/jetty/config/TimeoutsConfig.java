package dev.jlb.jetty.config;

import dev.jlb.jetty.ProxyOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts of a route (the {@code timeouts:} section). Immutable.
 *
 * @param connect how long opening a connection to a backend may take (default 5s)
 * @param attempt how long one attempt may wait for the backend's response headers (default 30s)
 * @param total how long a request may wait for response headers over all its attempts (default 60s)
 * @param idle how long a backend connection may stay silent while an attempt waits or a response
 *     streams (default 30s); once response headers went to the client, the only timeout left
 */
public record TimeoutsConfig(Duration connect, Duration attempt, Duration total, Duration idle) {

    public static final Duration DEFAULT_CONNECT = ProxyOptions.DEFAULT_CONNECT_TIMEOUT;
    public static final Duration DEFAULT_ATTEMPT = ProxyOptions.DEFAULT_ATTEMPT_TIMEOUT;
    public static final Duration DEFAULT_TOTAL = ProxyOptions.DEFAULT_TOTAL_TIMEOUT;
    public static final Duration DEFAULT_IDLE = ProxyOptions.DEFAULT_IDLE_TIMEOUT;
    /** The longest timeout accepted. */
    public static final Duration MAX = Duration.ofHours(24);

    public static final TimeoutsConfig DEFAULT = new TimeoutsConfig(DEFAULT_CONNECT, DEFAULT_ATTEMPT, DEFAULT_TOTAL,
            DEFAULT_IDLE);

    public TimeoutsConfig {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(total, "total");
        Objects.requireNonNull(idle, "idle");
    }
}
