package dev.jlb.jetty.discovery;

import java.util.Locale;

/**
 * A parsed {@code dns://name:port} or {@code srv://_service._proto.name}. Immutable.
 *
 * @param srv whether SRV records are asked for (else A and AAAA)
 * @param name the absolute name, lower-cased, with a trailing dot
 * @param port the port of every address ({@code dns://}); 0 for {@code srv://}
 * @param source the text as the status page shows it
 */
record DnsTarget(boolean srv, String name, int port, String source) {

    private static final int MAX_NAME = 253;

    static DnsTarget parse(String url) {
        String expected = " (expected: dns://name:port or srv://_service._proto.name)";
        String lower = url.trim().toLowerCase(Locale.ROOT);
        boolean srv;
        String rest;
        if (lower.startsWith("dns://")) {
            srv = false;
            rest = lower.substring(6);
        } else if (lower.startsWith("srv://")) {
            srv = true;
            rest = lower.substring(6);
        } else {
            throw new IllegalArgumentException("url: " + url + expected);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        int port = 0;
        String name = rest;
        if (!srv) {
            int colon = rest.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("url: " + url + " (expected: a port, as in dns://name:8080)");
            }
            name = rest.substring(0, colon);
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("url: " + url + " (expected: a port in 1..65535)");
            }
        } else if (rest.contains(":")) {
            throw new IllegalArgumentException("url: " + url + " (expected: no port: SRV records give it)");
        } else if (!rest.startsWith("_") || rest.indexOf("._") < 0) {
            throw new IllegalArgumentException("url: " + url + " (expected: srv://_service._proto.name such as"
                    + " srv://_http._tcp.api.internal)");
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.length() > MAX_NAME || !name.matches("[a-z0-9_.-]+") || name.contains("..")) {
            throw new IllegalArgumentException("url: " + url + " (expected: a DNS name of letters, digits, '-', '_'"
                    + " and '.', at most " + MAX_NAME + " characters)");
        }
        String source = srv ? "srv://" + name : "dns://" + name + ":" + port;
        return new DnsTarget(srv, name + ".", port, source);
    }
}
