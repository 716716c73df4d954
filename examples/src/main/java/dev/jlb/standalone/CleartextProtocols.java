package dev.jlb.standalone;

import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * The protocols of a cleartext listener: HTTP/1.1 (with its header-read timeout) and, with
 * {@code server.h2c} (the default), HTTP/2 without TLS on the same port. Jetty's HTTP/1.1
 * connection hands a connection to h2c when it starts with the HTTP/2 preface (prior knowledge, as
 * gRPC clients and {@code curl --http2-prior-knowledge} do) or when a request asks for
 * {@code Upgrade: h2c}; everything else stays HTTP/1.1.
 *
 * <p>HTTP/2 connections are not covered by {@code server.header_timeout} (a slow HEADERS frame
 * holds one stream, not the connection); the listener's idle timeout applies to them.
 */
final class CleartextProtocols {

    private CleartextProtocols() {
    }

    static ConnectionFactory[] factories(HttpConfiguration http, HeaderTimeouts timeouts, boolean h2c) {
        HeaderTimeoutConnectionFactory http1 = new HeaderTimeoutConnectionFactory(http, timeouts);
        if (!h2c) {
            return new ConnectionFactory[] {http1};
        }
        return new ConnectionFactory[] {http1, new HTTP2CServerConnectionFactory(http)};
    }
}
