package dev.jlb.jetty.discovery;

import dev.jlb.Backend;

/**
 * How an address a discovery found (an IPv4 or IPv6 literal) is written in a URL, and the backend
 * it becomes. Stateless: safe from any thread.
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
}
