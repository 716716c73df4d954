package dev.jlb.jetty.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * How a listener terminates TLS (the {@code server.tls} section): its certificates, chosen by SNI
 * (the first is the default for clients that send no name or an unknown one), client-certificate
 * verification, protocols and cipher suites. Files are read by {@link ServerTlsContext}. Immutable.
 *
 * @param certificates the certificates, at least one; the first is the default
 * @param clientAuth whether clients must present a certificate signed by {@code clientCa}
 * @param clientCa the PEM bundle of the CAs that sign client certificates; required unless
 *     {@code clientAuth} is {@link ClientAuth#NONE}
 * @param protocols {@code TLSv1.3} and/or {@code TLSv1.2} (default both)
 * @param cipherSuites the cipher suites, in order of preference; empty (the default) for the JDK's
 *     less Jetty's weak ones (no RSA key exchange, no SHA-1, no CBC with SHA-1)
 * @param port the HTTPS port beside {@code server.port}'s HTTP; {@link #SAME_PORT} (the default)
 *     makes {@code server.port} itself HTTPS
 * @param redirectHttp whether the HTTP port answers every request with a 308 to HTTPS (only with a
 *     {@code port} of its own)
 * @param reloadInterval how often the files are checked for changes (default 10s); zero turns
 *     reloading off
 * @param alpn the application protocols offered by ALPN, in the server's order of preference:
 *     {@code h2} and/or {@code http/1.1} (default both, h2 first); a client without ALPN, or one
 *     that offers neither, speaks HTTP/1.1
 */
public record ServerTls(List<KeySource> certificates, ClientAuth clientAuth, Path clientCa, List<String> protocols,
        List<String> cipherSuites, int port, boolean redirectHttp, Duration reloadInterval, List<String> alpn) {

    /** The application protocols offered by default: HTTP/2, then HTTP/1.1. */
    public static final List<String> DEFAULT_ALPN = List.of("h2", "http/1.1");

    /** The protocols jlb speaks, newest first. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** {@link #port()} for "server.port is the HTTPS port". */
    public static final int SAME_PORT = -1;
    /** Default interval at which certificate files are checked for changes. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);
    private static final Set<String> PROTOCOLS = Set.copyOf(DEFAULT_PROTOCOLS);

    /** Client-certificate verification. */
    public enum ClientAuth {
        /** No client certificate is asked for. */
        NONE,
        /** A certificate is asked for; a client without one is served, one with a bad one is refused. */
        OPTIONAL,
        /** Only clients with a certificate signed by the client CA complete the handshake. */
        REQUIRED;

        /**
         * {@code none}, {@code optional} or {@code required}.
         *
         * @param s the s
         * @return {@code none}, {@code optional} or {@code required}
         */
        public static ClientAuth parse(String s) {
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("client_auth: " + s + " (expected: none, optional or required)");
            }
        }
    }

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param certificates the certificates, at least one; the first is the default
     * @param clientAuth whether clients must present a certificate signed by {@code clientCa}
     * @param clientCa the PEM bundle of the CAs that sign client certificates; required unless {@code clientAuth} is {@link ClientAuth#NONE}
     * @param protocols {@code TLSv1.3} and/or {@code TLSv1.2} (default both)
     * @param cipherSuites the cipher suites, in order of preference; empty (the default) for the JDK's less Jetty's weak ones (no RSA key exchange, no SHA-1, no CBC with SHA-1)
     * @param port the HTTPS port beside {@code server.port}'s HTTP; {@link #SAME_PORT} (the default) makes {@code server.port} itself HTTPS
     * @param redirectHttp whether the HTTP port answers every request with a 308 to HTTPS (only with a {@code port} of its own)
     * @param reloadInterval how often the files are checked for changes (default 10s); zero turns reloading off
     * @param alpn the application protocols offered by ALPN, in order of preference: {@code h2} and/or {@code http/1.1}
     */
    public ServerTls {
        certificates = List.copyOf(certificates);
        Objects.requireNonNull(clientAuth, "clientAuth");
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        alpn = List.copyOf(alpn);
        if (alpn.isEmpty() || !alpn.contains("http/1.1") && !alpn.contains("h2")) {
            throw new IllegalArgumentException("alpn: " + alpn + " (expected: h2, http/1.1 or both)");
        }
        alpn.forEach(ServerTls::checkAlpn);
        if (alpn.stream().distinct().count() != alpn.size()) {
            throw new IllegalArgumentException("alpn: " + alpn + " (expected: each protocol once)");
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("certificates: [] (expected: at least one certificate)");
        }
        if (clientAuth != ClientAuth.NONE && clientCa == null) {
            throw new IllegalArgumentException("clientCa: none (expected: a CA bundle with client_auth "
                    + clientAuth.name().toLowerCase(Locale.ROOT) + ")");
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("protocols: [] (expected: TLSv1.2, TLSv1.3 or both)");
        }
        protocols.forEach(ServerTls::checkProtocol);
        cipherSuites.forEach(ServerTls::checkCipherSuite);
        if (port < SAME_PORT || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (redirectHttp && port == SAME_PORT) {
            throw new IllegalArgumentException("redirectHttp: true (expected: a tls port of its own, beside server.port)");
        }
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reloadInterval: " + reloadInterval + " (expected: >= 0)");
        }
    }

    /**
     * One certificate on {@code server.port}, the defaults otherwise.
     *
     * @param certificate the certificate
     * @return one certificate on {@code server.port}, the defaults otherwise
     */
    public static ServerTls of(KeySource certificate) {
        return new ServerTls(List.of(certificate), ClientAuth.NONE, null, DEFAULT_PROTOCOLS, List.of(), SAME_PORT, false,
                DEFAULT_RELOAD_INTERVAL, DEFAULT_ALPN);
    }

    /**
     * Refuses an application protocol other than {@code h2} and {@code http/1.1}.
     *
     * @param protocol the protocol
     */
    public static void checkAlpn(String protocol) {
        if (!DEFAULT_ALPN.contains(protocol)) {
            throw new IllegalArgumentException("alpn: " + protocol + " (expected: h2 or http/1.1)");
        }
    }

    /** {@return whether HTTP/2 is offered} */
    public boolean h2() {
        return alpn.contains("h2");
    }

    /**
     * Refuses a protocol other than {@code TLSv1.2} and {@code TLSv1.3}.
     *
     * @param protocol the protocol
     */
    public static void checkProtocol(String protocol) {
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("protocols: " + protocol + " (expected: TLSv1.2 or TLSv1.3)");
        }
    }

    /**
     * Refuses a cipher suite this JVM does not support.
     *
     * @param suite the suite
     */
    public static void checkCipherSuite(String suite) {
        String[] supported;
        try {
            supported = SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (Arrays.stream(supported).noneMatch(suite::equals)) {
            throw new IllegalArgumentException("cipher_suites: " + suite + " (expected: a cipher suite of this JVM, such "
                    + "as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)");
        }
    }

    /** {@return every file these settings read} */
    public List<Path> files() {
        java.util.ArrayList<Path> files = new java.util.ArrayList<>();
        certificates.forEach(c -> files.addAll(Arrays.asList(c.files())));
        if (clientCa != null) {
            files.add(clientCa);
        }
        return files;
    }
}
