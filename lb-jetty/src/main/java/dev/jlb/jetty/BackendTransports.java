package dev.jlb.jetty;

import java.util.function.ToIntFunction;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ConcurrentPool;

/**
 * The client transport for a {@link BackendProtocol}: HTTP/1.1, HTTP/2 with prior knowledge
 * ({@code h2c}), or HTTP/2 negotiated by ALPN with an HTTP/1.1 fallback ({@code h2}).
 *
 * <p>HTTP/2 transports pool connections per backend in a {@link MultiplexConnectionPool} whose
 * per-connection stream bound is the smaller of {@link ProxyOptions#maxStreamsPerConnection()} and
 * the backend's {@code SETTINGS_MAX_CONCURRENT_STREAMS}; a new connection opens only when every
 * open one carries its bound. The HTTP/2 classes live in an optional jar: they are only loaded by
 * the nested {@link Http2} class, so HTTP/1.1 users never need it, and an HTTP/2 route without it
 * fails at start with the artifact's name.
 */
final class BackendTransports {

    /** The optional artifact that HTTP/2 backends need. */
    static final String HTTP2_ARTIFACT = "org.eclipse.jetty.http2:jetty-http2-client-transport";

    private BackendTransports() {
    }

    static HttpClientTransport newTransport(ProxyOptions options, ClientConnector connector) {
        BackendProtocol protocol = options.backendProtocol();
        if (!protocol.isHttp2()) {
            HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
            // Jetty's per-connection header cache compares values ignoring case by default, which on
            // the server side rewrites a request's Cookie into an earlier request's spelling. The
            // client was not seen doing so for responses (HeaderCaseTest), but a proxy must pass
            // values exactly: say so explicitly.
            transport.setHeaderCacheCaseSensitive(true);
            return transport;
        }
        try {
            return Http2.newTransport(protocol, options, connector);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("protocol: " + protocol + " needs " + HTTP2_ARTIFACT
                    + " on the class path (expected: that jar, or protocol http1)", e);
        }
    }

    /** Everything that names an HTTP/2 class. */
    private static final class Http2 {
        static HttpClientTransport newTransport(BackendProtocol protocol, ProxyOptions options,
                ClientConnector connector) {
            HTTP2Client http2 = new HTTP2Client(connector);
            int maxStreams = options.maxStreamsPerConnection();
            int maxConnections = options.maxConnectionsPerBackend();
            if (protocol == BackendProtocol.H2C) {
                HttpClientTransportOverHTTP2 transport = new HttpClientTransportOverHTTP2(http2);
                http2.setUseALPN(false); // prior knowledge, also over TLS
                transport.setConnectionPoolFactory(
                        destination -> new BoundedPool(destination, maxConnections, maxStreams, maxStreams));
                return transport;
            }
            HttpClientTransportDynamic transport = new HttpClientTransportDynamic(connector,
                    new ClientConnectionFactoryOverHTTP2.HTTP2(http2), HttpClientConnectionFactory.HTTP11);
            // Until ALPN has chosen, a connection may be HTTP/1.1: count it as one request at a time.
            transport.setConnectionPoolFactory(
                    destination -> new BoundedPool(destination, maxConnections, maxStreams, 1));
            return transport;
        }
    }

    /** A multiplexed pool that never puts more than {@code maxStreams} requests on a connection. */
    static final class BoundedPool extends MultiplexConnectionPool {
        BoundedPool(Destination destination, int maxConnections, int maxStreams, int initialMaxMultiplex) {
            super(destination, () -> new ConcurrentPool<>(ConcurrentPool.StrategyType.FIRST, maxConnections,
                    bound(maxStreams, initialMaxMultiplex)), initialMaxMultiplex);
        }

        private static ToIntFunction<Connection> bound(int maxStreams, int otherwise) {
            return connection -> connection instanceof ConnectionPool.MaxMultiplexable m
                    ? Math.max(1, Math.min(maxStreams, m.getMaxMultiplex()))
                    : otherwise;
        }
    }
}
