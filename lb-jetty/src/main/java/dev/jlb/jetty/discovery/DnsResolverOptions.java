package dev.jlb.jetty.discovery;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Which DNS servers {@link DnsDiscovery} asks, and how long it waits for an answer. Immutable.
 *
 * @param servers the servers, asked in turn when one fails; empty: the system's (resolv.conf)
 * @param timeout how long one query may take, every server included, in {@code [1ms, 60s]}
 */
public record DnsResolverOptions(List<InetSocketAddress> servers, Duration timeout) {

    /** The default timeout of one query. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** The system's servers, {@link #DEFAULT_TIMEOUT}. */
    public static final DnsResolverOptions DEFAULTS = new DnsResolverOptions(List.of(), DEFAULT_TIMEOUT);

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param servers the servers, asked in turn when one fails; empty: the system's (resolv.conf)
     * @param timeout how long one query may take, every server included, in {@code [1ms, 60s]}
     */
    public DnsResolverOptions {
        servers = List.copyOf(servers);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("timeout: " + dev.jlb.DurationFormat.format(timeout)
                    + " (expected: >= 1ms and <= 60s)");
        }
    }

    /**
     * Parses a server as {@code host:port} or {@code host} (port 53); IPv6 as {@code [::1]:5353}.
     *
     * @param text the text
     * @return the inet socket address
     * @throws IllegalArgumentException naming the value and the form
     */
    public static InetSocketAddress server(String text) {
        Objects.requireNonNull(text, "server");
        String expected = " (expected: an address with an optional port such as 127.0.0.1:5353)";
        String host = text;
        int port = 53;
        int colon = text.lastIndexOf(':');
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("server: " + text + expected);
            }
            host = text.substring(1, close);
            colon = text.indexOf(':', close);
        } else if (colon >= 0 && text.indexOf(':') != colon) {
            colon = -1; // a bare IPv6 address
        } else if (colon >= 0) {
            host = text.substring(0, colon);
        }
        if (colon >= 0) {
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("server: " + text + expected);
            }
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("server: " + text + expected);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return "DnsResolverOptions{servers=" + (servers.isEmpty() ? "system" : servers.stream()
                .map(s -> s.getHostString() + ":" + s.getPort()).toList()) + ", timeout="
                + dev.jlb.DurationFormat.format(timeout) + '}';
    }
}
