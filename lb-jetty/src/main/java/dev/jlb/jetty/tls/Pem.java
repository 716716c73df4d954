package dev.jlb.jetty.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM text: certificates ({@code BEGIN CERTIFICATE}) and private keys in PKCS#8
 * ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}); the last two are wrapped into PKCS#8 with a few bytes of DER
 * for the JDK's {@link KeyFactory}. Encrypted keys are refused with what to do instead. Stateless.
 */
final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    /** rsaEncryption, 1.2.840.113549.1.1.1, with its NULL parameters. */
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    /** id-ecPublicKey, 1.2.840.10045.2.1. */
    private static final byte[] EC_PUBLIC_KEY = hex("06072a8648ce3d0201");

    private Pem() {
    }

    /** One PEM block: its label ({@code CERTIFICATE}), whether it has headers, and its bytes. */
    record Block(String label, boolean encryptedHeader, byte[] der) {
    }

    /** The blocks of a PEM text, in order; a block whose base64 is broken is an error. */
    static List<Block> blocks(String text) throws GeneralSecurityException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            boolean encrypted = body.contains("Proc-Type:") && body.contains("ENCRYPTED");
            StringBuilder base64 = new StringBuilder();
            for (String line : body.split("\\r?\\n")) {
                if (!line.contains(":")) {
                    base64.append(line.strip());
                }
            }
            try {
                blocks.add(new Block(m.group(1), encrypted, Base64.getDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new GeneralSecurityException("broken base64 in its BEGIN " + m.group(1) + " block");
            }
        }
        return blocks;
    }

    /** Every {@code CERTIFICATE} block of a text, in order. */
    static List<X509Certificate> certificates(String text) throws GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : blocks(text)) {
            if (b.label().equals("CERTIFICATE") || b.label().equals("TRUSTED CERTIFICATE")) {
                try {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
                } catch (CertificateException e) {
                    throw new GeneralSecurityException("a BEGIN CERTIFICATE block that is not an X.509 certificate");
                }
            }
        }
        return out;
    }

    /**
     * The one private key of a text.
     *
     * @throws GeneralSecurityException with what was found instead, as "expected" text
     */
    static PrivateKey privateKey(String text) throws GeneralSecurityException {
        for (Block b : blocks(text)) {
            switch (b.label()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der(), "RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA");
                case "RSA PRIVATE KEY":
                    refuseEncrypted(b);
                    return pkcs8(wrap(RSA_ALGORITHM, b.der()), "RSA");
                case "EC PRIVATE KEY":
                    refuseEncrypted(b);
                    return pkcs8(wrap(ecAlgorithm(b.der()), b.der()), "EC");
                case "ENCRYPTED PRIVATE KEY":
                    throw new GeneralSecurityException("an unencrypted key; this one is encrypted (decrypt it with "
                            + "openssl pkcs8 -topk8 -nocrypt, or use a PKCS#12 keystore with a password)");
                default:
                    // EC PARAMETERS and certificates may sit in the same file.
            }
        }
        throw new GeneralSecurityException("a PEM private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or "
                + "BEGIN EC PRIVATE KEY)");
    }

    private static void refuseEncrypted(Block b) throws GeneralSecurityException {
        if (b.encryptedHeader()) {
            throw new GeneralSecurityException("an unencrypted key; this one is encrypted (decrypt it with "
                    + "openssl pkey, or use a PKCS#12 keystore with a password)");
        }
    }

    private static PrivateKey pkcs8(byte[] der, String... algorithms) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : algorithms) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // Not this algorithm: try the next.
            }
        }
        throw new GeneralSecurityException("a private key of a known algorithm (RSA, EC, Ed25519); this one "
                + "could not be read");
    }

    /** PKCS#8: SEQUENCE { INTEGER 0, algorithm, OCTET STRING { key } }. */
    static byte[] wrap(byte[] algorithm, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.writeBytes(tlv(0x04, key));
        return tlv(0x30, body.toByteArray());
    }

    /**
     * The PKCS#8 algorithm of a SEC1 key: {@code SEQUENCE { id-ecPublicKey, <curve> }}, the curve
     * taken from the key's {@code [0]} parameters.
     */
    private static byte[] ecAlgorithm(byte[] sec1) throws GeneralSecurityException {
        // ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey OCTET STRING, [0] parameters, [1] publicKey }
        Der outer = new Der(sec1, 0);
        if (outer.tag != 0x30) {
            throw new GeneralSecurityException("a SEC1 EC private key");
        }
        int p = outer.start;
        while (p < outer.end) {
            Der item = new Der(sec1, p);
            if (item.tag == 0xa0) {
                Der oid = new Der(sec1, item.start);
                if (oid.tag != 0x06) {
                    break;
                }
                byte[] curve = java.util.Arrays.copyOfRange(sec1, item.start, oid.end);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.writeBytes(EC_PUBLIC_KEY);
                body.writeBytes(curve);
                return tlv(0x30, body.toByteArray());
            }
            p = item.end;
        }
        throw new GeneralSecurityException("an EC key that names its curve (openssl ec -param_enc named_curve)");
    }

    /** One DER element: tag, where its content starts and where it ends. */
    private static final class Der {
        final int tag;
        final int start;
        final int end;

        Der(byte[] b, int at) throws GeneralSecurityException {
            try {
                tag = b[at] & 0xff;
                int len = b[at + 1] & 0xff;
                int p = at + 2;
                if (len > 0x80) {
                    int n = len - 0x80;
                    if (n > 3) {
                        throw new GeneralSecurityException("a DER length of at most 3 bytes");
                    }
                    len = 0;
                    for (int i = 0; i < n; i++) {
                        len = (len << 8) | (b[p++] & 0xff);
                    }
                }
                start = p;
                end = p + len;
                if (end > b.length) {
                    throw new GeneralSecurityException("a complete DER key");
                }
            } catch (ArrayIndexOutOfBoundsException e) {
                throw new GeneralSecurityException("a complete DER key");
            }
        }
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
