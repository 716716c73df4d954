package dev.jlb.jetty;

import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;

/**
 * The reason a client reads when the TLS handshake with a backend failed: what went wrong in a
 * few words (the certificate does not name the backend, is not signed by a trusted CA, has
 * expired; the backend refused jlb's client certificate), without the backend's address or the
 * certificate's contents. Stateless.
 */
final class TlsFailures {

    static final String PREFIX = "bad gateway: TLS handshake with a backend failed";
    private static final int MAX_DEPTH = 32;

    private TlsFailures() {
    }

    /** The reason for a failed handshake, or null when {@code failure} is not one. */
    static String reason(Throwable failure) {
        Throwable t = failure;
        SSLHandshakeException handshake = null;
        StringBuilder messages = new StringBuilder();
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof SSLHandshakeException h && handshake == null) {
                handshake = h;
            }
            messages.append(' ').append(t.getClass().getSimpleName()).append(' ').append(t.getMessage());
        }
        if (handshake == null) {
            return null;
        }
        String m = messages.toString().toLowerCase(Locale.ROOT);
        if (m.contains("no subject alternative") || m.contains("no name matching")) {
            return PREFIX + ": its certificate does not name it";
        }
        if (m.contains("certificateexpired") || m.contains("validity check failed") || m.contains("expired")) {
            return PREFIX + ": its certificate has expired or is not valid yet";
        }
        if (m.contains("pkix path") || m.contains("certification path")) {
            return PREFIX + ": its certificate is not signed by a trusted CA";
        }
        if (m.contains("certificate_required") || m.contains("bad_certificate") || m.contains("unknown_ca")) {
            return PREFIX + ": it refused jlb's client certificate (or wanted one)";
        }
        if (m.contains("protocol_version") || m.contains("no appropriate protocol")) {
            return PREFIX + ": no TLS version in common";
        }
        return PREFIX;
    }
}
