package dev.jlb.standalone;

import dev.jlb.jetty.config.ServerConfig;
import dev.jlb.jetty.tls.ServerTls;
import dev.jlb.jetty.tls.ServerTlsContext;
import dev.jlb.jetty.tls.TlsFileException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import dev.jlb.jetty.engine.EngineConnectionFactory;
import dev.jlb.jetty.engine.EngineConnector;
import dev.jlb.jetty.engine.HttpEngine;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The balancer's connectors, and the one place that knows which protocols a listener speaks:
 * {@link #http} is cleartext HTTP/1.1 (and h2c); {@link #https} is TLS with ALPN choosing h2 or
 * HTTP/1.1 inside ({@link #tlsFactories}). On both the {@link HttpEngine} serves HTTP/1.1 first
 * (not on a port that only redirects to HTTPS), on an {@link EngineConnector}, and hands what it does
 * not take to Jetty's HTTP/1.1. Both time request headers
 * ({@link HeaderTimeoutConnectionFactory}) and take the server section's accept queue and idle
 * timeout. Without {@code server.tls}, {@code server.port} is HTTP; with it, {@code server.port}
 * is HTTPS, or with {@code server.tls.port} HTTP beside HTTPS on that port (optionally
 * redirecting to it). The connectors are bound by {@link #open()}, once the routes are ready.
 *
 * <p>Thread-safe once constructed.
 */
final class Listeners {

    /** {@code server.port}'s connector. */
    private final ServerConnector main;
    /** The HTTPS connector ({@code main} itself without a tls port of its own), or null without TLS. */
    private final ServerConnector secure;
    private final ServerTlsContext tls;
    /**
     * The lean data path (null: none), first for HTTP/1.1 on every connector but a redirect-only one:
     * on cleartext before HTTP/1.1 and h2c, behind TLS as the protocol HTTP/1.1 negotiates to.
     */
    private final HttpEngine engine;

    /**
     * Makes the connectors of {@code s} and adds them to {@code server}; reads the TLS files.
     *
     * @throws TlsFileException when a TLS file changed for the worse since the configuration was read
     */
    Listeners(Server server, ServerConfig s, int selectors, HeaderTimeouts timeouts, HttpEngine engine)
            throws TlsFileException {
        this.engine = engine;
        HttpConfiguration http = httpConfiguration();
        ServerTls t = s.tls();
        if (t == null) {
            tls = null;
            main = http(server, s, s.port(), selectors, http, timeouts, engine);
            secure = null;
        } else {
            tls = ServerTlsContext.create(t);
            if (t.port() == ServerTls.SAME_PORT) {
                main = https(server, s, s.port(), selectors, http, timeouts, tls.sslContextFactory(), t.alpn(), engine);
                secure = main;
            } else {
                // A port that only redirects to HTTPS proxies nothing: the engine has no work there.
                main = http(server, s, s.port(), selectors, http, timeouts, t.redirectHttp() ? null : engine);
                secure = https(server, s, t.port(), selectors, http, timeouts, tls.sslContextFactory(), t.alpn(),
                        engine);
            }
        }
        server.addConnector(main);
        if (secure != null && secure != main) {
            server.addConnector(secure);
        }
    }

    /** Binds the ports. */
    void open() throws java.io.IOException {
        main.open();
        if (secure != null && secure != main) {
            secure.open();
        }
    }

    ServerConnector main() {
        return main;
    }

    /** {@code server.port}'s local port. */
    int port() {
        return main.getLocalPort();
    }

    /** The HTTPS port, or -1 without TLS. */
    int tlsPort() {
        return secure == null ? -1 : secure.getLocalPort();
    }

    /** The TLS of the HTTPS listener, or null. */
    ServerTlsContext tls() {
        return tls;
    }

    /** Whether the HTTP port redirects to HTTPS. */
    boolean redirectsHttp() {
        return tls != null && tls.settings().redirectHttp();
    }

    void setIdleTimeout(long millis) {
        main.setIdleTimeout(millis);
        if (secure != null) {
            secure.setIdleTimeout(millis);
        }
    }

    /** Reads the certificates again if their files changed; whether new ones are in use. */
    boolean reloadTls() {
        return tls != null && tls.reloadIfChanged();
    }

    /**
     * Checks the certificate files every {@code reload_interval} while {@code server} runs: the
     * scheduler's thread hands each check to {@code executor} (it reads files).
     */
    void scheduleTlsReload(Server server, java.util.concurrent.Executor executor) {
        if (tls == null || tls.settings().reloadInterval().isZero() || !server.isRunning()) {
            return;
        }
        server.getScheduler().schedule(() -> {
            try {
                executor.execute(() -> {
                    reloadTls();
                    scheduleTlsReload(server, executor);
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // Shutting down.
            }
        }, tls.settings().reloadInterval().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** {@code http://0.0.0.0:8080} or {@code https://...}, and the other listener. */
    String describe(String address) {
        if (secure == null) {
            return "http://" + address + ":" + port();
        }
        String https = "https://" + address + ":" + tlsPort() + " (client certificates: "
                + tls.settings().clientAuth().name().toLowerCase(java.util.Locale.ROOT) + ")";
        return secure == main ? https : "http://" + address + ":" + port()
                + (redirectsHttp() ? " (redirecting to https)" : "") + " and " + https;
    }

    /** The HTTP configuration of every listener: no version headers, header values passed exactly. */
    static HttpConfiguration httpConfiguration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setHttpCompliance(HttpEngine.strictCompliance()); // both data paths refuse the same heads
        // Jetty's per-connection header cache matches values ignoring case by default, so a Cookie
        // equal to the previous request's but for case would reach backends in the previous spelling.
        http.setHeaderCacheCaseSensitive(true);
        return http;
    }

    /** A cleartext connector on {@code port}: HTTP/1.1, and h2c unless {@code server.h2c: false}. */
    static ServerConnector http(Server server, ServerConfig s, int port, int selectors, HttpConfiguration http,
            HeaderTimeouts timeouts, HttpEngine engine) {
        ConnectionFactory[] protocols = CleartextProtocols.factories(http, timeouts, s.h2c());
        if (engine != null) {
            ConnectionFactory[] withEngine = new ConnectionFactory[protocols.length + 1];
            withEngine[0] = engine;
            System.arraycopy(protocols, 0, withEngine, 1, protocols.length);
            // The engine's backend connections share this connector's selectors.
            return tune(new EngineConnector(server, selectors, withEngine), s, port);
        }
        return tune(new ServerConnector(server, 1, selectors, protocols), s, port);
    }

    /**
     * A TLS connector on {@code port}: requests are secure ({@code https} scheme, so
     * {@code X-Forwarded-Proto: https} and {@code Secure} sticky cookies), client certificates
     * reach the request's attributes (on the Jetty path); ALPN offers {@code alpn} ({@code h2},
     * {@code http/1.1}). With {@code engine}, an {@link EngineConnector} whose HTTP/1.1 is the
     * engine first (see {@link #tlsFactories}).
     */
    static ServerConnector https(Server server, ServerConfig s, int port, int selectors, HttpConfiguration http,
            HeaderTimeouts timeouts, SslContextFactory.Server ssl, List<String> alpn, HttpEngine engine) {
        HttpConfiguration secure = new HttpConfiguration(http);
        // A client may send SNI for one name and Host for another it shares the certificate with (or
        // none): the certificate was the client's to verify; refusing here would only break it.
        SecureRequestCustomizer customizer = new SecureRequestCustomizer(false);
        secure.addCustomizer(customizer);
        secure.setSecureScheme("https");
        ConnectionFactory[] factories = tlsFactories(ssl, secure, timeouts, alpn, engine);
        // With the engine, its backend connections share this connector's selectors.
        return tune(engine != null ? new EngineConnector(server, selectors, factories)
                : new ServerConnector(server, 1, selectors, factories), s, port);
    }

    /**
     * The connection factories of a TLS connector: TLS, then ALPN choosing among {@code alpn} in
     * that order of preference (HTTP/1.1 for a client without ALPN), then each protocol. With h2,
     * cipher suites that RFC 9113 forbids are sorted last, so that a client that offers both gets
     * one HTTP/2 accepts (Jetty's HTTP/2 refuses a connection on a forbidden suite).
     *
     * <p>With {@code engine}, HTTP/1.1 (what ALPN's {@code http/1.1} negotiates to, or what TLS
     * names next without ALPN) is the engine, which hands what it does not take (routes with
     * {@code data_path: jetty}, requests it leaves to Jetty) to the timed HTTP/1.1 factory: an
     * {@link EngineConnectionFactory} under that factory's name. h2 stays Jetty's.
     */
    static ConnectionFactory[] tlsFactories(SslContextFactory.Server ssl, HttpConfiguration secure,
            HeaderTimeouts timeouts, List<String> alpn, HttpEngine engine) {
        HeaderTimeoutConnectionFactory timed = new HeaderTimeoutConnectionFactory(secure, timeouts);
        ConnectionFactory http1 = engine != null ? new EngineConnectionFactory(engine, timed) : timed;
        if (!alpn.contains("h2")) {
            return new ConnectionFactory[] {new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()), http1};
        }
        if (!ssl.isStarted()) {
            ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        }
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(secure);
        List<ConnectionFactory> protocols = new ArrayList<>();
        for (String p : alpn) {
            protocols.add(p.equals("h2") ? h2 : http1);
        }
        // ALPN compares names exactly: HTTP/1.1 is "http/1.1" on the wire (Jetty's factory calls it
        // "HTTP/1.1"; the connector finds factories ignoring case).
        ALPNServerConnectionFactory negotiation = new ALPNServerConnectionFactory(alpn.toArray(new String[0]));
        // A client that sends no ALPN speaks HTTP/1.1 (or h2, when HTTP/1.1 is not offered at all).
        negotiation.setDefaultProtocol(alpn.contains("http/1.1") ? "http/1.1" : h2.getProtocol());
        protocols.add(0, negotiation);
        protocols.add(0, new SslConnectionFactory(ssl, negotiation.getProtocol()));
        return protocols.toArray(new ConnectionFactory[0]);
    }

    private static ServerConnector tune(ServerConnector connector, ServerConfig s, int port) {
        connector.setHost(s.address());
        connector.setPort(port);
        connector.setAcceptQueueSize(s.acceptQueue());
        connector.setIdleTimeout(s.idleTimeout().toMillis());
        return connector;
    }
}
