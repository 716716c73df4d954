package dev.jlb.jetty.config;

import dev.jlb.discovery.Discovery;
import dev.jlb.jetty.discovery.DnsDiscovery;
import dev.jlb.jetty.discovery.K8sDiscovery;
import dev.jlb.jetty.discovery.DnsResolverOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * A route's backend entry that names a discovery instead of an address: {@code dns://name:port},
 * {@code srv://_service._proto.name} or {@code k8s://service.namespace:port}, with its options and
 * the file's top-level {@code dns:} resolver settings and {@code kubernetes:} settings (each kind
 * uses its own; the TTL and resolver components mean nothing to a {@code k8s://} entry). Immutable; equal when every setting is equal, so that a reload leaves a
 * discovery whose entry did not change running ({@link RouteDiff}).
 *
 * @param url the entry as written, normalized ({@link Discovery#source()})
 * @param weight the weight of every address of a {@code dns://} name
 * @param scheme {@code http} or {@code https}
 * @param minTtl the shortest re-resolution interval
 * @param maxTtl the longest re-resolution interval
 * @param emptyAfter NXDOMAIN or empty answers in a row that empty the set
 * @param resolver the servers and timeout of the {@code dns:} section
 * @param kubernetes the {@code kubernetes:} section
 */
public record DiscoveryConfig(String url, int weight, String scheme, Duration minTtl, Duration maxTtl, int emptyAfter,
        DnsResolverOptions resolver, KubernetesSettings kubernetes) {

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
     * @param kubernetes the {@code kubernetes:} section
     */
    public DiscoveryConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(minTtl, "minTtl");
        Objects.requireNonNull(maxTtl, "maxTtl");
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(kubernetes, "kubernetes");
        if (isKubernetes(url)) {
            kubernetes.builder(url).weight(weight).scheme(scheme);
        } else {
            builder(url, weight, scheme, minTtl, maxTtl, emptyAfter, resolver).check();
        }
    }

    /** {@return the entry's source as the status page shows it, such as {@code dns://api.internal:8080}} */
    public String source() {
        return isKubernetes(url) ? K8sDiscovery.sourceOf(url) : DnsDiscovery.sourceOf(url);
    }

    /** {@return a new, not yet started discovery for this entry} */
    public Discovery create() {
        if (isKubernetes(url)) {
            return kubernetes.builder(url).weight(weight).scheme(scheme).build();
        }
        return builder(url, weight, scheme, minTtl, maxTtl, emptyAfter, resolver).build();
    }

    private static boolean isKubernetes(String url) {
        return url.regionMatches(true, 0, "k8s://", 0, 6);
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
