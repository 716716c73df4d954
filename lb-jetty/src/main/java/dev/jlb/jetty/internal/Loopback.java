package dev.jlb.jetty.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether a client address is a loopback address: the one rule for the admin API and explained decisions. */
public final class Loopback {

    private Loopback() {
    }

    /**
     * Whether {@code address}, an IP address literal as a server reports a client's (IPv6 possibly
     * in brackets), is a loopback address ({@code 127.0.0.0/8}, {@code ::1}, their IPv4-mapped form).
     * A host name is never resolved: it is not loopback.
     *
     * @param address the address, or {@code null}
     * @return whether it is a loopback address literal
     */
    public static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        String literal = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
        // Only address literals: a name is never resolved.
        if (literal.isEmpty() || !literal.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
