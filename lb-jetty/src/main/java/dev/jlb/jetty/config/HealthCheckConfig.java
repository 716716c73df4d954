package dev.jlb.jetty.config;

import dev.jlb.health.ActiveHealthCheck;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The active health check of a route (the {@code health_check:} section; the Go original's
 * {@code health_check_interval} gives a TCP check at that interval). Immutable.
 *
 * @param type {@link Type#HTTP}, {@link Type#TCP} or {@link Type#NONE} (a route without the section)
 * @param method the HTTP method (default {@value #DEFAULT_METHOD}; HTTP only)
 * @param path the path and query probed (default {@value #DEFAULT_PATH}; HTTP only)
 * @param interval the time between two checks of one backend (default 2s)
 * @param timeout how long one check may take (default 1s; at most the interval)
 * @param jitterPercent how much each interval varies at random, in percent of it, so that checks
 *     of different backends spread (default {@link #DEFAULT_JITTER_PERCENT})
 * @param rise consecutive successes that make an unhealthy backend healthy (default {@value #DEFAULT_RISE})
 * @param fall consecutive failures that make a healthy backend unhealthy (default {@value #DEFAULT_FALL})
 * @param expectedStatuses the statuses that count as healthy (default 200-299; HTTP only)
 * @param expectedBody a substring the body must contain; empty (the default) for any body (HTTP only)
 */
public record HealthCheckConfig(Type type, String method, String path, Duration interval, Duration timeout,
        int jitterPercent, int rise, int fall, List<StatusRange> expectedStatuses, String expectedBody) {

    /** The kind of probe. */
    public enum Type {
        /** An HTTP request whose status (and optionally body) decides. */
        HTTP,
        /** A TCP connect: accepted is healthy. */
        TCP,
        /** No active check (passive outlier detection may still eject). */
        NONE
    }

    /** An inclusive range of HTTP statuses, such as 200-299; a single status has {@code min == max}. */
    public record StatusRange(int min, int max) {
        public StatusRange {
            if (min < 100 || max > 599 || min > max) {
                throw new IllegalArgumentException("status: " + min + "-" + max + " (expected: 100 <= min <= max <= 599)");
            }
        }

        @Override
        public String toString() {
            return min == max ? Integer.toString(min) : min + "-" + max;
        }
    }

    public static final String DEFAULT_METHOD = ActiveHealthCheck.HttpBuilder.DEFAULT_METHOD;
    public static final String DEFAULT_PATH = "/";
    public static final Duration DEFAULT_INTERVAL = ActiveHealthCheck.DEFAULT_INTERVAL;
    public static final Duration DEFAULT_TIMEOUT = ActiveHealthCheck.DEFAULT_TIMEOUT;
    public static final int DEFAULT_JITTER_PERCENT = (int) Math.round(ActiveHealthCheck.DEFAULT_JITTER * 100);
    public static final int DEFAULT_RISE = ActiveHealthCheck.DEFAULT_RISE;
    public static final int DEFAULT_FALL = ActiveHealthCheck.DEFAULT_FALL;
    public static final List<StatusRange> DEFAULT_EXPECTED_STATUSES = List.of(new StatusRange(200, 299));

    /** No active health check. */
    public static final HealthCheckConfig NONE = new HealthCheckConfig(Type.NONE, DEFAULT_METHOD, DEFAULT_PATH,
            DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_JITTER_PERCENT, DEFAULT_RISE, DEFAULT_FALL,
            DEFAULT_EXPECTED_STATUSES, "");

    public HealthCheckConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        expectedStatuses = List.copyOf(expectedStatuses);
        Objects.requireNonNull(expectedBody, "expectedBody");
    }

    /** A TCP check at {@code interval} with the default thresholds (the Go original's check, honoured). */
    public static HealthCheckConfig tcp(Duration interval) {
        Duration timeout = interval.compareTo(DEFAULT_TIMEOUT) < 0 ? interval : DEFAULT_TIMEOUT;
        return new HealthCheckConfig(Type.TCP, DEFAULT_METHOD, DEFAULT_PATH, interval, timeout,
                DEFAULT_JITTER_PERCENT, DEFAULT_RISE, DEFAULT_FALL, DEFAULT_EXPECTED_STATUSES, "");
    }
}
