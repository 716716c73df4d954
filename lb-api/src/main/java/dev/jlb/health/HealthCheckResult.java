package dev.jlb.health;

import java.util.Objects;

/**
 * The outcome of one {@link HealthCheck}: healthy or not, and a short reason for logs and events
 * ({@code "status 200"}, {@code "status 503"}, {@code "connection refused"}). Immutable.
 */
public final class HealthCheckResult {

    private static final HealthCheckResult HEALTHY = new HealthCheckResult(true, "ok");

    private final boolean healthy;
    private final String reason;

    private HealthCheckResult(boolean healthy, String reason) {
        this.healthy = healthy;
        this.reason = reason;
    }

    /** {@return a passed check with reason {@code "ok"}} */
    public static HealthCheckResult healthy() {
        return HEALTHY;
    }

    /**
     * A passed check, with what was seen ({@code "status 200"}).
     *
     * @param detail the detail
     * @return a passed check, with what was seen ({@code "status 200"})
     */
    public static HealthCheckResult healthy(String detail) {
        return new HealthCheckResult(true, Objects.requireNonNull(detail, "detail"));
    }

    /**
     * A failed check, with why ({@code "status 503"}, {@code "connection refused"}).
     *
     * @param reason the reason
     * @return a failed check, with why ({@code "status 503"}, {@code "connection refused"})
     */
    public static HealthCheckResult unhealthy(String reason) {
        return new HealthCheckResult(false, Objects.requireNonNull(reason, "reason"));
    }

    /** {@return whether the backend passed the check} */
    public boolean isHealthy() {
        return healthy;
    }

    /** {@return what was seen, or why the check failed; never {@code null}} */
    public String reason() {
        return reason;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HealthCheckResult && ((HealthCheckResult) o).healthy == healthy
                && ((HealthCheckResult) o).reason.equals(reason);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(healthy) * 31 + reason.hashCode();
    }

    @Override
    public String toString() {
        return (healthy ? "healthy (" : "unhealthy (") + reason + ')';
    }
}
