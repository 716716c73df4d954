package dev.jlb.jetty.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a certificate and its private key come from: a PEM certificate chain with a PEM key, or a
 * PKCS#12 or JKS keystore (its type is detected) with its password. Read by
 * {@link TlsFiles#load(KeySource, java.time.Instant)}. Immutable; {@link #toString()} never shows the password.
 *
 * @param cert the PEM certificate chain, leaf first (null for a keystore)
 * @param key the PEM private key: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted (null for a keystore)
 * @param keyStore the PKCS#12 or JKS keystore (null for PEM files)
 * @param password the keystore's password, which also opens its keys (null for PEM files)
 */
public record KeySource(Path cert, Path key, Path keyStore, String password) {

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param cert the PEM certificate chain, leaf first (null for a keystore)
     * @param key the PEM private key: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted (null for a keystore)
     * @param keyStore the PKCS#12 or JKS keystore (null for PEM files)
     * @param password the keystore's password, which also opens its keys (null for PEM files)
     */
    public KeySource {
        if (keyStore == null) {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        } else if (cert != null || key != null) {
            throw new IllegalArgumentException("keystore: " + keyStore + " (expected: either cert and key, or a keystore)");
        }
    }

    /**
     * A PEM certificate chain and its PEM private key.
     *
     * @param cert the cert
     * @param key the key
     * @return a PEM certificate chain and its PEM private key
     */
    public static KeySource pem(Path cert, Path key) {
        return new KeySource(cert, key, null, null);
    }

    /**
     * A PKCS#12 or JKS keystore and its password (empty for none).
     *
     * @param file the file
     * @param password the password
     * @return a PKCS#12 or JKS keystore and its password (empty for none)
     */
    public static KeySource keyStore(Path file, String password) {
        return new KeySource(null, null, Objects.requireNonNull(file, "file"), password == null ? "" : password);
    }

    /** The files this source reads, for change detection. */
    Path[] files() {
        return keyStore != null ? new Path[] {keyStore} : new Path[] {cert, key};
    }

    @Override
    public String toString() {
        return keyStore != null ? "keystore " + keyStore : "cert " + cert + ", key " + key;
    }
}
