package dev.jlb.jetty.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads certificates, keys and keystores, judging them as a configuration would: a missing file,
 * a file of the wrong kind, a wrong password or a key that is not the certificate's is a
 * {@link TlsFileException}; a certificate outside its validity period is a warning with its dates
 * (it may be renewed by a reload, and a test rig may use one on purpose). Stateless, thread-safe.
 */
public final class TlsFiles {

    /** The biggest TLS file read: certificates and keys are a few KiB, CA bundles some 200 KiB. */
    static final long MAX_FILE_BYTES = 4L << 20;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneOffset.UTC);

    private TlsFiles() {
    }

    /**
     * A certificate chain and its key, read and checked, with warnings about the certificates.
     *
     * @param entries the key entries (one for PEM files, each key entry of a keystore)
     * @param warnings such as {@code cert: /etc/jlb/site.pem: certificate CN=site expired on 2026-01-01T00:00:00Z}
     */
    public record KeyMaterial(List<Entry> entries, List<String> warnings) {
        /**
         * Creates the value from its components, checked as the description above says.
         *
         * @param entries the key entries (one for PEM files, each key entry of a keystore)
         * @param warnings such as {@code cert: /etc/jlb/site.pem: certificate CN=site expired on 2026-01-01T00:00:00Z}
         */
        public KeyMaterial {
            entries = List.copyOf(entries);
            warnings = List.copyOf(warnings);
        }
    }

    /** One private key with its certificate chain, leaf first. */
    public record Entry(PrivateKey key, List<X509Certificate> chain) {
        /**
         * Creates the value from its components, checked as the description above says.
         *
         * @param key the key
         * @param chain the chain
         */
        public Entry {
            chain = List.copyOf(chain);
        }

        /** {@return the leaf certificate} */
        public X509Certificate leaf() {
            return chain.get(0);
        }
    }

    /**
     * Reads and checks a key source; {@code now} judges the certificates' validity.
     *
     * @param source the source
     * @param now the now
     * @return the key material
      * @throws TlsFileException when a file is missing, unreadable or not what its field expects (the message names the field and the file)
     */
    public static KeyMaterial load(KeySource source, Instant now) throws TlsFileException {
        return source.keyStore() != null ? loadKeyStore(source, now) : loadPem(source, now);
    }

    private static KeyMaterial loadPem(KeySource source, Instant now) throws TlsFileException {
        List<X509Certificate> chain = certificates("cert", source.cert());
        PrivateKey key;
        try {
            key = Pem.privateKey(Pem.text(read("key", source.key())));
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("key", source.key() + " (expected: " + e.getMessage() + ")");
        }
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new TlsFileException("key", source.key() + " (expected: the private key of the certificate in "
                    + source.cert() + ", " + subject(chain.get(0)) + ")");
        }
        List<String> warnings = new ArrayList<>();
        validity("cert", source.cert(), chain, now, warnings);
        return new KeyMaterial(List.of(new Entry(key, chain)), warnings);
    }

    private static KeyMaterial loadKeyStore(KeySource source, Instant now) throws TlsFileException {
        Path file = source.keyStore();
        byte[] bytes = read("keystore", file);
        char[] password = source.password().toCharArray();
        KeyStore store = null;
        IOException failure = null;
        for (String type : new String[] {"PKCS12", "JKS"}) {
            try {
                KeyStore ks = KeyStore.getInstance(type);
                ks.load(new ByteArrayInputStream(bytes), password);
                store = ks;
                break;
            } catch (IOException e) {
                if (wrongPassword(e)) {
                    throw wrongPassword(source);
                }
                failure = e;
            } catch (GeneralSecurityException e) {
                failure = new IOException(e);
            }
        }
        if (store == null) {
            throw new TlsFileException("keystore", file + " (expected: a PKCS#12 or JKS keystore"
                    + (failure != null && failure.getMessage() != null ? "; " + failure.getMessage() : "") + ")");
        }
        List<Entry> entries = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                PrivateKey key;
                try {
                    key = (PrivateKey) store.getKey(alias, password);
                } catch (UnrecoverableKeyException e) {
                    throw wrongPassword(source);
                }
                Certificate[] certs = store.getCertificateChain(alias);
                if (key == null || certs == null || certs.length == 0) {
                    continue;
                }
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate c : certs) {
                    chain.add((X509Certificate) c);
                }
                validity("keystore", file, chain, now, warnings);
                entries.add(new Entry(key, chain));
            }
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("keystore", file + " (expected: a readable keystore; " + e.getMessage() + ")");
        }
        if (entries.isEmpty()) {
            throw new TlsFileException("keystore", file + " (expected: a keystore with a private key and its "
                    + "certificate chain; this one holds certificates only)");
        }
        return new KeyMaterial(entries, warnings);
    }

    private static TlsFileException wrongPassword(KeySource source) {
        return new TlsFileException("password", source.password().length() + " characters (expected: the password of "
                + source.keyStore() + ")");
    }

    private static boolean wrongPassword(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnrecoverableKeyException
                    || String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("password")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The certificates of a PEM file (at least one).
     *
     * @param field the field
     * @param file the file
     * @return the certificates of a PEM file (at least one)
      * @throws TlsFileException when a file is missing, unreadable or not what its field expects (the message names the field and the file)
     */
    public static List<X509Certificate> certificates(String field, Path file) throws TlsFileException {
        List<X509Certificate> certs;
        try {
            certs = Pem.certificates(Pem.text(read(field, file)));
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(field, file + " (expected: PEM certificates; found " + e.getMessage() + ")");
        }
        if (certs.isEmpty()) {
            throw new TlsFileException(field, file + " (expected: a PEM file with at least one BEGIN CERTIFICATE block)");
        }
        return certs;
    }

    /**
     * A trust store of the certificates of a PEM bundle (CAs), with warnings about expired ones.
     *
     * @param field the configuration field that names the bundle, for error messages
     * @param bundle the PEM file of CA certificates
     * @param now the time against which expiry is judged
     * @param warnings receives one line per expired certificate
     * @return a trust store holding every certificate of the bundle
     * @throws TlsFileException when the bundle is missing, unreadable or holds no certificate
     */
    public static KeyStore trustStore(String field, Path bundle, Instant now, List<String> warnings)
            throws TlsFileException {
        List<X509Certificate> certs = certificates(field, bundle);
        validity(field, bundle, certs, now, warnings);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                ks.setCertificateEntry("ca-" + i, certs.get(i));
            }
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("an in-memory trust store", e);
        }
    }

    /**
     * A client {@link SSLContext} from PEM text, as a kubeconfig carries it inline: the CAs that
     * verify the server (the JDK's trust store when {@code caPem} is null) and an optional client
     * certificate chain with its key (both or neither).
     *
     * @param field the configuration field the text came from, for error messages
     * @param caPem PEM CA certificates, or null for the JDK's trust store
     * @param certPem the PEM client certificate chain, or null
     * @param keyPem the PEM private key of {@code certPem}, or null
     * @return a TLS client context
     * @throws TlsFileException when a text holds no certificate, no usable key, or a key that is not the certificate's
     */
    public static SSLContext clientContext(String field, String caPem, String certPem, String keyPem)
            throws TlsFileException {
        if ((certPem == null) != (keyPem == null)) {
            throw new TlsFileException(field, "a client certificate without its key, or a key without its certificate"
                    + " (expected: both or neither)");
        }
        try {
            KeyManager[] keyManagers = null;
            if (certPem != null) {
                List<X509Certificate> chain = Pem.certificates(certPem);
                if (chain.isEmpty()) {
                    throw new TlsFileException(field, "client certificate (expected: a PEM BEGIN CERTIFICATE block)");
                }
                PrivateKey key = Pem.privateKey(keyPem);
                if (!matches(key, chain.get(0).getPublicKey())) {
                    throw new TlsFileException(field, "client key (expected: the private key of the client certificate "
                            + subject(chain.get(0)) + ")");
                }
                char[] password = "jlb".toCharArray();
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore(List.of(new Entry(key, chain)), password), password);
                keyManagers = kmf.getKeyManagers();
            }
            KeyStore trust = null;
            if (caPem != null) {
                List<X509Certificate> cas = Pem.certificates(caPem);
                if (cas.isEmpty()) {
                    throw new TlsFileException(field, "certificate authority (expected: a PEM BEGIN CERTIFICATE block)");
                }
                trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(keyManagers, tmf.getTrustManagers(), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(field, "PEM text (expected: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new IllegalStateException("an in-memory trust store", e);
        }
    }

    /** An in-memory keystore of key entries, aliased {@code jlb-0}, {@code jlb-1}, ... in order. */
    static KeyStore keyStore(List<Entry> entries, char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                ks.setKeyEntry("jlb-" + i, e.key(), password, e.chain().toArray(new X509Certificate[0]));
            }
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("an in-memory keystore", e);
        }
    }

    /** A file's bytes; a missing, unreadable or oversized file is a problem of {@code field}. */
    static byte[] read(String field, Path file) throws TlsFileException {
        try {
            if (Files.isDirectory(file)) {
                throw new TlsFileException(field, file + " (expected: a file; this is a directory)");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new TlsFileException(field, file + " (expected: a file of at most 4 MiB)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(field, file + " (expected: an existing file; there is none)");
        } catch (IOException e) {
            throw new TlsFileException(field, file + " (expected: a readable file; " + e + ")");
        }
    }

    /** A digest of files' contents (a missing file counts as empty), for change detection. */
    static String fingerprint(List<Path> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(f.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    sha.update(Files.readAllBytes(f));
                } catch (IOException e) {
                    sha.update((byte) 0);
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a private key belongs to a public key: same RSA modulus, or a signature that verifies. */
    static boolean matches(PrivateKey key, PublicKey pub) {
        if (key instanceof RSAKey k && pub instanceof RSAKey p) {
            return k.getModulus().equals(p.getModulus());
        }
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(challenge);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(pub);
            verify.update(challenge);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void validity(String field, Path file, List<X509Certificate> certs, Instant now,
            List<String> warnings) {
        for (X509Certificate c : certs) {
            Instant notAfter = c.getNotAfter().toInstant();
            Instant notBefore = c.getNotBefore().toInstant();
            if (now.isAfter(notAfter)) {
                warnings.add(field + ": " + file + ": certificate " + subject(c) + " expired on " + DATE.format(notAfter));
            } else if (now.isBefore(notBefore)) {
                warnings.add(field + ": " + file + ": certificate " + subject(c) + " is not valid before "
                        + DATE.format(notBefore));
            }
        }
    }

    static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }
}
