package dev.jlb.jetty.admin;

import dev.jlb.Backend;
import java.net.InetAddress;
import java.util.Locale;

/**
 * One entry of the admin API's allowed backends: an address or CIDR block ({@code 10.0.0.0/8},
 * {@code fd00::/8}, {@code [::1]}), or a host name ({@code api.internal}) or every name under a
 * domain ({@code *.svc.cluster.local}); each with an optional port or port range ({@code :8080},
 * {@code :8081-8089}; an IPv6 address then in brackets). Address rules match backends given by
 * address, name rules backends given by name: names are never resolved, so a name that points at a
 * forbidden address is refused unless a name rule admits it. Immutable.
 */
final class BackendRule {

    static final String EXPECTED = "an address or CIDR block (10.0.0.0/8, [fd00::]/8), a host name or *. and a"
            + " domain, each with an optional :port or :port-port";

    private final String text;
    /** The network of an address rule, or null for a name rule. */
    private final byte[] network;
    private final int prefix;
    /** The name of a name rule ({@code .domain} for a wildcard), or null. */
    private final String name;
    private final int lowPort;
    private final int highPort;

    private BackendRule(String text, byte[] network, int prefix, String name, int lowPort, int highPort) {
        this.text = text;
        this.network = network;
        this.prefix = prefix;
        this.name = name;
        this.lowPort = lowPort;
        this.highPort = highPort;
    }

    /**
     * Parses a rule.
     *
     * @throws IllegalArgumentException {@code <field>: "<entry>" (expected: ...)}
     */
    static BackendRule parse(String entry, String field) {
        if (entry == null) {
            throw new IllegalArgumentException(field + ": null (expected: " + EXPECTED + ")");
        }
        String s = entry.strip().toLowerCase(Locale.ROOT);
        try {
            return parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + Hosts.shown(entry) + " (expected: " + EXPECTED + ")");
        }
    }

    private static BackendRule parse(String s) {
        String host = s;
        String ports = null;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException();
            }
            host = s.substring(1, end);
            String rest = s.substring(end + 1);
            if (rest.startsWith("/")) { // [fd00::]/8
                int colon = rest.indexOf(':');
                host += colon < 0 ? rest : rest.substring(0, colon);
                rest = colon < 0 ? "" : rest.substring(colon);
            }
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException();
                }
                ports = rest.substring(1);
            }
        } else if (s.indexOf(':') != s.lastIndexOf(':')) {
            host = s; // a bare IPv6 address or block: no port
        } else if (s.indexOf(':') >= 0) {
            host = s.substring(0, s.indexOf(':'));
            ports = s.substring(s.indexOf(':') + 1);
        }
        int low = 1;
        int high = 65535;
        if (ports != null) {
            int dash = ports.indexOf('-');
            low = port(dash < 0 ? ports : ports.substring(0, dash));
            high = dash < 0 ? low : port(ports.substring(dash + 1));
            if (low > high) {
                throw new IllegalArgumentException();
            }
        }
        int slash = host.indexOf('/');
        InetAddress address = Hosts.literal(slash < 0 ? host : host.substring(0, slash));
        if (address != null) {
            int bits = address.getAddress().length * 8;
            int prefix = slash < 0 ? bits : integer(host.substring(slash + 1), 0, bits);
            return new BackendRule(s, address.getAddress(), prefix, null, low, high);
        }
        if (slash >= 0) {
            throw new IllegalArgumentException();
        }
        String checked = Hosts.pattern(host, "host");
        return new BackendRule(s, null, 0, checked.startsWith("*.") ? checked.substring(1) : checked, low, high);
    }

    private static int port(String s) {
        return integer(s, 1, 65535);
    }

    private static int integer(String s, int min, int max) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException();
        }
        int v = Integer.parseInt(s);
        if (v < min || v > max) {
            throw new IllegalArgumentException();
        }
        return v;
    }

    /** Whether this rule admits {@code backend}. */
    boolean allows(Backend backend) {
        if (backend.port() < lowPort || backend.port() > highPort) {
            return false;
        }
        InetAddress address = Hosts.literal(backend.host());
        if (network == null) {
            return address == null && (name.startsWith(".") ? backend.host().endsWith(name) : backend.host().equals(name));
        }
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit += 8) {
            int bits = Math.min(8, prefix - bit);
            int mask = (0xff << (8 - bits)) & 0xff;
            if ((a[bit / 8] & mask) != (network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
