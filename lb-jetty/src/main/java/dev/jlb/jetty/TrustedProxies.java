package dev.jlb.jetty;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The addresses whose {@code X-Forwarded-*} headers jlb believes ({@link ProxyOptions#trustedProxies()}):
 * a set of IPv4 and IPv6 CIDR ranges, and the rules that read a forwarded chain with them.
 *
 * <p>Addresses are compared as bytes, never resolved: a literal is parsed here (no DNS lookup),
 * and a host name is not an address. An IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) is the
 * IPv4 address it maps, and an IPv4-mapped range with a prefix of at least 96 is the IPv4 range
 * it maps ({@code ::ffff:10.0.0.0/104} is {@code 10.0.0.0/8}), as in nginx's {@code set_real_ip_from};
 * {@code ::/0} holds IPv6 addresses only.
 *
 * <p>Immutable and thread-safe: a lookup reads final arrays and takes no lock; with no range it
 * returns at once without allocating.
 */
final class TrustedProxies {

    /** What a configured range must look like, in every refusal. */
    static final String EXPECTED = "a CIDR such as 10.0.0.0/8 or fd00::/8";

    static final TrustedProxies NONE = new TrustedProxies(List.of(), new int[0], new int[0], new long[0]);

    private final List<String> cidrs;
    /** IPv4 ranges: network and mask, index by index. */
    private final int[] v4Networks;
    private final int[] v4Masks;
    /** IPv6 ranges: network high, network low, mask high, mask low, four longs per range. */
    private final long[] v6;

    private TrustedProxies(List<String> cidrs, int[] v4Networks, int[] v4Masks, long[] v6) {
        this.cidrs = cidrs;
        this.v4Networks = v4Networks;
        this.v4Masks = v4Masks;
        this.v6 = v6;
    }

    /**
     * The ranges {@code cidrs} name, each {@code address/prefix} (an address alone is a single
     * host: {@code /32} or {@code /128}).
     *
     * @throws IllegalArgumentException for a value that is not such a range, or has address bits
     *     set past its prefix, as {@code trustedProxies: 10.0.0.0/33 (expected: ...)}
     */
    static TrustedProxies of(Collection<String> cidrs) {
        if (cidrs.isEmpty()) {
            return NONE;
        }
        List<String> texts = new ArrayList<>(cidrs.size());
        List<int[]> v4 = new ArrayList<>();
        List<long[]> v6 = new ArrayList<>();
        for (String cidr : cidrs) {
            String text = cidr == null ? null : cidr.trim();
            if (text == null || text.isEmpty()) {
                throw refused(cidr == null ? "null" : '"' + cidr + '"', EXPECTED);
            }
            int slash = text.indexOf('/');
            int hostEnd = slash < 0 ? text.length() : slash;
            byte[] address = text.indexOf('%') >= 0 ? null : parseLiteral(text, 0, hostEnd);
            if (address == null) {
                throw refused(text, EXPECTED);
            }
            int bits = address.length * 8;
            int prefix = slash < 0 ? bits : prefix(text, slash + 1, bits);
            if (prefix < 0) {
                throw refused(text, EXPECTED);
            }
            if (address.length == 16 && isV4Mapped(address) && prefix >= 96) {
                address = new byte[] {address[12], address[13], address[14], address[15]};
                prefix -= 96;
            }
            if (address.length == 4) {
                int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
                int network = toInt(address, 0);
                if ((network & ~mask) != 0) {
                    throw refused(text, "no address bits set past the prefix, such as 10.0.0.0/8");
                }
                v4.add(new int[] {network, mask});
            } else {
                long hi = toLong(address, 0);
                long lo = toLong(address, 8);
                long maskHi = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
                long maskLo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
                if ((hi & ~maskHi) != 0 || (lo & ~maskLo) != 0) {
                    throw refused(text, "no address bits set past the prefix, such as fd00::/8");
                }
                v6.add(new long[] {hi, lo, maskHi, maskLo});
            }
            texts.add(text);
        }
        int[] networks = new int[v4.size()];
        int[] masks = new int[v4.size()];
        for (int i = 0; i < networks.length; i++) {
            networks[i] = v4.get(i)[0];
            masks[i] = v4.get(i)[1];
        }
        long[] ranges = new long[v6.size() * 4];
        for (int i = 0; i < v6.size(); i++) {
            System.arraycopy(v6.get(i), 0, ranges, i * 4, 4);
        }
        return new TrustedProxies(List.copyOf(texts), networks, masks, ranges);
    }

    private static IllegalArgumentException refused(String value, String expected) {
        return new IllegalArgumentException("trustedProxies: " + value + " (expected: " + expected + ")");
    }

    /** The prefix length written in {@code s} from {@code from}, or -1 unless it is {@code 0..bits}. */
    private static int prefix(String s, int from, int bits) {
        int n = s.length() - from;
        if (n < 1 || n > 3 || (n > 1 && s.charAt(from) == '0')) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= bits ? v : -1;
    }

    /** {@return the ranges as configured} */
    List<String> cidrs() {
        return cidrs;
    }

    /** {@return whether no range is configured: nothing is trusted} */
    boolean isEmpty() {
        return cidrs.isEmpty();
    }

    /** {@return whether {@code address} is in a range} */
    boolean contains(InetAddress address) {
        if (address == null || isEmpty()) {
            return false;
        }
        if (address instanceof Inet4Address) {
            return containsV4(address.hashCode()); // an Inet4Address's hash is its address: no array copy
        }
        return contains(address.getAddress());
    }

    /** {@return whether the 4- or 16-byte {@code address} is in a range} */
    boolean contains(byte[] address) {
        if (address.length == 4) {
            return containsV4(toInt(address, 0));
        }
        if (address.length != 16) {
            return false;
        }
        if (isV4Mapped(address)) {
            return containsV4(toInt(address, 12));
        }
        long hi = toLong(address, 0);
        long lo = toLong(address, 8);
        for (int i = 0; i < v6.length; i += 4) {
            if ((hi & v6[i + 2]) == v6[i] && (lo & v6[i + 3]) == v6[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private boolean containsV4(int address) {
        for (int i = 0; i < v4Networks.length; i++) {
            if ((address & v4Masks[i]) == v4Networks[i]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code peer}, an address as text ({@code 10.0.0.1}, {@code ::1}, {@code [::1]}), is in
     * a range; false for anything that is not an address literal.
     */
    boolean trusts(String peer) {
        if (isEmpty() || peer == null) {
            return false;
        }
        byte[] address = parseAddress(peer, 0, peer.length());
        return address != null && contains(address);
    }

    /**
     * The client a request came from, as nginx's {@code real_ip_recursive} and Envoy's trusted hops
     * find it: {@code peer} itself unless it is trusted; otherwise the right-most address of
     * {@code forwardedFor} (the client's {@code X-Forwarded-For}, or null) that is not trusted, each
     * trusted hop vouching for the one to its left. When every hop is trusted, the left-most; an
     * entry that is not an address ends the walk at the last trusted hop read. Ports and brackets
     * are removed from the address returned.
     */
    String clientAddress(String peer, String forwardedFor) {
        if (forwardedFor == null || !trusts(peer)) {
            return peer;
        }
        String client = peer;
        int end = forwardedFor.length();
        while (end >= 0) {
            int comma = end == 0 ? -1 : forwardedFor.lastIndexOf(',', end - 1);
            int from = comma + 1;
            int to = end;
            end = comma;
            while (from < to && isSpace(forwardedFor.charAt(from))) {
                from++;
            }
            while (to > from && isSpace(forwardedFor.charAt(to - 1))) {
                to--;
            }
            if (from == to) {
                continue; // an empty list element
            }
            long host = hostBounds(forwardedFor, from, to);
            byte[] address = host < 0 ? null : parseLiteral(forwardedFor, (int) (host >>> 32), (int) host);
            if (address == null) {
                return client;
            }
            client = forwardedFor.substring((int) (host >>> 32), (int) host);
            if (!contains(address)) {
                return client;
            }
        }
        return client;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * The address in {@code s[from, to)}: a literal, an IPv6 one in brackets, either with a
     * {@code :port}; null when it is none of these.
     */
    static byte[] parseAddress(String s, int from, int to) {
        long host = hostBounds(s, from, to);
        return host < 0 ? null : parseLiteral(s, (int) (host >>> 32), (int) host);
    }

    /**
     * Where the host of {@code s[from, to)} is, brackets and port removed: {@code start << 32 | end},
     * or -1 when the brackets or the port are malformed.
     */
    private static long hostBounds(String s, int from, int to) {
        if (from >= to) {
            return -1;
        }
        int hostFrom = from;
        int hostTo = to;
        int portFrom = -1;
        if (s.charAt(from) == '[') {
            int close = s.indexOf(']', from);
            if (close < 0 || close >= to) {
                return -1;
            }
            hostFrom = from + 1;
            hostTo = close;
            if (close + 1 < to) {
                if (s.charAt(close + 1) != ':') {
                    return -1;
                }
                portFrom = close + 2;
            }
        } else {
            int colon = s.indexOf(':', from);
            int second = colon < 0 ? -1 : s.indexOf(':', colon + 1);
            if (colon >= 0 && colon < to && (second < 0 || second >= to)) {
                hostTo = colon; // one colon: an IPv4 address and a port (an IPv6 one has at least two)
                portFrom = colon + 1;
            }
        }
        if (portFrom >= 0) {
            int digits = to - portFrom;
            if (digits < 1 || digits > 5) {
                return -1;
            }
            for (int i = portFrom; i < to; i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return -1;
                }
            }
        }
        return ((long) hostFrom << 32) | hostTo;
    }

    /**
     * The IPv4 (4 bytes) or IPv6 (16 bytes) literal {@code s[from, to)}, or null. IPv4 is four
     * decimal numbers {@code 0..255} without leading zeros (an octal reading would differ); IPv6
     * may compress zeros with {@code ::}, end in IPv4 form and carry a {@code %zone}, which is ignored.
     */
    static byte[] parseLiteral(String s, int from, int to) {
        if (from >= to) {
            return null;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == ':') {
                return parseV6(s, from, to);
            }
        }
        byte[] out = new byte[4];
        return parseV4(s, from, to, out, 0) ? out : null;
    }

    private static boolean parseV4(String s, int from, int to, byte[] out, int at) {
        int part = 0;
        int i = from;
        while (part < 4) {
            int start = i;
            int v = 0;
            while (i < to && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                v = v * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return false;
            }
            out[at + part++] = (byte) v;
            if (part < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return i == to;
    }

    private static byte[] parseV6(String s, int from, int to) {
        int zone = s.indexOf('%', from);
        if (zone >= 0 && zone < to) {
            if (zone == to - 1) {
                return null;
            }
            to = zone;
        }
        byte[] out = new byte[16];
        int groups = 0; // 16-bit groups written
        int gap = -1; // the group index where "::" stands
        int i = from;
        if (s.startsWith("::", i) && i + 2 <= to) {
            gap = 0;
            i += 2;
            if (i == to) {
                return out; // "::"
            }
        } else if (s.charAt(i) == ':') {
            return null;
        }
        while (i < to) {
            if (groups >= 8) {
                return null;
            }
            int start = i;
            int v = 0;
            while (i < to && i - start < 5 && Character.digit(s.charAt(i), 16) >= 0) {
                v = (v << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                // the last 32 bits in IPv4 form
                if (groups > 6 || !parseV4(s, start, to, out, groups * 2)) {
                    return null;
                }
                groups += 2;
                i = to;
                break;
            }
            int digits = i - start;
            if (digits == 0 || digits > 4) {
                return null;
            }
            out[groups * 2] = (byte) (v >>> 8);
            out[groups * 2 + 1] = (byte) v;
            groups++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null; // a second "::"
                }
                gap = groups;
                i++;
                if (i == to) {
                    break;
                }
            } else if (i == to) {
                return null; // a trailing single ':'
            }
        }
        if (gap < 0) {
            return groups == 8 ? out : null;
        }
        if (groups == 8) {
            return null; // "::" must stand for at least one group
        }
        int move = (groups - gap) * 2;
        int shift = (8 - groups) * 2;
        System.arraycopy(out, gap * 2, out, gap * 2 + shift, move);
        for (int k = gap * 2; k < gap * 2 + shift; k++) {
            out[k] = 0;
        }
        return out;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static int toInt(byte[] a, int at) {
        return (a[at] & 0xff) << 24 | (a[at + 1] & 0xff) << 16 | (a[at + 2] & 0xff) << 8 | (a[at + 3] & 0xff);
    }

    private static long toLong(byte[] a, int at) {
        return ((long) toInt(a, at) << 32) | (toInt(a, at + 4) & 0xffffffffL);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustedProxies t && cidrs.equals(t.cidrs);
    }

    @Override
    public int hashCode() {
        return cidrs.hashCode();
    }

    @Override
    public String toString() {
        return cidrs.toString();
    }
}
