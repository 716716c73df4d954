package dev.jlb.jetty.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * How a route talks TLS to its {@code https://} backends (a route's {@code backend_tls:}): the
 * CAs that sign their certificates (the JDK's trust store by default), hostname verification (on
 * by default), an optional client certificate (mTLS), the SNI name (the backend's host by
 * default) and the protocols. One {@link #sslContext()} serves the proxy client
 * ({@link #newSslContextFactory()}) and the active health checks ({@link #sslParameters()}), so
 * both verify alike: verification lives in the context's trust manager.
 *
 * <p>Immutable and thread-safe. {@link #equals} compares the settings and the contents the files
 * had when this was built, so a configuration reload after a CA file changed makes a new client.
 * The files are read once, by {@link #check()} or the first {@link #sslContext()}.
 */
public final class BackendTls {

    private static final BackendTls DEFAULTS = builder().build();

    private final Path ca;
    private final KeySource clientCertificate;
    private final String sni;
    private final boolean verifyHostname;
    private final boolean insecure;
    private final List<String> protocols;
    private final String fingerprint;
    private volatile SSLContext context;
    private volatile List<String> warnings = List.of();

    private BackendTls(Builder b) {
        this.ca = b.ca;
        this.clientCertificate = b.clientCertificate;
        this.sni = b.sni;
        this.verifyHostname = b.verifyHostname;
        this.insecure = b.insecure;
        this.protocols = List.copyOf(b.protocols);
        List<Path> files = new ArrayList<>();
        if (ca != null) {
            files.add(ca);
        }
        if (clientCertificate != null) {
            files.addAll(List.of(clientCertificate.files()));
        }
        this.fingerprint = files.isEmpty() ? "" : TlsFiles.fingerprint(files);
    }

    /** {@return the JDK's trust store, hostname verification on, no client certificate} */
    public static BackendTls defaults() {
        return DEFAULTS;
    }

    /** {@return a new builder: the JDK trust store, hostname verification on} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the CA bundle, or null for the JDK's trust store} */
    public Path ca() {
        return ca;
    }

    /** {@return the client certificate presented to backends, or null} */
    public KeySource clientCertificate() {
        return clientCertificate;
    }

    /** {@return the SNI name (and the name verified), or null for the backend's host} */
    public String sni() {
        return sni;
    }

    /** {@return whether the backend certificate must name the backend host} */
    public boolean verifyHostname() {
        return verifyHostname && !insecure;
    }

    /** {@return whether backends' certificates are not verified at all (test rigs only)} */
    public boolean insecure() {
        return insecure;
    }

    /** {@return the TLS protocol versions offered to backends} */
    public List<String> protocols() {
        return protocols;
    }

    /**
     * Warnings about the files' certificates (expired, not yet valid) once read.
     *
     * @return the list
     */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Reads the files now, so that a bad one is reported before use.
     *
     * @throws TlsFileException when a file is missing, unreadable or not what its field expects (the message names the field and the file)
     */
    public void check() throws TlsFileException {
        context();
    }

    /**
     * The context that verifies backends as these settings say.
     *
     * @return the context that verifies backends as these settings say
     * @throws IllegalStateException when a file cannot be used (see {@link #check()})
     */
    public SSLContext sslContext() {
        try {
            return context();
        } catch (TlsFileException e) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    private SSLContext context() throws TlsFileException {
        SSLContext c = context;
        if (c == null) {
            synchronized (this) {
                c = context;
                if (c == null) {
                    c = create();
                    context = c;
                }
            }
        }
        return c;
    }

    private SSLContext create() throws TlsFileException {
        List<String> found = new ArrayList<>();
        try {
            KeyManager[] keyManagers = null;
            if (clientCertificate != null) {
                TlsFiles.KeyMaterial km = TlsFiles.load(clientCertificate, Clock.systemUTC().instant());
                found.addAll(km.warnings());
                char[] password = "jlb".toCharArray();
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(TlsFiles.keyStore(km.entries().subList(0, 1), password), password);
                keyManagers = kmf.getKeyManagers();
            }
            TrustManager[] trustManagers;
            if (insecure) {
                trustManagers = new TrustManager[] {new TrustAll()};
            } else {
                KeyStore trust = ca == null ? null : TlsFiles.trustStore("ca", ca, Clock.systemUTC().instant(), found);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                X509ExtendedTrustManager pkix = null;
                for (TrustManager tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509ExtendedTrustManager x) {
                        pkix = x;
                    }
                }
                trustManagers = new TrustManager[] {verifyHostname ? pkix : new ChainOnly(pkix)};
            }
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(keyManagers, trustManagers, null);
            warnings = List.copyOf(found);
            return c;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(ca != null ? "ca" : "cert", e.toString());
        }
    }

    /** {@return a proxy client's TLS: this context, the protocols, hostname verification and the SNI name} */
    public SslContextFactory.Client newSslContextFactory() {
        SslContextFactory.Client f = new SslContextFactory.Client();
        f.setSslContext(sslContext());
        // Verification is the trust manager's; HTTPS makes the JDK check the name it was given.
        f.setEndpointIdentificationAlgorithm(verifyHostname() ? "HTTPS" : null);
        f.setIncludeProtocols(protocols.toArray(new String[0]));
        if (sni != null) {
            List<javax.net.ssl.SNIServerName> names = List.of(new SNIHostName(sni));
            f.setSNIProvider((engine, given) -> names);
        }
        return f;
    }

    /**
     * The parameters for other clients of {@link #sslContext()} (the health checks on
     * {@code java.net.http}): the protocols and the SNI name. That client sends its URI's host as
     * SNI when it is a name, so a configured {@link #sni()} reaches a backend given by address.
     *
     * @return the sslparameters
     */
    public SSLParameters sslParameters() {
        SSLParameters p = new SSLParameters();
        p.setProtocols(protocols.toArray(new String[0]));
        if (verifyHostname()) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (sni != null) {
            p.setServerNames(List.of(new SNIHostName(sni)));
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BackendTls that)) {
            return false;
        }
        return verifyHostname == that.verifyHostname && insecure == that.insecure && Objects.equals(ca, that.ca)
                && Objects.equals(clientCertificate, that.clientCertificate) && Objects.equals(sni, that.sni)
                && protocols.equals(that.protocols) && fingerprint.equals(that.fingerprint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ca, clientCertificate, sni, verifyHostname, insecure, protocols, fingerprint);
    }

    @Override
    public String toString() {
        if (insecure) {
            return "INSECURE (backend certificates not verified)";
        }
        StringBuilder s = new StringBuilder(ca == null ? "JDK trust store" : "ca " + ca);
        if (!verifyHostname) {
            s.append(", no hostname verification");
        }
        if (sni != null) {
            s.append(", sni ").append(sni);
        }
        if (clientCertificate != null) {
            s.append(", client ").append(clientCertificate);
        }
        return s.toString();
    }

    /** Builds a {@link BackendTls}. Not thread-safe. */
    public static final class Builder {
        private Path ca;
        private KeySource clientCertificate;
        private String sni;
        private boolean verifyHostname = true;
        private boolean insecure;
        private List<String> protocols = ServerTls.DEFAULT_PROTOCOLS;

        private Builder() {
        }

        /**
         * The PEM bundle of the CAs that sign backends' certificates (default: the JDK's trust store).
         *
         * @param ca the ca
         * @return this builder
         */
        public Builder ca(Path ca) {
            this.ca = Objects.requireNonNull(ca, "ca");
            return this;
        }

        /**
         * A client certificate to present to backends that ask for one (mTLS).
         *
         * @param clientCertificate the client certificate
         * @return this builder
         */
        public Builder clientCertificate(KeySource clientCertificate) {
            this.clientCertificate = Objects.requireNonNull(clientCertificate, "clientCertificate");
            return this;
        }

        /**
         * The name sent as SNI and verified in the backend's certificate (default: the backend's host).
         *
         * @param sni the sni
         * @return this builder
         */
        public Builder sni(String sni) {
            Objects.requireNonNull(sni, "sni");
            String s = sni.strip();
            if (s.isEmpty() || !s.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")
                    || s.matches("[0-9.]+")) {
                throw new IllegalArgumentException("sni: " + sni + " (expected: a DNS host name such as api.internal)");
            }
            this.sni = s;
            return this;
        }

        /**
         * Whether the backend's certificate must name its host, or {@link #sni} (default true).
         *
         * @param verifyHostname the verify hostname
         * @return this builder
         */
        public Builder verifyHostname(boolean verifyHostname) {
            this.verifyHostname = verifyHostname;
            return this;
        }

        /**
         * Accepts any certificate: no chain, no name verified (default false). For test rigs.
         *
         * @param insecure the insecure
         * @return this builder
         */
        public Builder insecure(boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        /**
         * {@code TLSv1.3} and/or {@code TLSv1.2} (default both).
         *
         * @param protocols the protocols
         * @return this builder
         */
        public Builder protocols(List<String> protocols) {
            List<String> p = List.copyOf(protocols);
            if (p.isEmpty()) {
                throw new IllegalArgumentException("protocols: [] (expected: TLSv1.2, TLSv1.3 or both)");
            }
            p.forEach(ServerTls::checkProtocol);
            this.protocols = p;
            return this;
        }

        /** {@return the settings of this builder} */
        public BackendTls build() {
            if (insecure && ca != null) {
                throw new IllegalArgumentException("insecure: true (expected: false with a ca to verify against)");
            }
            return new BackendTls(this);
        }
    }

    /** Verifies the chain, not the name: {@code verify_hostname: false}. */
    private static final class ChainOnly extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager pkix;

        ChainOnly(X509ExtendedTrustManager pkix) {
            this.pkix = pkix;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    /** Accepts every certificate: {@code insecure: true}. */
    private static final class TrustAll extends X509ExtendedTrustManager implements X509TrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
