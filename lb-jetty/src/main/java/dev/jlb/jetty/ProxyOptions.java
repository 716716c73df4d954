package dev.jlb.jetty;

import dev.jlb.DurationFormat;
import dev.jlb.RetryPolicy;
import dev.jlb.internal.HttpTokens;
import dev.jlb.jetty.tls.BackendTls;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How the Jetty adapters ({@link LoadBalancingProxyServlet}, {@link LoadBalancingFilter},
 * {@link LoadBalancingHandler}) proxy requests: path mapping, timeouts, retries, proxy headers,
 * the connection pool to backends and sticky sessions.
 *
 * <pre>{@code
 * ProxyOptions options = ProxyOptions.builder()
 *         .prefix("/api").stripPrefix(true)
 *         .attemptTimeout(Duration.ofSeconds(5))
 *         .retry(RetryPolicy.builder().maxAttempts(2).build())
 *         .build();
 * }</pre>
 *
 * <h2>Timeouts</h2>
 * <ul>
 *   <li>{@link #connectTimeout()}: opening a connection to a backend. A connect failure is retried
 *       for every method.</li>
 *   <li>{@link #attemptTimeout()}: one attempt, from sending it until the backend's response headers
 *       arrive. When it expires the attempt fails with {@code TIMEOUT} and may be retried.</li>
 *   <li>{@link #totalTimeout()}: the whole request, from its arrival until response headers arrive,
 *       across every attempt; no attempt is started or continued past it. An expiry answers 504.</li>
 *   <li>{@link #idleTimeout()}: how long the connection to a backend may stay silent while an attempt
 *       waits or a response streams. Once the response headers went to the client, this is the only
 *       timeout left: a large download is never cut by the timeouts above.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ProxyOptions {

    /** Whether the mount prefix is removed from the path sent to backends, by default. */
    public static final boolean DEFAULT_STRIP_PREFIX = false;

    /** Default {@link #connectTimeout()}: 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Default {@link #attemptTimeout()}: 30 seconds. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

    /** Default {@link #totalTimeout()}: 60 seconds. */
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofSeconds(60);

    /** Default {@link #idleTimeout()}: 30 seconds. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Default {@link #requestIdHeader()}. */
    public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";

    /** Whether a request id is generated for requests that have none, by default. */
    public static final boolean DEFAULT_GENERATE_REQUEST_ID = true;

    /** Default {@link #via()}: the pseudonym jlb adds to the {@code Via} header, as in {@code Via: 1.1 jlb}. */
    public static final String DEFAULT_VIA = "jlb";

    /** Whether the client's {@code Host} header goes to backends unchanged, by default. */
    public static final boolean DEFAULT_PRESERVE_HOST = true;

    /** Whether jlb writes {@code X-Forwarded-For}, {@code -Proto} and {@code -Host}, by default. */
    public static final boolean DEFAULT_X_FORWARDED_HEADERS = true;

    /** Default {@link #maxConnectionsPerBackend()}: 256 (measured faster than 32 here, see PERFORMANCE.md). */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_BACKEND = 256;

    /** Default {@link #maxRequestsQueuedPerBackend()}: 1024, Jetty's {@code HttpClient} default. */
    public static final int DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND = 1024;

    /**
     * Default {@link #maxResponseHeaderSize()}: 16 KiB, the order of nginx's {@code proxy_buffer_size}
     * (4 or 8 KiB, one memory page) with room for the large cookies and tokens real backends send.
     */
    public static final int DEFAULT_MAX_RESPONSE_HEADER_SIZE = 16 * 1024;

    /** The largest {@link #maxResponseHeaderSize()} accepted: 1 MiB. */
    public static final int MAX_RESPONSE_HEADER_SIZE_LIMIT = 1024 * 1024;

    /** The longest timeout accepted: 24 hours. */
    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    /** Default {@link #websocketIdleTimeout()}: 1 hour. */
    public static final Duration DEFAULT_WEBSOCKET_IDLE_TIMEOUT = Duration.ofHours(1);

    /** Default {@link #upgrades()}: WebSocket only. */
    public static final Set<String> DEFAULT_UPGRADES = Set.of("websocket");

    /** Whether the adapter's own {@code HttpClient} runs on the server's thread pool, by default. */
    public static final boolean DEFAULT_USE_SERVER_THREAD_POOL = true;

    /**
     * Which data path serves a route in the standalone balancer: the lean HTTP/1.1 engine
     * ({@code dev.jlb.jetty.engine.HttpEngine}), or Jetty's request model ({@link LoadBalancingHandler}).
     * The engine hands what it does not take to the Jetty path. Adapters used directly ignore it.
     */
    public enum DataPath {
        /** jlb's lean HTTP/1.1 engine, which hands what it does not take to the Jetty path. */
        ENGINE,
        /** Jetty's request model, through {@link LoadBalancingHandler}. */
        JETTY;

        /**
         * {@code engine} or {@code jetty}, as configuration files write it.
         *
         * @param value the value
         * @return {@code engine} or {@code jetty}, as configuration files write it
         */
        public static DataPath parse(String value) {
            if ("engine".equals(value)) {
                return ENGINE;
            }
            if ("jetty".equals(value)) {
                return JETTY;
            }
            throw new IllegalArgumentException("dataPath: " + value + " (expected: engine or jetty)");
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The default data path: the engine (it hands what it does not take to the Jetty path).
     */
    public static final DataPath DEFAULT_DATA_PATH = DataPath.ENGINE;

    /**
     * Default {@link #maxStreamsPerConnection()}: 100, the least that RFC 9113 advises a server to
     * allow; a backend that announces fewer ({@code SETTINGS_MAX_CONCURRENT_STREAMS}) gets fewer.
     */
    public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 100;

    private static final ProxyOptions DEFAULTS = new Builder().build();

    private final String prefix;
    private final boolean stripPrefix;
    private final Duration connectTimeout;
    private final Duration attemptTimeout;
    private final Duration totalTimeout;
    private final Duration idleTimeout;
    private final RetryPolicy retry;
    private final String requestIdHeader;
    private final boolean generateRequestId;
    private final String via;
    private final boolean preserveHost;
    private final boolean xForwardedHeaders;
    private final TrustedProxies trustedProxies;
    private final int maxConnectionsPerBackend;
    private final int maxRequestsQueuedPerBackend;
    private final int maxResponseHeaderSize;
    private final boolean allowTrace;
    private final boolean useServerThreadPool;
    private final StickyCookie stickyCookie;
    private final ExplainOptions explain;
    private final ProxyListener listener;
    private final Duration websocketIdleTimeout;
    private final Set<String> upgrades;
    private final BackendProtocol backendProtocol;
    private final int maxStreamsPerConnection;
    private final BackendTls backendTls;
    private final DataPath dataPath;

    private ProxyOptions(Builder b) {
        this.dataPath = b.dataPath;
        this.prefix = b.prefix;
        this.stripPrefix = b.stripPrefix;
        this.connectTimeout = b.connectTimeout;
        this.attemptTimeout = b.attemptTimeout;
        this.totalTimeout = b.totalTimeout;
        this.idleTimeout = b.idleTimeout;
        this.retry = b.retry;
        this.requestIdHeader = b.requestIdHeader;
        this.generateRequestId = b.generateRequestId;
        this.via = b.via;
        this.preserveHost = b.preserveHost;
        this.xForwardedHeaders = b.xForwardedHeaders;
        this.trustedProxies = b.trustedProxies;
        this.maxConnectionsPerBackend = b.maxConnectionsPerBackend;
        this.maxRequestsQueuedPerBackend = b.maxRequestsQueuedPerBackend;
        this.maxResponseHeaderSize = b.maxResponseHeaderSize;
        this.allowTrace = b.allowTrace;
        this.useServerThreadPool = b.useServerThreadPool;
        this.stickyCookie = b.stickyCookie;
        this.explain = b.explain;
        this.listener = b.listener;
        this.websocketIdleTimeout = b.websocketIdleTimeout;
        this.upgrades = b.upgrades;
        this.backendProtocol = b.backendProtocol;
        this.maxStreamsPerConnection = b.maxStreamsPerConnection;
        this.backendTls = b.backendTls;
    }

    /** {@return the options with every default} */
    public static ProxyOptions defaults() {
        return DEFAULTS;
    }

    /**
     * A new builder, starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these options.
     *
     * @return this builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.prefix = prefix;
        b.stripPrefix = stripPrefix;
        b.dataPath = dataPath;
        b.connectTimeout = connectTimeout;
        b.attemptTimeout = attemptTimeout;
        b.totalTimeout = totalTimeout;
        b.idleTimeout = idleTimeout;
        b.retry = retry;
        b.backendTls = backendTls;
        b.requestIdHeader = requestIdHeader;
        b.generateRequestId = generateRequestId;
        b.via = via;
        b.preserveHost = preserveHost;
        b.xForwardedHeaders = xForwardedHeaders;
        b.trustedProxies = trustedProxies;
        b.maxConnectionsPerBackend = maxConnectionsPerBackend;
        b.maxRequestsQueuedPerBackend = maxRequestsQueuedPerBackend;
        b.maxResponseHeaderSize = maxResponseHeaderSize;
        b.allowTrace = allowTrace;
        b.useServerThreadPool = useServerThreadPool;
        b.stickyCookie = stickyCookie;
        b.explain = explain;
        b.listener = listener;
        b.websocketIdleTimeout = websocketIdleTimeout;
        b.upgrades = upgrades;
        b.backendProtocol = backendProtocol;
        b.maxStreamsPerConnection = maxStreamsPerConnection;
        return b;
    }

    /**
     * The path prefix that is balanced, relative to the context path, such as {@code /api}; or
     * {@code null} (the default) for the adapter's own mount point: the servlet's path (the
     * {@code /api} of {@code /api/*}), the filter's single {@code /x/*} URL pattern, or everything
     * for the handler. {@code /api} matches {@code /api} and {@code /api/...}, not {@code /apix}.
     *
     * @return the path prefix that is balanced, relative to the context path, such as {@code /api}
     */
    public String prefix() {
        return prefix;
    }

    /**
     * Whether the context path and the prefix are removed from the path sent to backends (default
     * {@value #DEFAULT_STRIP_PREFIX}): with {@code true}, {@code /api/users?id=1} goes to backends as
     * {@code /users?id=1}. Query strings always pass unchanged.
     *
     * @return the boolean
     */
    public boolean stripPrefix() {
        return stripPrefix;
    }

    /** {@return the connect timeout (default 5 s); applies to the {@code HttpClient} the adapter creates} */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@return the time one attempt may wait for the backend's response headers (default 30 s)} */
    public Duration attemptTimeout() {
        return attemptTimeout;
    }

    /** {@return the time the whole request may wait for response headers, across attempts (default 60 s)} */
    public Duration totalTimeout() {
        return totalTimeout;
    }

    /** {@return the time a backend connection may stay silent during an attempt or a response (default 30 s)} */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * How long an upgraded connection (a WebSocket) may carry no byte in either direction before jlb
     * closes it, a WebSocket with close code 1001 (default 1 hour). Pings and pongs count as traffic.
     *
     * @return the duration
     */
    public Duration websocketIdleTimeout() {
        return websocketIdleTimeout;
    }

    /**
     * The {@code Upgrade} protocols this route carries, lower case (default {@code [websocket]}): a
     * handshake for one of them goes to a backend and, on its {@code 101}, the connection is spliced
     * with it; a request to upgrade to any other is refused with 400. {@code h2c} is never relayed
     * (the listener answers it, or it is ignored as RFC 9113 allows).
     *
     * @return the set
     */
    public Set<String> upgrades() {
        return upgrades;
    }

    /** {@return the retry policy (default {@link RetryPolicy#defaults()})} */
    public RetryPolicy retry() {
        return retry;
    }

    /**
     * The header that carries the request id (default {@value #DEFAULT_REQUEST_ID_HEADER}): a value
     * sent by the client is propagated to the backend; otherwise one is generated (see
     * {@link #generateRequestId()}).
     *
     * @return the string
     */
    public String requestIdHeader() {
        return requestIdHeader;
    }

    /**
     * {@return whether a request without an id gets a new random one (default {@value #DEFAULT_GENERATE_REQUEST_ID})}
     */
    public boolean generateRequestId() {
        return generateRequestId;
    }

    /** {@return the name jlb appends to the {@code Via} header (default {@value #DEFAULT_VIA})} */
    public String via() {
        return via;
    }

    /**
     * Whether backends receive the client's {@code Host} header (default
     * {@value #DEFAULT_PRESERVE_HOST}); with {@code false} they receive their own {@code host:port}.
     *
     * @return the boolean
     */
    public boolean preserveHost() {
        return preserveHost;
    }

    /**
     * Whether jlb writes {@code X-Forwarded-For}, {@code X-Forwarded-Proto} and {@code X-Forwarded-Host}
     * (default {@value #DEFAULT_X_FORWARDED_HEADERS}): from the connection, or, when the client is one
     * of the {@link #trustedProxies()}, appended to the client's {@code X-Forwarded-For} and keeping
     * its {@code -Proto} and {@code -Host}. With {@code false}, the client's values pass unchanged.
     *
     * @return the boolean
     */
    public boolean xForwardedHeaders() {
        return xForwardedHeaders;
    }

    /**
     * The proxies whose {@code X-Forwarded-*} headers are believed, as CIDR ranges such as
     * {@code 10.0.0.0/8} or {@code ::1/128} (default: none, so every client's are replaced). When the
     * connection's peer is in a range, jlb appends it to the client's {@code X-Forwarded-For} and
     * passes the client's {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} on, and the client
     * address that strategies and listeners see is the right-most address of that
     * {@code X-Forwarded-For} outside every range; otherwise jlb sets the three from the connection
     * and the client address is the peer's.
     *
     * @return the ranges as given, in order; empty for none
     */
    public List<String> trustedProxies() {
        return trustedProxies.cidrs();
    }

    /** The ranges of {@link #trustedProxies()}, ready for lookups. */
    TrustedProxies trusted() {
        return trustedProxies;
    }

    /**
     * Connections per backend in the adapter's own {@code HttpClient} (default {@value #DEFAULT_MAX_CONNECTIONS_PER_BACKEND}).
     *
     * @return the int
     */
    public int maxConnectionsPerBackend() {
        return maxConnectionsPerBackend;
    }

    /**
     * Requests that may wait for a connection per backend in the adapter's own {@code HttpClient}
     * (default {@value #DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND}); beyond that, an attempt fails at
     * once and may be retried elsewhere.
     *
     * @return the int
     */
    public int maxRequestsQueuedPerBackend() {
        return maxRequestsQueuedPerBackend;
    }

    /**
     * The most bytes a backend's response status line and headers may take in the adapter's own
     * {@code HttpClient} (default {@value #DEFAULT_MAX_RESPONSE_HEADER_SIZE}); a larger response head
     * is not buffered further: the client gets 502 with a reason saying so.
     *
     * @return the int
     */
    public int maxResponseHeaderSize() {
        return maxResponseHeaderSize;
    }

    /**
     * Whether {@code TRACE} requests are proxied (default false: jlb answers them 405, since a
     * backend's echo of the request would hand cookies and credentials to a script that sent it).
     *
     * @return the boolean
     */
    public boolean allowTrace() {
        return allowTrace;
    }

    /**
     * Whether the adapter's own {@code HttpClient} runs on the server's thread pool (default
     * {@value #DEFAULT_USE_SERVER_THREAD_POOL}): one pool for both sides measured faster here.
     *
     * @return the boolean
     */
    public boolean useServerThreadPool() {
        return useServerThreadPool;
    }

    /**
     * Sticky sessions by cookie (default {@link StickyCookie#disabled()}: off); see
     * {@link StickyCookie}.
     *
     * @return the sticky cookie
     */
    public StickyCookie stickyCookie() {
        return stickyCookie;
    }

    /**
     * Who may ask for an {@code X-Jlb-Decision} header and how many explained decisions the route
     * keeps (default {@link ExplainOptions#defaults()}: loopback clients, the last
     * {@value ExplainOptions#DEFAULT_HISTORY}); see {@link ExplainOptions}.
     *
     * @return the explain options
     */
    public ExplainOptions explain() {
        return explain;
    }

    /** {@return the listener told of every ended request, or null (default: none)} */
    public ProxyListener listener() {
        return listener;
    }

    /**
     * The protocol spoken to backends (default {@link BackendProtocol#HTTP1}); HTTP/2 needs
     * {@code org.eclipse.jetty.http2:jetty-http2-client-transport} on the class path.
     *
     * @return the protocol spoken to backends (default {@link BackendProtocol#HTTP1})
     */
    public BackendProtocol backendProtocol() {
        return backendProtocol;
    }

    /**
     * With an HTTP/2 {@link #backendProtocol()}: the most concurrent requests (streams) on one backend
     * connection (default {@value #DEFAULT_MAX_STREAMS_PER_CONNECTION}, or fewer if the backend says
     * so). A backend gets a second connection only when its first carries this many, up to
     * {@link #maxConnectionsPerBackend()}.
     *
     * @return the int
     */
    public int maxStreamsPerConnection() {
        return maxStreamsPerConnection;
    }

    /**
     * How the adapter's own client talks TLS to {@code https://} backends (default
     * {@link BackendTls#defaults()}: the JDK's trust store, hostname verification on).
     *
     * @return the backend tls
     */
    public BackendTls backendTls() {
        return backendTls;
    }

    /** {@return the data path for a route of the standalone balancer (default {@link #DEFAULT_DATA_PATH})} */
    public DataPath dataPath() {
        return dataPath;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ProxyOptions)) {
            return false;
        }
        ProxyOptions that = (ProxyOptions) o;
        return stripPrefix == that.stripPrefix && generateRequestId == that.generateRequestId
                && preserveHost == that.preserveHost && xForwardedHeaders == that.xForwardedHeaders
                && trustedProxies.equals(that.trustedProxies)
                && maxConnectionsPerBackend == that.maxConnectionsPerBackend
                && maxRequestsQueuedPerBackend == that.maxRequestsQueuedPerBackend
                && maxResponseHeaderSize == that.maxResponseHeaderSize && allowTrace == that.allowTrace
                && useServerThreadPool == that.useServerThreadPool && Objects.equals(prefix, that.prefix)
                && connectTimeout.equals(that.connectTimeout) && attemptTimeout.equals(that.attemptTimeout)
                && totalTimeout.equals(that.totalTimeout) && idleTimeout.equals(that.idleTimeout)
                && retry.equals(that.retry) && requestIdHeader.equals(that.requestIdHeader) && via.equals(that.via)
                && stickyCookie.equals(that.stickyCookie) && explain.equals(that.explain) && backendTls.equals(that.backendTls)
                && websocketIdleTimeout.equals(that.websocketIdleTimeout) && upgrades.equals(that.upgrades)
                && dataPath == that.dataPath
                && backendProtocol == that.backendProtocol && maxStreamsPerConnection == that.maxStreamsPerConnection
                && Objects.equals(listener, that.listener);
    }

    @Override
    public int hashCode() {
        return Objects.hash(prefix, stripPrefix, connectTimeout, attemptTimeout, totalTimeout, idleTimeout, retry,
                requestIdHeader, generateRequestId, via, preserveHost, xForwardedHeaders, trustedProxies,
                maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, maxResponseHeaderSize, allowTrace, useServerThreadPool, stickyCookie,
                explain, backendTls, listener, websocketIdleTimeout, upgrades, dataPath, backendProtocol, maxStreamsPerConnection);
    }

    @Override
    public String toString() {
        return "ProxyOptions{prefix=" + (prefix == null ? "(mount point)" : prefix) + ", stripPrefix=" + stripPrefix
                + ", connectTimeout=" + DurationFormat.format(connectTimeout) + ", attemptTimeout="
                + DurationFormat.format(attemptTimeout) + ", totalTimeout=" + DurationFormat.format(totalTimeout)
                + ", idleTimeout=" + DurationFormat.format(idleTimeout) + ", retry=" + retry + ", requestIdHeader="
                + requestIdHeader + ", generateRequestId=" + generateRequestId + ", via=" + via + ", preserveHost="
                + preserveHost + ", xForwardedHeaders=" + xForwardedHeaders
                + (trustedProxies.isEmpty() ? "" : ", trustedProxies=" + trustedProxies) + ", maxConnectionsPerBackend="
                + maxConnectionsPerBackend + ", maxRequestsQueuedPerBackend=" + maxRequestsQueuedPerBackend
                + ", maxResponseHeaderSize=" + maxResponseHeaderSize + ", allowTrace=" + allowTrace
                + ", useServerThreadPool=" + useServerThreadPool
                + ", websocketIdleTimeout=" + DurationFormat.format(websocketIdleTimeout) + ", upgrades=" + upgrades
                + ", backendProtocol=" + backendProtocol + ", maxStreamsPerConnection=" + maxStreamsPerConnection
                + ", dataPath=" + dataPath + ", stickyCookie=" + stickyCookie
                + (explain.equals(ExplainOptions.defaults()) ? "" : ", explain=" + explain)
                + (backendTls.equals(BackendTls.defaults()) ? "" : ", backendTls=" + backendTls)
                + (listener == null ? "" : ", listener=" + listener) + '}';
    }

    /**
     * Builds {@link ProxyOptions}, starting from the defaults. Each setter validates its argument at
     * once with a message {@code "<name>: <value> (expected: <constraint>)"}. Not thread-safe.
     */
    public static final class Builder {
        private String prefix;
        private boolean stripPrefix = DEFAULT_STRIP_PREFIX;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private Duration totalTimeout = DEFAULT_TOTAL_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private RetryPolicy retry = RetryPolicy.defaults();
        private String requestIdHeader = DEFAULT_REQUEST_ID_HEADER;
        private boolean generateRequestId = DEFAULT_GENERATE_REQUEST_ID;
        private String via = DEFAULT_VIA;
        private boolean preserveHost = DEFAULT_PRESERVE_HOST;
        private boolean xForwardedHeaders = DEFAULT_X_FORWARDED_HEADERS;
        private TrustedProxies trustedProxies = TrustedProxies.NONE;
        private int maxConnectionsPerBackend = DEFAULT_MAX_CONNECTIONS_PER_BACKEND;
        private int maxRequestsQueuedPerBackend = DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND;
        private int maxResponseHeaderSize = DEFAULT_MAX_RESPONSE_HEADER_SIZE;
        private boolean allowTrace;
        private boolean useServerThreadPool = DEFAULT_USE_SERVER_THREAD_POOL;
        private StickyCookie stickyCookie = StickyCookie.disabled();
        private ExplainOptions explain = ExplainOptions.defaults();
        private ProxyListener listener;
        private Duration websocketIdleTimeout = DEFAULT_WEBSOCKET_IDLE_TIMEOUT;
        private Set<String> upgrades = DEFAULT_UPGRADES;
        private BackendProtocol backendProtocol = BackendProtocol.HTTP1;
        private int maxStreamsPerConnection = DEFAULT_MAX_STREAMS_PER_CONNECTION;
        private BackendTls backendTls = BackendTls.defaults();
        private DataPath dataPath = DEFAULT_DATA_PATH;

        Builder() {
        }

        /**
         * The balanced path prefix, relative to the context path (default: the mount point); see
         * {@link ProxyOptions#prefix()}. A trailing {@code /} is dropped, so {@code /api/} is
         * {@code /api}; {@code /} means everything.
         *
         * @param prefix the prefix
         * @return this builder
         * @throws IllegalArgumentException unless it starts with {@code /} and holds no {@code *},
         * {@code ?}, {@code #}, {@code //} or space
         */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!prefix.startsWith("/") || prefix.indexOf('*') >= 0 || prefix.indexOf('?') >= 0
                    || prefix.indexOf('#') >= 0 || prefix.contains("//") || prefix.indexOf(' ') >= 0) {
                throw new IllegalArgumentException("prefix: " + prefix
                        + " (expected: a path starting with / without *, ?, #, // or spaces, such as /api)");
            }
            this.prefix = prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1)
                    : prefix;
            return this;
        }

        /**
         * Whether the mount prefix is removed from the path sent to backends (default {@value #DEFAULT_STRIP_PREFIX}).
         *
         * @param stripPrefix the strip prefix
         * @return this builder
         */
        public Builder stripPrefix(boolean stripPrefix) {
            this.stripPrefix = stripPrefix;
            return this;
        }

        /**
         * The connect timeout (default 5 s). @throws IllegalArgumentException unless positive
         *
         * @param connectTimeout the connect timeout
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /**
         * The per-attempt timeout to response headers (default 30 s). @throws IllegalArgumentException unless positive
         *
         * @param attemptTimeout the attempt timeout
         * @return this builder
         */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = positive("attemptTimeout", attemptTimeout);
            return this;
        }

        /**
         * The total timeout to response headers (default 60 s). @throws IllegalArgumentException unless positive
         *
         * @param totalTimeout the total timeout
         * @return this builder
         */
        public Builder totalTimeout(Duration totalTimeout) {
            this.totalTimeout = positive("totalTimeout", totalTimeout);
            return this;
        }

        /**
         * The backend connection idle timeout (default 30 s). @throws IllegalArgumentException unless positive
         *
         * @param idleTimeout the idle timeout
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = positive("idleTimeout", idleTimeout);
            return this;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + ": " + DurationFormat.format(value) + " (expected: > 0)");
            }
            if (value.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(name + ": " + DurationFormat.format(value) + " (expected: <= "
                        + DurationFormat.format(MAX_TIMEOUT) + ")");
            }
            return value;
        }

        /**
         * The retry policy (default {@link RetryPolicy#defaults()}); {@link RetryPolicy#none()} disables retries.
         *
         * @param retry the retry
         * @return this builder
         */
        public Builder retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /**
         * The request id header (default {@value #DEFAULT_REQUEST_ID_HEADER}).
         *
         * @param requestIdHeader the request id header
         * @return this builder
         * @throws IllegalArgumentException unless it is an HTTP token (letters, digits, {@code -}, ...)
         */
        public Builder requestIdHeader(String requestIdHeader) {
            Objects.requireNonNull(requestIdHeader, "requestIdHeader");
            if (!HttpTokens.isToken(requestIdHeader)) {
                throw new IllegalArgumentException(
                        "requestIdHeader: " + requestIdHeader + " (expected: a header name such as X-Request-Id)");
            }
            this.requestIdHeader = requestIdHeader;
            return this;
        }

        /**
         * Whether requests without an id get a generated one (default {@value #DEFAULT_GENERATE_REQUEST_ID}).
         *
         * @param generateRequestId the generate request id
         * @return this builder
         */
        public Builder generateRequestId(boolean generateRequestId) {
            this.generateRequestId = generateRequestId;
            return this;
        }

        /**
         * The name appended to {@code Via} (default {@value #DEFAULT_VIA}).
         *
         * @param via the via
         * @return this builder
         * @throws IllegalArgumentException unless it is an HTTP token, such as a host name
         */
        public Builder via(String via) {
            Objects.requireNonNull(via, "via");
            if (!HttpTokens.isToken(via)) {
                throw new IllegalArgumentException("via: " + via + " (expected: a token such as jlb or a host name)");
            }
            this.via = via;
            return this;
        }

        /**
         * Whether backends receive the client's {@code Host} (default {@value #DEFAULT_PRESERVE_HOST}).
         *
         * @param preserveHost the preserve host
         * @return this builder
         */
        public Builder preserveHost(boolean preserveHost) {
            this.preserveHost = preserveHost;
            return this;
        }

        /**
         * Whether jlb writes the {@code X-Forwarded-*} headers (default {@value #DEFAULT_X_FORWARDED_HEADERS});
         * see {@link ProxyOptions#xForwardedHeaders()}.
         *
         * @param xForwardedHeaders the x forwarded headers
         * @return this builder
         */
        public Builder xForwardedHeaders(boolean xForwardedHeaders) {
            this.xForwardedHeaders = xForwardedHeaders;
            return this;
        }

        /**
         * The proxies whose {@code X-Forwarded-*} headers are believed (default: none); see
         * {@link ProxyOptions#trustedProxies()}. Each is {@code address/prefix}, IPv4 or IPv6, such as
         * {@code 10.0.0.0/8}, {@code 127.0.0.1/32} or {@code fd00::/8}; an address alone is one host.
         * Addresses are never resolved: a host name is refused.
         *
         * @param cidrs the ranges; empty trusts no one
         * @return this builder
         * @throws IllegalArgumentException for a value that is not such a range, or that has address
         *     bits set past its prefix (such as {@code 10.0.0.1/8})
         */
        public Builder trustedProxies(Collection<String> cidrs) {
            this.trustedProxies = TrustedProxies.of(Objects.requireNonNull(cidrs, "trustedProxies"));
            return this;
        }

        /**
         * Connections per backend (default {@value #DEFAULT_MAX_CONNECTIONS_PER_BACKEND}).
         *
         * @param maxConnectionsPerBackend the max connections per backend
         * @return this builder
         * @throws IllegalArgumentException unless {@code >= 1}
         */
        public Builder maxConnectionsPerBackend(int maxConnectionsPerBackend) {
            if (maxConnectionsPerBackend < 1) {
                throw new IllegalArgumentException(
                        "maxConnectionsPerBackend: " + maxConnectionsPerBackend + " (expected: >= 1)");
            }
            this.maxConnectionsPerBackend = maxConnectionsPerBackend;
            return this;
        }

        /**
         * Requests queued per backend (default {@value #DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND}).
         *
         * @param maxRequestsQueuedPerBackend the max requests queued per backend
         * @return this builder
         * @throws IllegalArgumentException unless {@code >= 1}
         */
        public Builder maxRequestsQueuedPerBackend(int maxRequestsQueuedPerBackend) {
            if (maxRequestsQueuedPerBackend < 1) {
                throw new IllegalArgumentException(
                        "maxRequestsQueuedPerBackend: " + maxRequestsQueuedPerBackend + " (expected: >= 1)");
            }
            this.maxRequestsQueuedPerBackend = maxRequestsQueuedPerBackend;
            return this;
        }

        /**
         * The most bytes of a backend's response head (default {@value #DEFAULT_MAX_RESPONSE_HEADER_SIZE}).
         *
         * @param maxResponseHeaderSize the max response header size
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1024..}{@value #MAX_RESPONSE_HEADER_SIZE_LIMIT}
         */
        public Builder maxResponseHeaderSize(int maxResponseHeaderSize) {
            if (maxResponseHeaderSize < 1024 || maxResponseHeaderSize > MAX_RESPONSE_HEADER_SIZE_LIMIT) {
                throw new IllegalArgumentException("maxResponseHeaderSize: " + maxResponseHeaderSize + " (expected: "
                        + (maxResponseHeaderSize < 1024 ? ">= 1024" : "<= " + MAX_RESPONSE_HEADER_SIZE_LIMIT) + ")");
            }
            this.maxResponseHeaderSize = maxResponseHeaderSize;
            return this;
        }

        /**
         * Whether {@code TRACE} is proxied (default false: answered 405).
         *
         * @param allowTrace the allow trace
         * @return this builder
         */
        public Builder allowTrace(boolean allowTrace) {
            this.allowTrace = allowTrace;
            return this;
        }

        /**
         * Whether the adapter's own client runs on the server's pool (default {@value #DEFAULT_USE_SERVER_THREAD_POOL}).
         *
         * @param useServerThreadPool the use server thread pool
         * @return this builder
         */
        public Builder useServerThreadPool(boolean useServerThreadPool) {
            this.useServerThreadPool = useServerThreadPool;
            return this;
        }

        /**
         * Sticky sessions by cookie (default {@link StickyCookie#disabled()}), such as
         * {@code StickyCookie.builder().secret(secret).build()}; see {@link StickyCookie}.
         *
         * @param stickyCookie the sticky cookie
         * @return this builder
         */
        public Builder stickyCookie(StickyCookie stickyCookie) {
            this.stickyCookie = Objects.requireNonNull(stickyCookie, "stickyCookie");
            return this;
        }

        /**
         * Who may ask for explained decisions (default {@link ExplainOptions#defaults()}: loopback
         * clients), such as {@code ExplainOptions.of(token, 50)} or {@link ExplainOptions#disabled()}.
         *
         * @param explain the explain options
         * @return this builder
         */
        public Builder explain(ExplainOptions explain) {
            this.explain = Objects.requireNonNull(explain, "explain");
            return this;
        }

        /**
         * A listener told of every request once it has ended, for access logs and route metrics
         * (default: none); null removes it. See {@link ProxyListener} for its threading rules.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(ProxyListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * See {@link ProxyOptions#websocketIdleTimeout()}. @throws IllegalArgumentException unless positive and at most 24 h
         *
         * @param websocketIdleTimeout the websocket idle timeout
         * @return this builder
         */
        public Builder websocketIdleTimeout(Duration websocketIdleTimeout) {
            this.websocketIdleTimeout = positive("websocketIdleTimeout", websocketIdleTimeout);
            return this;
        }

        /**
         * The protocol spoken to backends (default {@link BackendProtocol#HTTP1}); see {@link BackendProtocol}.
         *
         * @param backendProtocol the backend protocol
         * @return this builder
         */
        public Builder backendProtocol(BackendProtocol backendProtocol) {
            this.backendProtocol = Objects.requireNonNull(backendProtocol, "backendProtocol");
            return this;
        }

        /**
         * The {@code Upgrade} protocols the route carries (see {@link ProxyOptions#upgrades()}); empty
         * refuses every upgrade. Tokens are matched case-insensitively.
         *
         * @param upgrades the upgrades
         * @return this builder
         * @throws IllegalArgumentException for a token that is not an HTTP token, or {@code h2c}
         */
        public Builder upgrades(Collection<String> upgrades) {
            Objects.requireNonNull(upgrades, "upgrades");
            Set<String> tokens = new LinkedHashSet<>();
            for (String token : upgrades) {
                String t = token == null ? "" : token.trim().toLowerCase(Locale.ROOT);
                if (!HttpTokens.isToken(t)) {
                    throw new IllegalArgumentException("upgrades: " + (token == null ? "null" : '"' + token + '"')
                            + " (expected: a protocol token such as websocket)");
                }
                if (t.equals("h2c")) {
                    throw new IllegalArgumentException("upgrades: h2c (expected: a protocol other than h2c, which"
                            + " the listener handles)");
                }
                tokens.add(t);
            }
            this.upgrades = Collections.unmodifiableSet(tokens);
            return this;
        }

        /**
         * Concurrent streams per HTTP/2 backend connection (default {@value #DEFAULT_MAX_STREAMS_PER_CONNECTION}).
         *
         * @param maxStreamsPerConnection the max streams per connection
         * @return this builder
         * @throws IllegalArgumentException unless {@code >= 1}
         */
        public Builder maxStreamsPerConnection(int maxStreamsPerConnection) {
            if (maxStreamsPerConnection < 1) {
                throw new IllegalArgumentException(
                        "maxStreamsPerConnection: " + maxStreamsPerConnection + " (expected: >= 1)");
            }
            this.maxStreamsPerConnection = maxStreamsPerConnection;
            return this;
        }

        /**
         * TLS to {@code https://} backends (default {@link BackendTls#defaults()}).
         *
         * @param backendTls the backend tls
         * @return this builder
         */
        public Builder backendTls(BackendTls backendTls) {
            this.backendTls = Objects.requireNonNull(backendTls, "backendTls");
            return this;
        }

        /**
         * The data path for a route of the standalone balancer (default {@link #DEFAULT_DATA_PATH}).
         *
         * @param dataPath the data path
         * @return this builder
         */
        public Builder dataPath(DataPath dataPath) {
            this.dataPath = Objects.requireNonNull(dataPath, "dataPath");
            return this;
        }

        /** {@return the options with this builder's settings} */
        public ProxyOptions build() {
            return new ProxyOptions(this);
        }

        @Override
        public String toString() {
            return "ProxyOptions.Builder" + build().toString().substring("ProxyOptions".length());
        }
    }
}
