package dev.jlb.jetty.config;

import dev.jlb.discovery.Discovery;
import dev.jlb.jetty.discovery.DnsDiscovery;
import dev.jlb.jetty.discovery.DnsResolverOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * A route's backend entry that names a discovery instead of an address: {@code dns://name:port} or
 * {@code srv://_service._proto.name}, with its options and the file's top-level {@code dns:}
 * resolver settings. Immutable; equal when every setting is equal, so that a reload leaves a
 * discovery whose entry did not change running ({@link RouteDiff}).
 *
 * @param url the entry as written, normalized ({@link Discovery#source()})
 * @param weight the weight of every address of a {@code dns://} name
 * @param scheme {@code http} or {@code https}
 * @param minTtl the shortest re-resolution interval
 * @param maxTtl the longest re-resolution interval
 * @param emptyAfter NXDOMAIN or empty answers in a row that empty the set
 * @param resolver the servers and timeout of the {@code dns:} section
 */
public record DiscoveryConfig(String url, int weight, String scheme, Duration minTtl, Duration maxTtl, int emptyAfter,
        DnsResolverOptions resolver) {

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param url the entry as written, normalized ({@link Discovery#source()})
     * @param weight the weight of every address of a {@code dns://} name
     * @param scheme {@code http} or {@code https}
     * @param minTtl the shortest re-resolution interval
     * @param maxTtl the longest re-resolution interval
     * @param emptyAfter NXDOMAIN or empty answers in a row that empty the set
     * @param resolver the servers and timeout of the {@code dns:} section
     */
    public DiscoveryConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(minTtl, "minTtl");
        Objects.requireNonNull(maxTtl, "maxTtl");
        Objects.requireNonNull(resolver, "resolver");
        builder(url, weight, scheme, minTtl, maxTtl, emptyAfter, resolver).check();
    }

    /** {@return the entry's source as the status page shows it, such as {@code dns://api.internal:8080}} */
    public String source() {
        return DnsDiscovery.sourceOf(url);
    }

    /** {@return a new, not yet started discovery for this entry} */
    public Discovery create() {
        return builder(url, weight, scheme, minTtl, maxTtl, emptyAfter, resolver).build();
    }

    private static DnsDiscovery.Builder builder(String url, int weight, String scheme, Duration minTtl, Duration maxTtl,
            int emptyAfter, DnsResolverOptions resolver) {
        return DnsDiscovery.builder(url).weight(weight).scheme(scheme).minTtl(minTtl).maxTtl(maxTtl)
                .emptyAfter(emptyAfter).resolver(resolver);
    }

    @Override
    public String toString() {
        return url + (weight == 1 ? "" : "*" + weight);
    }
}
