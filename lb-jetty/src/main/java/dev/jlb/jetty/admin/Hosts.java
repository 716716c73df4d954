package dev.jlb.jetty.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Host names and address literals as the admin API's security checks read them: never resolved. */
final class Hosts {

    /** The longest DNS name (RFC 1035), as {@link dev.jlb.Backend} bounds it too. */
    static final int MAX_NAME = 253;

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** Letters, digits, '-' and '_' in dot-separated labels of 1..63 characters. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*");

    private Hosts() {
    }

    /**
     * The address an IP literal stands for ({@code 10.0.0.1}, {@code ::1}, {@code [::1]}), or null when
     * {@code s} is not one (a name is never looked up).
     */
    static InetAddress literal(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return null;
        }
        String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        boolean v6 = t.indexOf(':') >= 0;
        if (v6 ? !t.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')
                : !IPV4.matcher(t).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether two hosts are the same name (ignoring case) or the same address in two spellings. */
    static boolean sameHost(String a, String b) {
        if (a.equalsIgnoreCase(b)) {
            return true;
        }
        InetAddress x = literal(a);
        return x != null && x.equals(literal(b));
    }

    /**
     * Checks an allowed-host entry: a host name, {@code *.} and a domain, or an IP literal, without
     * a port; returns it in lower case.
     *
     * @throws IllegalArgumentException {@code <name>: <value> (expected: ...)}
     */
    static String pattern(String host, String name) {
        String expected = " (expected: a host name, *. and a domain, or an IP address, without a port)";
        if (host == null) {
            throw new IllegalArgumentException(name + ": null" + expected);
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (literal(h) != null) {
            return h;
        }
        String domain = h.startsWith("*.") ? h.substring(2) : h;
        if (h.length() > MAX_NAME || !NAME.matcher(domain).matches()) {
            throw new IllegalArgumentException(name + ": " + shown(host) + expected);
        }
        return h;
    }

    /** A value as an error message shows it: quoted, at most 64 characters. */
    static String shown(String s) {
        return "\"" + (s.length() <= 64 ? s : s.substring(0, 64) + "...") + "\"";
    }
}
