package dev.jlb.jetty.tls;

import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.util.ssl.SniX509ExtendedKeyManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.ssl.X509;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live TLS of a listener: a Jetty {@link SslContextFactory.Server} made from {@link ServerTls},
 * and its reload. {@link #reloadIfChanged()} reads the files again when their contents changed
 * and swaps the factory's keys in place ({@link SslContextFactory#reload}): connections open keep
 * their session, new handshakes get the new certificates. Call it from a timer (the standalone
 * does, every {@link ServerTls#reloadInterval()}) or by hand. Thread-safe.
 */
public final class ServerTlsContext {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final ServerTls tls;
    private final Clock clock;
    private final SslContextFactory.Server factory;
    /** The contents the factory holds; guarded by this. */
    private String fingerprint;

    private ServerTlsContext(ServerTls tls, Clock clock) throws TlsFileException {
        this.tls = tls;
        this.clock = clock;
        this.factory = new SslContextFactory.Server();
        fingerprint = TlsFiles.fingerprint(tls.files());
        Material m = read();
        m.warnings.forEach(w -> LOG.warn("server.tls: {}", w));
        configure(factory, m);
        factory.setIncludeProtocols(tls.protocols().toArray(new String[0]));
        if (!tls.cipherSuites().isEmpty()) {
            // Suites named explicitly are used as named, in that order.
            factory.setExcludeCipherSuites();
            factory.setIncludeCipherSuites(tls.cipherSuites().toArray(new String[0]));
            factory.setUseCipherSuitesOrder(true);
        }
        factory.setRenegotiationAllowed(false);
        factory.setSniRequired(false);
        factory.setSNISelector(new FirstIsDefault());
        switch (tls.clientAuth()) {
            case REQUIRED -> factory.setNeedClientAuth(true);
            case OPTIONAL -> factory.setWantClientAuth(true);
            default -> {
            }
        }
    }

    /**
     * Reads the files and makes the factory (not started: a connector starts it).
     *
     * @param tls the tls
     * @return the server tls context
     * @throws TlsFileException when a file is missing or bad
     */
    public static ServerTlsContext create(ServerTls tls) throws TlsFileException {
        return create(tls, Clock.systemUTC());
    }

    /**
     * As {@link #create(ServerTls)}, judging certificate validity with {@code clock}.
     *
     * @param tls the tls
     * @param clock the clock
     * @return the server tls context
      * @throws TlsFileException when a file is missing, unreadable or not what its field expects (the message names the field and the file)
     */
    public static ServerTlsContext create(ServerTls tls, Clock clock) throws TlsFileException {
        return new ServerTlsContext(Objects.requireNonNull(tls, "tls"), Objects.requireNonNull(clock, "clock"));
    }

    /** {@return the settings this context was built from} */
    public ServerTls settings() {
        return tls;
    }

    /** {@return the factory for an {@code SslConnectionFactory}} */
    public SslContextFactory.Server sslContextFactory() {
        return factory;
    }

    /**
     * Reads the files again if their contents changed since the last read, and makes new
     * handshakes use them. Files that are bad now (a certificate written before its key, say) are
     * logged and the current certificates stay; the next call tries again.
     *
     * @return whether new certificates are in use
     */
    public synchronized boolean reloadIfChanged() {
        String now = TlsFiles.fingerprint(tls.files());
        if (now.equals(fingerprint)) {
            return false;
        }
        Material m;
        try {
            m = read();
        } catch (TlsFileException e) {
            LOG.warn("server.tls: not reloaded, keeping the current certificates: {}", e.toString());
            return false;
        }
        try {
            factory.reload(f -> configure((SslContextFactory.Server) f, m));
        } catch (Exception e) {
            LOG.warn("server.tls: not reloaded, keeping the current certificates: {}", e.toString());
            return false;
        }
        fingerprint = now;
        m.warnings.forEach(w -> LOG.warn("server.tls: {}", w));
        LOG.info("server.tls: certificates reloaded ({})", m.subjects);
        return true;
    }

    /** What the files hold. */
    private record Material(KeyStore keys, String password, KeyStore trust, List<String> warnings,
            List<String> subjects) {
    }

    private Material read() throws TlsFileException {
        List<TlsFiles.Entry> entries = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> subjects = new ArrayList<>();
        for (KeySource source : tls.certificates()) {
            TlsFiles.KeyMaterial km = TlsFiles.load(source, clock.instant());
            entries.addAll(km.entries());
            warnings.addAll(km.warnings());
        }
        entries.forEach(e -> subjects.add(TlsFiles.subject(e.leaf())));
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getEncoder().encodeToString(random);
        KeyStore keys = TlsFiles.keyStore(entries, password.toCharArray());
        KeyStore trust = tls.clientCa() == null ? null
                : TlsFiles.trustStore("client_ca", tls.clientCa(), clock.instant(), warnings);
        return new Material(keys, password, trust, warnings, subjects);
    }

    private static void configure(SslContextFactory.Server f, Material m) {
        f.setKeyStore(m.keys());
        f.setKeyStorePassword(m.password());
        f.setKeyManagerPassword(m.password());
        if (m.trust() != null) {
            f.setTrustStore(m.trust());
        }
    }

    /**
     * The certificate whose names match the client's SNI, the first listed among several; for no
     * SNI or an unknown name, the first certificate (nginx's default server), where Jetty would
     * pick any.
     */
    private static final class FirstIsDefault implements SniX509ExtendedKeyManager.SniSelector {
        @Override
        public String sniSelect(String keyType, java.security.Principal[] issuers, javax.net.ssl.SSLSession session,
                String sniHost, Collection<X509> certificates) {
            X509 best = null;
            X509 first = null;
            for (X509 x : certificates) {
                if (first == null || index(x) < index(first)) {
                    first = x;
                }
                if (sniHost != null && x.matches(sniHost) && (best == null || index(x) < index(best))) {
                    best = x;
                }
            }
            X509 chosen = best != null ? best : first;
            return chosen == null ? SniX509ExtendedKeyManager.SniSelector.DELEGATE : chosen.getAlias();
        }

        private static int index(X509 x) {
            String alias = x.getAlias();
            try {
                return Integer.parseInt(alias.substring(alias.lastIndexOf('-') + 1));
            } catch (RuntimeException e) {
                return Integer.MAX_VALUE;
            }
        }
    }

    @Override
    public String toString() {
        return "ServerTlsContext{" + tls.certificates() + '}';
    }
}
