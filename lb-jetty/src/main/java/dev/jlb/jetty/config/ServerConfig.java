package dev.jlb.jetty.config;

import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.tls.ServerTls;
import java.time.Duration;
import java.util.Objects;

/**
 * jlb's own HTTP server: where it listens and how it is tuned (the {@code server:} section; the Go
 * original's {@code lb_port} sets {@link #port()}). Immutable.
 *
 * @param address the address to listen on (default {@value #DEFAULT_ADDRESS}: every interface)
 * @param port the port to listen on (default {@value #DEFAULT_PORT}; 0 lets the OS choose)
 * @param threads the work threads of the one thread pool shared by the server and the clients to
 *     backends; the threads Jetty leases for good (acceptor, selectors, a client selector per route)
 *     come on top; {@value #AUTO} (the default) sizes it for the cores
 * @param selectors the number of NIO selectors; {@value #AUTO} (the default) lets Jetty choose
 * @param acceptQueue the TCP accept backlog (default {@value #DEFAULT_ACCEPT_QUEUE})
 * @param idleTimeout how long an idle client connection stays open (default 30s)
 * @param maxConnectionsPerBackend the size of the connection pool to each backend (default
 *     {@value #DEFAULT_MAX_CONNECTIONS_PER_BACKEND})
 * @param maxRequestsQueuedPerBackend requests that may wait for a connection to one backend
 *     (default {@value #DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND}); beyond that an attempt fails at once
 * @param shutdownGracePeriod how long a stopping jlb lets requests in flight finish (default 30s)
 * @param accessLog whether one line per request is logged (default false)
 * @param headerTimeout how long a client may take to send a request's headers, from the first byte
 *     of the request (from accept for a connection's first request) to the end of its headers
 *     (default 10s); then the connection is closed, after a 408 if part of a request had arrived
 * @param maxResponseHeaderSize the most bytes of a backend's response status line and headers
 *     (default {@link ProxyOptions#DEFAULT_MAX_RESPONSE_HEADER_SIZE}: 16 KiB); a larger one is a 502
 * @param tls TLS termination ({@code server.tls}), or null for HTTP only
 * @param h2c whether the cleartext listener also speaks HTTP/2 without TLS, on the same port as
 *     HTTP/1.1, by prior knowledge or {@code Upgrade: h2c} (default {@value #DEFAULT_H2C})
 */
public record ServerConfig(String address, int port, int threads, int selectors, int acceptQueue,
        Duration idleTimeout, int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend,
        Duration shutdownGracePeriod, boolean accessLog, Duration headerTimeout, int maxResponseHeaderSize,
        ServerTls tls, boolean h2c) {

    /** Every interface. */
    public static final String DEFAULT_ADDRESS = "0.0.0.0";
    /** The Go original's port. */
    public static final int DEFAULT_PORT = 8080;
    /** "Choose for this machine", for {@link #threads()} and {@link #selectors()}. */
    public static final int AUTO = 0;
    /** Default {@code server.accept_queue}: the listen backlog. */
    public static final int DEFAULT_ACCEPT_QUEUE = 1024;
    /** Default {@code server.idle_timeout} of client connections. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@code server.max_connections_per_backend}. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_BACKEND = ProxyOptions.DEFAULT_MAX_CONNECTIONS_PER_BACKEND;
    /** Default {@code server.max_requests_queued_per_backend}. */
    public static final int DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND =
            ProxyOptions.DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND;
    /** Default {@code server.shutdown_grace_period}: how long requests in flight may finish on stop. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE_PERIOD = Duration.ofSeconds(30);
    /**
     * HAProxy's usual {@code timeout http-request}: a client sends its headers in one round trip,
     * so 10 s is ample on any network, and a slow-header client (slowloris) holds a socket for a
     * sixth of nginx's 60 s {@code client_header_timeout}. Idle keep-alive time does not count
     * (that is {@link #idleTimeout()}): the clock starts at a request's first byte.
     */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

    /** Whether the cleartext listener speaks h2c beside HTTP/1.1, by default (as Jetty, nginx's {@code http2 on} does not). */
    public static final boolean DEFAULT_H2C = true;

    /** Every setting at its default. */
    public static final ServerConfig DEFAULTS = new ServerConfig(DEFAULT_ADDRESS, DEFAULT_PORT, AUTO, AUTO,
            DEFAULT_ACCEPT_QUEUE, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_BACKEND,
            DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND, DEFAULT_SHUTDOWN_GRACE_PERIOD, false, DEFAULT_HEADER_TIMEOUT,
            ProxyOptions.DEFAULT_MAX_RESPONSE_HEADER_SIZE, null, DEFAULT_H2C);

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param address the address to listen on (default {@value #DEFAULT_ADDRESS}: every interface)
     * @param port the port to listen on (default {@value #DEFAULT_PORT}; 0 lets the OS choose)
     * @param threads the work threads of the one thread pool shared by the server and the clients to backends; the threads Jetty leases for good (acceptor, selectors, a client selector per route) come on top; {@value #AUTO} (the default) sizes it for the cores
     * @param selectors the number of NIO selectors; {@value #AUTO} (the default) lets Jetty choose
     * @param acceptQueue the TCP accept backlog (default {@value #DEFAULT_ACCEPT_QUEUE})
     * @param idleTimeout how long an idle client connection stays open (default 30s)
     * @param maxConnectionsPerBackend the size of the connection pool to each backend (default {@value #DEFAULT_MAX_CONNECTIONS_PER_BACKEND})
     * @param maxRequestsQueuedPerBackend requests that may wait for a connection to one backend (default {@value #DEFAULT_MAX_REQUESTS_QUEUED_PER_BACKEND}); beyond that an attempt fails at once
     * @param shutdownGracePeriod how long a stopping jlb lets requests in flight finish (default 30s)
     * @param accessLog whether one line per request is logged (default false)
     * @param headerTimeout how long a client may take to send a request's headers, from the first byte of the request (from accept for a connection's first request) to the end of its headers (default 10s); then the connection is closed, after a 408 if part of a request had arrived
     * @param maxResponseHeaderSize the most bytes of a backend's response status line and headers (default {@link ProxyOptions#DEFAULT_MAX_RESPONSE_HEADER_SIZE}: 16 KiB); a larger one is a 502
     * @param tls TLS termination ({@code server.tls}), or null for HTTP only
     * @param h2c whether the cleartext listener also speaks HTTP/2 without TLS, on the same port as HTTP/1.1, by prior knowledge or {@code Upgrade: h2c} (default {@value #DEFAULT_H2C})
     */
    public ServerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(shutdownGracePeriod, "shutdownGracePeriod");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (headerTimeout.isNegative() || headerTimeout.isZero()) {
            throw new IllegalArgumentException("headerTimeout: " + headerTimeout + " (expected: > 0)");
        }
    }

    /**
     * A configuration with the default {@link #h2c()}.
     *
     * @param address the address
     * @param port the port
     * @param threads the threads
     * @param selectors the selectors
     * @param acceptQueue the accept queue
     * @param idleTimeout the idle timeout
     * @param maxConnectionsPerBackend the max connections per backend
     * @param maxRequestsQueuedPerBackend the max requests queued per backend
     * @param shutdownGracePeriod the shutdown grace period
     * @param accessLog the access log
     * @param headerTimeout the header timeout
     * @param maxResponseHeaderSize the max response header size
     * @param tls the tls
     */
    public ServerConfig(String address, int port, int threads, int selectors, int acceptQueue, Duration idleTimeout,
            int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend, Duration shutdownGracePeriod,
            boolean accessLog, Duration headerTimeout, int maxResponseHeaderSize, ServerTls tls) {
        this(address, port, threads, selectors, acceptQueue, idleTimeout, maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout, maxResponseHeaderSize, tls,
                DEFAULT_H2C);
    }

    /**
     * A configuration without TLS, with the default {@link #maxResponseHeaderSize()} and the given {@link #h2c()}.
     *
     * @param address the address
     * @param port the port
     * @param threads the threads
     * @param selectors the selectors
     * @param acceptQueue the accept queue
     * @param idleTimeout the idle timeout
     * @param maxConnectionsPerBackend the max connections per backend
     * @param maxRequestsQueuedPerBackend the max requests queued per backend
     * @param shutdownGracePeriod the shutdown grace period
     * @param accessLog the access log
     * @param headerTimeout the header timeout
     * @param h2c the h2c
     */
    public ServerConfig(String address, int port, int threads, int selectors, int acceptQueue, Duration idleTimeout,
            int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend, Duration shutdownGracePeriod,
            boolean accessLog, Duration headerTimeout, boolean h2c) {
        this(address, port, threads, selectors, acceptQueue, idleTimeout, maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout,
                ProxyOptions.DEFAULT_MAX_RESPONSE_HEADER_SIZE, null, h2c);
    }

    /**
     * A configuration without TLS and with the default {@link #maxResponseHeaderSize()}.
     *
     * @param address the address
     * @param port the port
     * @param threads the threads
     * @param selectors the selectors
     * @param acceptQueue the accept queue
     * @param idleTimeout the idle timeout
     * @param maxConnectionsPerBackend the max connections per backend
     * @param maxRequestsQueuedPerBackend the max requests queued per backend
     * @param shutdownGracePeriod the shutdown grace period
     * @param accessLog the access log
     * @param headerTimeout the header timeout
     */
    public ServerConfig(String address, int port, int threads, int selectors, int acceptQueue, Duration idleTimeout,
            int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend, Duration shutdownGracePeriod,
            boolean accessLog, Duration headerTimeout) {
        this(address, port, threads, selectors, acceptQueue, idleTimeout, maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout,
                ProxyOptions.DEFAULT_MAX_RESPONSE_HEADER_SIZE, null);
    }

    /**
     * A configuration without TLS.
     *
     * @param address the address
     * @param port the port
     * @param threads the threads
     * @param selectors the selectors
     * @param acceptQueue the accept queue
     * @param idleTimeout the idle timeout
     * @param maxConnectionsPerBackend the max connections per backend
     * @param maxRequestsQueuedPerBackend the max requests queued per backend
     * @param shutdownGracePeriod the shutdown grace period
     * @param accessLog the access log
     * @param headerTimeout the header timeout
     * @param maxResponseHeaderSize the max response header size
     */
    public ServerConfig(String address, int port, int threads, int selectors, int acceptQueue, Duration idleTimeout,
            int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend, Duration shutdownGracePeriod,
            boolean accessLog, Duration headerTimeout, int maxResponseHeaderSize) {
        this(address, port, threads, selectors, acceptQueue, idleTimeout, maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout, maxResponseHeaderSize, null);
    }

    /**
     * A configuration with the default {@link #maxResponseHeaderSize()}.
     *
     * @param address the address
     * @param port the port
     * @param threads the threads
     * @param selectors the selectors
     * @param acceptQueue the accept queue
     * @param idleTimeout the idle timeout
     * @param maxConnectionsPerBackend the max connections per backend
     * @param maxRequestsQueuedPerBackend the max requests queued per backend
     * @param shutdownGracePeriod the shutdown grace period
     * @param accessLog the access log
     * @param headerTimeout the header timeout
     * @param tls the tls
     */
    public ServerConfig(String address, int port, int threads, int selectors, int acceptQueue, Duration idleTimeout,
            int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend, Duration shutdownGracePeriod,
            boolean accessLog, Duration headerTimeout, ServerTls tls) {
        this(address, port, threads, selectors, acceptQueue, idleTimeout, maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout,
                ProxyOptions.DEFAULT_MAX_RESPONSE_HEADER_SIZE, tls);
    }

    /**
     * A configuration with the default {@link #headerTimeout()}.
     *
     * @param address the address
     * @param port the port
     * @param threads the threads
     * @param selectors the selectors
     * @param acceptQueue the accept queue
     * @param idleTimeout the idle timeout
     * @param maxConnectionsPerBackend the max connections per backend
     * @param maxRequestsQueuedPerBackend the max requests queued per backend
     * @param shutdownGracePeriod the shutdown grace period
     * @param accessLog the access log
     */
    public ServerConfig(String address, int port, int threads, int selectors, int acceptQueue, Duration idleTimeout,
            int maxConnectionsPerBackend, int maxRequestsQueuedPerBackend, Duration shutdownGracePeriod,
            boolean accessLog) {
        this(address, port, threads, selectors, acceptQueue, idleTimeout, maxConnectionsPerBackend,
                maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, DEFAULT_HEADER_TIMEOUT);
    }

    /**
     * This configuration listening on another address and port (command-line overrides).
     *
     * @param address the address
     * @param port the port
     * @return this configuration listening on another address and port (command-line overrides)
     */
    public ServerConfig withListen(String address, int port) {
        return new ServerConfig(address, port, threads, selectors, acceptQueue, idleTimeout,
                maxConnectionsPerBackend, maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout,
                maxResponseHeaderSize, tls, h2c);
    }

    /**
     * This configuration with TLS termination ({@code null}: none).
     *
     * @param tls the tls
     * @return this configuration with TLS termination ({@code null}: none)
     */
    public ServerConfig withTls(ServerTls tls) {
        return new ServerConfig(address, port, threads, selectors, acceptQueue, idleTimeout,
                maxConnectionsPerBackend, maxRequestsQueuedPerBackend, shutdownGracePeriod, accessLog, headerTimeout,
                maxResponseHeaderSize, tls, h2c);
    }
}
