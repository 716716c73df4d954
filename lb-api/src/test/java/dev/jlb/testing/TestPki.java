package dev.jlb.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private PKI made at test time with BouncyCastle: a CA, and certificates it signs for server
 * names and addresses or for clients, written as PEM (PKCS#8, or PKCS#1/SEC1 "traditional" keys)
 * or PKCS#12. EC P-256 keys by default (fast to make); RSA on request.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A certificate, its key and the chain up to (without) the root. */
    public record Issued(X509Certificate cert, PrivateKey key, KeyPair pair) {
    }

    /**
     * The PEM files {@link #writeServer} wrote.
     *
     * @param ca   the CA's certificate, to trust
     * @param cert the server's certificate followed by the CA's
     * @param key  the server's key (PKCS#8)
     */
    public record ServerFiles(Path ca, Path cert, Path key) {
    }

    public final Issued ca;

    private TestPki(Issued ca) {
        this.ca = ca;
    }

    /** A new CA named {@code cn}. */
    public static TestPki ca(String cn) throws Exception {
        KeyPair pair = ec();
        X500Name name = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), name,
                pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestPki(new Issued(sign(b, pair.getPrivate()), pair.getPrivate(), pair));
    }

    /** A server certificate for names ({@code localhost}) and addresses ({@code 127.0.0.1}), valid now. */
    public Issued server(String cn, String... names) throws Exception {
        return issue(cn, false, ec(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(7)),
                names);
    }

    /** A client certificate. */
    public Issued client(String cn) throws Exception {
        return issue(cn, true, ec(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(7)));
    }

    public Issued issue(String cn, boolean client, KeyPair pair, Instant notBefore, Instant notAfter, String... names)
            throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert(), serial(), Date.from(notBefore),
                Date.from(notAfter), new X500Name("CN=" + cn), pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(client ? KeyPurposeId.id_kp_clientAuth : KeyPurposeId.id_kp_serverAuth));
        if (names.length > 0) {
            List<GeneralName> sans = new ArrayList<>();
            for (String n : names) {
                sans.add(n.matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, n)
                        : new GeneralName(GeneralName.dNSName, n));
            }
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(new GeneralName[0])));
        }
        return new Issued(sign(b, ca.key()), pair.getPrivate(), pair);
    }

    public static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    public static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws Exception {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm)
                .build(key)));
    }

    /** Writes certificates as PEM, in order (leaf first for a chain). */
    public static Path writeCerts(Path file, X509Certificate... certs) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        }
        return Files.writeString(file, out.toString());
    }

    /** Writes a key as PKCS#8 ({@code BEGIN PRIVATE KEY}). */
    public static Path writeKey(Path file, PrivateKey key) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, null));
        }
        return Files.writeString(file, out.toString());
    }

    /** Writes a key pair the traditional way: PKCS#1 {@code BEGIN RSA PRIVATE KEY} or SEC1 {@code BEGIN EC PRIVATE KEY}. */
    public static Path writeTraditionalKey(Path file, KeyPair pair) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            if (pair.getPrivate() instanceof java.security.interfaces.ECPrivateKey k) {
                // As openssl writes it: SEC1 naming its curve (BouncyCastle leaves the curve out).
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
                        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(k.getEncoded());
                org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, k.getS(),
                        info.getPrivateKeyAlgorithm().getParameters());
                w.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            } else {
                w.writeObject(pair);
            }
        }
        return Files.writeString(file, out.toString());
    }

    /** Writes a PKCS#12 keystore with one key entry. */
    public Path writePkcs12(Path file, Issued issued, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", issued.key(), password.toCharArray(), new X509Certificate[] {issued.cert(), ca.cert()});
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    /** Writes a JKS keystore with one key entry. */
    public Path writeJks(Path file, Issued issued, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("JKS");
        ks.load(null, null);
        ks.setKeyEntry("key", issued.key(), password.toCharArray(), new X509Certificate[] {issued.cert(), ca.cert()});
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    /**
     * Issues a server certificate for {@code names} and writes, in {@code dir}: {@code ca.pem} (this CA),
     * {@code <cn>.pem} (the certificate, then this CA's) and {@code <cn>.key}.
     *
     * @param dir   the folder to write in
     * @param cn    the certificate's common name, also the files' name
     * @param names the DNS names ({@code localhost}) and addresses ({@code 127.0.0.1}) it is valid for
     * @return the files written
     * @throws Exception if issuing or writing failed
     */
    public ServerFiles writeServer(Path dir, String cn, String... names) throws Exception {
        Issued issued = server(cn, names);
        return new ServerFiles(writeCa(dir.resolve("ca.pem")),
                writeCerts(dir.resolve(cn + ".pem"), issued.cert(), ca.cert()),
                writeKey(dir.resolve(cn + ".key"), issued.key()));
    }

    /** The CA as a PEM bundle. */
    public Path writeCa(Path file) throws IOException {
        return writeCerts(file, ca.cert());
    }
}
