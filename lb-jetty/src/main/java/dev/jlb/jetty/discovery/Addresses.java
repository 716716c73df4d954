package dev.jlb.jetty.discovery;

import dev.jlb.Backend;
import dev.jlb.discovery.DiscoveredBackend;
import java.util.List;

/**
 * How an address a discovery found (an IPv4 or IPv6 literal) is written in a URL, the backend it
 * becomes, and when two memberships differ. Stateless: safe from any thread.
 */
final class Addresses {

    private Addresses() {
    }

    /** {@return {@code address} as the host of a URL: an IPv6 literal in brackets, anything else as it is} */
    static String host(String address) {
        return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    }

    /** {@return the backend {@code scheme://address:port} of {@code weight}, found by {@code source}} */
    static Backend backend(String scheme, String address, int port, int weight, String source) {
        return Backend.of(scheme + "://" + host(address) + ":" + port, weight).withSource(source);
    }

    /**
     * Whether {@code a} and {@code b} (null: none reported yet) are the same membership: the same
     * backends in the same order with the same weights and priorities. {@link Backend#equals} leaves
     * the weight out, so an SRV record or an EndpointSlice whose weight alone changed would otherwise
     * look unchanged.
     */
    static boolean sameMembership(List<DiscoveredBackend> a, List<DiscoveredBackend> b) {
        if (b == null || !a.equals(b)) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).backend().weight() != b.get(i).backend().weight()) {
                return false;
            }
        }
        return true;
    }
}
