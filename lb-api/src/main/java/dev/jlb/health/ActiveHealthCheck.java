package dev.jlb.health;

import dev.jlb.internal.Durations;
import dev.jlb.internal.HttpTokens;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Active health checking: a {@link HealthCheck probe} run against every backend on a schedule, with
 * the policy that turns results into membership.
 *
 * <pre>{@code
 * ActiveHealthCheck.http("/health")           // or ActiveHealthCheck.tcp(), or ActiveHealthCheck.of(myProbe)
 *         .expectedStatuses("200-299")
 *         .interval(Duration.ofSeconds(2)).timeout(Duration.ofSeconds(1)).jitter(0.1)
 *         .rise(2).fall(3)
 *         .build();
 * }</pre>
 *
 * <p>How the load balancer runs it:
 * <ul>
 *   <li><b>Start-up.</b> The first round runs at once, for every backend. Until a backend's first
 *       result arrives it is eligible, so a freshly built balancer serves from the first request.
 *       The first result decides at once: a failed first check makes the backend unhealthy without
 *       waiting for {@code fall} failures, a passed one keeps it healthy. A backend added later
 *       (through {@link dev.jlb.Pool#add}) is treated the same way.</li>
 *   <li><b>Thresholds.</b> Afterwards a healthy backend becomes {@link dev.jlb.BackendState#UNHEALTHY}
 *       after {@code fall} consecutive failed checks, and an unhealthy one becomes healthy again
 *       after {@code rise} consecutive passed checks. A backend that alternates between passing and
 *       failing therefore keeps its state instead of flapping.</li>
 *   <li><b>Schedule.</b> Each backend has its own schedule: a check starts {@code interval}
 *       (multiplied by a random factor in {@code [1 - jitter, 1 + jitter]}) after the previous one
 *       <em>started</em>, so the checks of different backends drift apart instead of running in
 *       lockstep. Checks of one backend never overlap: when a check takes longer than the
 *       interval, the next one starts as soon as it ends. A slow backend never delays another
 *       backend's checks.</li>
 *   <li><b>Timeout.</b> A check that has not completed after {@code timeout} fails with
 *       {@code "timeout after <timeout>"}. Hence a backend that stops answering leaves the pool
 *       within about {@code fall x interval x (1 + jitter) + timeout}, and one that comes back
 *       rejoins within about {@code rise x interval x (1 + jitter)}.</li>
 *   <li><b>Response time.</b> The response time of each passed check feeds the backend's latency
 *       average that {@link LatencyHealth} judges.</li>
 *   <li><b>Events.</b> Every change of state is a {@link dev.jlb.PoolEvent} and a log line on the
 *       {@code dev.jlb} {@link System.Logger} with the backend, the old and new state and the reason
 *       ({@code "health check failed 3 times: status 500"}).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; {@link #equals(Object)} compares every setting (a probe built by
 * jlb compares by its settings, a custom probe by identity), so a configuration reload can skip
 * an unchanged check.
 */
public final class ActiveHealthCheck {

    /** The default interval between two checks of one backend: 2 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    /** The default time a check may take: 1 second. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** The default jitter: each interval is multiplied by a random factor in [0.9, 1.1]. */
    public static final double DEFAULT_JITTER = 0.1;
    /** The default number of consecutive passed checks that make an unhealthy backend healthy. */
    public static final int DEFAULT_RISE = 2;
    /** The default number of consecutive failed checks that make a healthy backend unhealthy. */
    public static final int DEFAULT_FALL = 3;

    private static final ActiveHealthCheck DISABLED = new ActiveHealthCheck(null, DEFAULT_INTERVAL, DEFAULT_TIMEOUT,
            DEFAULT_JITTER, DEFAULT_RISE, DEFAULT_FALL);

    private final HealthCheck probe;
    private final Duration interval;
    private final Duration timeout;
    private final double jitter;
    private final int rise;
    private final int fall;

    private ActiveHealthCheck(HealthCheck probe, Duration interval, Duration timeout, double jitter, int rise,
            int fall) {
        this.probe = probe;
        this.interval = interval;
        this.timeout = timeout;
        this.jitter = jitter;
        this.rise = rise;
        this.fall = fall;
    }

    /**
     * An HTTP check: {@code GET <backend><path>} (on {@link java.net.http.HttpClient}, HTTP/1.1),
     * healthy when the status is expected (default 2xx) and, if set, the body contains a string.
     *
     * @param path the request path with an optional query, starting with {@code /}
     * @return a new builder
     * @throws IllegalArgumentException {@code path: <path> (expected: ...)} when it is not a path
     */
    public static HttpBuilder http(String path) {
        return new HttpBuilder(path);
    }

    /**
     * A TCP check: healthy when a TCP connection to the backend's host and port opens.
     *
     * @return a new builder
     */
    public static Builder tcp() {
        return new Builder(new TcpHealthCheck());
    }

    /**
     * Wraps a custom probe with the scheduling and threshold policy.
     *
     * @param probe the probe
     * @return a new builder
     */
    public static Builder of(HealthCheck probe) {
        return new Builder(Objects.requireNonNull(probe, "probe"));
    }

    /** {@return no active health check: backends are judged by passive health only. The default} */
    public static ActiveHealthCheck disabled() {
        return DISABLED;
    }

    /**
     * This check with its HTTP probe reaching {@code https} backends through {@code context} (its
     * trust and key managers: the CAs, the client certificate) and {@code parameters} (protocols,
     * SNI, endpoint identification), as the requests to those backends do; a TCP or custom probe,
     * or a disabled check, is returned unchanged. Two checks with TLS are equal only with the same
     * context instance.
     *
     * @param context the context
     * @param parameters the parameters
     * @return the active health check
     */
    public ActiveHealthCheck withTls(SSLContext context, SSLParameters parameters) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(parameters, "parameters");
        if (!(probe instanceof HttpHealthCheck http)) {
            return this;
        }
        return new ActiveHealthCheck(http.withTls(context, parameters), interval, timeout, jitter, rise, fall);
    }

    /** {@return whether this check runs at all ({@code false} only for {@link #disabled()})} */
    public boolean isEnabled() {
        return probe != null;
    }

    /** {@return the probe; empty when disabled} */
    public Optional<HealthCheck> probe() {
        return Optional.ofNullable(probe);
    }

    /** {@return the time between the starts of two checks of one backend, before jitter} */
    public Duration interval() {
        return interval;
    }

    /** {@return how long a check may take before it counts as failed} */
    public Duration timeout() {
        return timeout;
    }

    /**
     * {@return the jitter, in {@code [0, 1)}: each interval is multiplied by a random factor in {@code [1 - jitter, 1 + jitter]}}
     */
    public double jitter() {
        return jitter;
    }

    /** {@return consecutive passed checks that make an unhealthy backend healthy} */
    public int rise() {
        return rise;
    }

    /** {@return consecutive failed checks that make a healthy backend unhealthy} */
    public int fall() {
        return fall;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ActiveHealthCheck)) {
            return false;
        }
        ActiveHealthCheck that = (ActiveHealthCheck) o;
        return Objects.equals(probe, that.probe) && interval.equals(that.interval) && timeout.equals(that.timeout)
                && Double.compare(jitter, that.jitter) == 0 && rise == that.rise && fall == that.fall;
    }

    @Override
    public int hashCode() {
        return Objects.hash(probe, interval, timeout, jitter, rise, fall);
    }

    @Override
    public String toString() {
        if (probe == null) {
            return "ActiveHealthCheck{disabled}";
        }
        return "ActiveHealthCheck{" + probe + ", interval=" + Durations.format(interval) + ", timeout="
                + Durations.format(timeout) + ", jitter=" + jitter + ", rise=" + rise + ", fall=" + fall + '}';
    }

    /**
     * Builds an {@link ActiveHealthCheck}. Each setter validates its argument and documents its
     * default. Not thread-safe.
     */
    public static class Builder {
        final HealthCheck probe;
        Duration interval = DEFAULT_INTERVAL;
        Duration timeout = DEFAULT_TIMEOUT;
        double jitter = DEFAULT_JITTER;
        int rise = DEFAULT_RISE;
        int fall = DEFAULT_FALL;

        Builder(HealthCheck probe) {
            this.probe = probe;
        }

        /**
         * The time between the starts of two checks of one backend (default 2s); {@code > 0}.
         *
         * @param interval the interval
         * @return this builder
         */
        public Builder interval(Duration interval) {
            this.interval = Durations.requirePositive(interval, "interval");
            return this;
        }

        /**
         * How long a check may take before it fails (default 1s); {@code > 0}.
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Durations.requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Spreads the checks of different backends: each interval is multiplied by a random factor
         * in {@code [1 - jitter, 1 + jitter]} (default {@value ActiveHealthCheck#DEFAULT_JITTER}); in {@code [0, 1)},
         * 0 turns it off.
         *
         * @param jitter the jitter
         * @return this builder
         */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0.0)) {
                throw new IllegalArgumentException("jitter: " + jitter + " (expected: >= 0.0)");
            }
            if (!(jitter < 1.0)) {
                throw new IllegalArgumentException("jitter: " + jitter + " (expected: < 1.0)");
            }
            this.jitter = jitter;
            return this;
        }

        /**
         * Consecutive passed checks that make an unhealthy backend healthy (default 2); {@code >= 1}.
         *
         * @param rise the rise
         * @return this builder
         */
        public Builder rise(int rise) {
            if (rise < 1) {
                throw new IllegalArgumentException("rise: " + rise + " (expected: >= 1)");
            }
            this.rise = rise;
            return this;
        }

        /**
         * Consecutive failed checks that make a healthy backend unhealthy (default 3); {@code >= 1}.
         *
         * @param fall the fall
         * @return this builder
         */
        public Builder fall(int fall) {
            if (fall < 1) {
                throw new IllegalArgumentException("fall: " + fall + " (expected: >= 1)");
            }
            this.fall = fall;
            return this;
        }

        HealthCheck probe() {
            return probe;
        }

        /**
         * Builds the check.
         *
         * @return the active health check
         */
        public ActiveHealthCheck build() {
            return new ActiveHealthCheck(probe(), interval, timeout, jitter, rise, fall);
        }

        @Override
        public String toString() {
            return "ActiveHealthCheck.Builder{" + probe + '}';
        }
    }

    /**
     * Builds an HTTP {@link ActiveHealthCheck}: adds the request method, the expected statuses and an
     * optional expected body to the common settings. Not thread-safe.
     */
    public static final class HttpBuilder extends Builder {
        /** The default method. */
        public static final String DEFAULT_METHOD = "GET";
        /** The default expected statuses. */
        public static final String DEFAULT_EXPECTED_STATUSES = "200-299";

        private final String path;
        private String method = DEFAULT_METHOD;
        private StatusRanges expectedStatuses = StatusRanges.parse(DEFAULT_EXPECTED_STATUSES);
        private String expectedBody;

        HttpBuilder(String path) {
            super(null);
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || path.startsWith("//")) {
                throw new IllegalArgumentException("path: " + path + " (expected: a path starting with /, such as /health)");
            }
            try {
                URI uri = new URI("http://h" + path);
                if (uri.getRawFragment() != null) {
                    throw new IllegalArgumentException("path: " + path + " (expected: no fragment)");
                }
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("path: " + path + " (expected: a valid URI path, such as /health)");
            }
            this.path = path;
        }

        /**
         * The request method (default {@value #DEFAULT_METHOD}), such as {@code GET} or {@code HEAD}.
         *
         * @param method the method
         * @return this builder
         */
        public HttpBuilder method(String method) {
            Objects.requireNonNull(method, "method");
            if (!HttpTokens.isToken(method)) {
                throw new IllegalArgumentException("method: " + method + " (expected: an HTTP method such as GET or HEAD)");
            }
            this.method = method;
            return this;
        }

        /**
         * The statuses that pass (default {@value #DEFAULT_EXPECTED_STATUSES}): a comma-separated list
         * of codes and ranges within 100..599, such as {@code "200-299,302"} or {@code "200"}.
         *
         * @param statuses the statuses
         * @return this builder
         */
        public HttpBuilder expectedStatuses(String statuses) {
            this.expectedStatuses = StatusRanges.parse(Objects.requireNonNull(statuses, "expectedStatuses"));
            return this;
        }

        /**
         * A string the response body must contain, such as {@code "ok"} (default none: the body is not
         * read). Only the first 64 KiB of the body are searched, decoded as UTF-8.
         *
         * @param expectedBody the expected body
         * @return this builder
         */
        public HttpBuilder expectedBody(String expectedBody) {
            Objects.requireNonNull(expectedBody, "expectedBody");
            if (expectedBody.isEmpty()) {
                throw new IllegalArgumentException("expectedBody: \"\" (expected: not empty)");
            }
            this.expectedBody = expectedBody;
            return this;
        }

        @Override
        public HttpBuilder interval(Duration interval) {
            super.interval(interval);
            return this;
        }

        @Override
        public HttpBuilder timeout(Duration timeout) {
            super.timeout(timeout);
            return this;
        }

        @Override
        public HttpBuilder jitter(double jitter) {
            super.jitter(jitter);
            return this;
        }

        @Override
        public HttpBuilder rise(int rise) {
            super.rise(rise);
            return this;
        }

        @Override
        public HttpBuilder fall(int fall) {
            super.fall(fall);
            return this;
        }

        @Override
        HealthCheck probe() {
            return new HttpHealthCheck(method, path, expectedStatuses, expectedBody, timeout);
        }

        /**
         * Builds the check.
         *
         * @throws IllegalArgumentException when an expected body is set with method {@code HEAD}
         *     (a HEAD response has no body)
         */
        @Override
        public ActiveHealthCheck build() {
            if (expectedBody != null && method.equalsIgnoreCase("HEAD")) {
                throw new IllegalArgumentException("expectedBody: " + expectedBody
                        + " (expected: none with method HEAD, whose responses have no body)");
            }
            return super.build();
        }

        @Override
        public String toString() {
            return "ActiveHealthCheck.HttpBuilder{" + method + ' ' + path + '}';
        }
    }
}
