package dev.jlb.jetty.config;

import dev.jlb.Backend;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import dev.jlb.jetty.discovery.DnsDiscovery;
import dev.jlb.jetty.discovery.K8sDiscovery;
import dev.jlb.jetty.discovery.DnsResolverOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a route's backends: the native {@code backends:} list, or the Go original's
 * {@code servers} and {@code server_weights}. {@link Backend} judges URLs and weights.
 */
final class BackendSection {

    private static final String BACKEND_URL = "a URL such as http://127.0.0.1:8081";

    private BackendSection() {
    }

    /** The native form without discovery entries (they are reported as problems). */
    static List<Backend> backends(MapReader r) {
        return backends(r, DnsResolverOptions.DEFAULTS, KubernetesSettings.DEFAULTS, new ArrayList<>());
    }

    /**
     * The native form: each item a URL, or {@code {url: ..., weight: N}}; an item whose URL is
     * {@code dns://} or {@code srv://} (with {@code min_ttl}, {@code max_ttl}, {@code empty_after},
     * {@code scheme} in its mapping) goes to {@code discoveries} instead, with {@code resolver}; so
     * does a {@code k8s://} item (with {@code weight} and {@code scheme}), with {@code kubernetes}.
     */
    static List<Backend> backends(MapReader r, DnsResolverOptions resolver, KubernetesSettings kubernetes,
            List<DiscoveryConfig> discoveries) {
        Node n = r.node("backends");
        String expected = "a list of backends such as [\"http://127.0.0.1:8081\"]";
        if (n == null) {
            r.problems().add(r.line(), r.path("backends"), "missing (expected: " + expected + ")");
            return List.of();
        }
        if (!(n instanceof ListNode list)) {
            r.invalid("backends", n, expected);
            return List.of();
        }
        if (list.items().isEmpty()) {
            r.invalid("backends", n, "at least one backend");
        }
        List<Backend> backends = new ArrayList<>();
        Map<Backend, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            String key = "backends[" + i + "]";
            Node item = list.items().get(i);
            Backend b = null;
            if (item instanceof ScalarNode s && s.kind() == Kind.STRING && isDiscovery(s.text())) {
                discovery(r, key, item, s.text(), null, resolver, kubernetes, discoveries);
            } else if (item instanceof ScalarNode s && s.kind() == Kind.STRING) {
                b = backend(r, key, item, s.text(), Backend.DEFAULT_WEIGHT);
            } else if (item instanceof MapNode m) {
                MapReader br = new MapReader(m, r.path(key), r.problems());
                Node url = br.node("url");
                if (url instanceof ScalarNode u && u.kind() == Kind.STRING && isDiscovery(u.text())) {
                    discovery(br, "url", url, u.text(), br, resolver, kubernetes, discoveries);
                    br.finish();
                    continue;
                }
                Integer weight = br.integer("weight", Backend::checkWeight);
                br.finish();
                if (url == null) {
                    r.problems().add(m.line(), br.path("url"), "missing (expected: " + BACKEND_URL + ")");
                } else {
                    String text = br.stringValue("url", url, BACKEND_URL);
                    if (text != null) {
                        b = backend(br, "url", url, text, weight == null ? Backend.DEFAULT_WEIGHT : weight);
                    }
                }
            } else {
                r.invalid(key, item, BACKEND_URL + ", or a mapping with url and weight");
            }
            if (b != null) {
                add(r, key, item, b, seen, backends);
            }
        }
        return backends;
    }

    private static boolean isDiscovery(String url) {
        String lower = url.trim().toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("dns://") || lower.startsWith("srv://") || lower.startsWith("k8s://");
    }

    /** Reads a discovery entry; {@code options} is its mapping (weight, TTLs...), or null for a bare URL. */
    private static void discovery(MapReader r, String key, Node urlNode, String url, MapReader options,
            DnsResolverOptions resolver, KubernetesSettings kubernetes, List<DiscoveryConfig> discoveries) {
        if (url.trim().toLowerCase(java.util.Locale.ROOT).startsWith("k8s://")) {
            kubernetes(r, key, urlNode, url, options, resolver, kubernetes, discoveries);
            return;
        }
        int[] weight = {Backend.DEFAULT_WEIGHT};
        int[] emptyAfter = {DnsDiscovery.DEFAULT_EMPTY_AFTER};
        Duration[] ttl = {Duration.ofSeconds(DnsDiscovery.DEFAULT_MIN_TTL_SECONDS),
                Duration.ofSeconds(DnsDiscovery.DEFAULT_MAX_TTL_SECONDS)};
        String[] scheme = {"http"};
        DnsDiscovery.Builder judge = r.call(key, urlNode, () -> DnsDiscovery.builder(url));
        if (judge == null) {
            return;
        }
        if (options != null) {
            options.integer("weight", w -> {
                judge.weight(w);
                weight[0] = w;
            });
            options.duration("min_ttl", d -> {
                judge.minTtl(d);
                ttl[0] = d;
            });
            options.duration("max_ttl", d -> {
                judge.maxTtl(d);
                ttl[1] = d;
            });
            options.integer("empty_after", n -> {
                judge.emptyAfter(n);
                emptyAfter[0] = n;
            });
            options.string("scheme", "http or https", s -> {
                judge.scheme(s);
                scheme[0] = s;
            });
        }
        MapReader at = options != null ? options : r;
        DiscoveryConfig config = at.call(options != null ? "max_ttl" : key, options != null && options.node("max_ttl") != null
                ? options.node("max_ttl") : urlNode,
                () -> new DiscoveryConfig(DnsDiscovery.sourceOf(url), weight[0], scheme[0], ttl[0], ttl[1], emptyAfter[0],
                        resolver, KubernetesSettings.DEFAULTS));
        if (config == null) {
            return;
        }
        if (discoveries.stream().anyMatch(d -> d.url().equals(config.url()))) {
            r.invalid(key, urlNode, "each discovery once");
            return;
        }
        discoveries.add(config);
    }

    /** Reads a {@code k8s://} entry: {@code weight} and {@code scheme}; its credentials are checked (files read, no connection). */
    private static void kubernetes(MapReader r, String key, Node urlNode, String url, MapReader options,
            DnsResolverOptions resolver, KubernetesSettings kubernetes, List<DiscoveryConfig> discoveries) {
        K8sDiscovery.Builder judge;
        try {
            judge = kubernetes.builder(url);
        } catch (IllegalArgumentException e) {
            r.problem(key, urlNode, e.getMessage()); // the message is the entry and its expected form
            return;
        }
        int[] weight = {Backend.DEFAULT_WEIGHT};
        String[] scheme = {"http"};
        if (options != null) {
            options.integer("weight", w -> {
                judge.weight(w);
                weight[0] = w;
            });
            options.string("scheme", "http or https", s -> {
                judge.scheme(s);
                scheme[0] = s;
            });
        }
        try {
            judge.check();
        } catch (IllegalArgumentException e) {
            r.problem(key, urlNode, e.getMessage());
            return;
        }
        String source = K8sDiscovery.sourceOf(url);
        if (discoveries.stream().anyMatch(d -> d.url().equals(source))) {
            r.invalid(key, urlNode, "each discovery once");
            return;
        }
        discoveries.add(new DiscoveryConfig(source, weight[0], scheme[0],
                Duration.ofSeconds(DnsDiscovery.DEFAULT_MIN_TTL_SECONDS), Duration.ofSeconds(DnsDiscovery.DEFAULT_MAX_TTL_SECONDS),
                DnsDiscovery.DEFAULT_EMPTY_AFTER, resolver, kubernetes));
    }

    /** The Go original's form: {@code servers} with optional {@code server_weights}, one per server. */
    static List<Backend> goBackends(MapReader top) {
        List<Backend> backends = new ArrayList<>();
        ListNode servers = top.list("servers", "a list of URLs such as [\"http://127.0.0.1:8081\"]");
        ListNode weights = top.list("server_weights", "a list of weights such as [2, 1, 1]");
        List<Integer> weightValues = new ArrayList<>();
        if (weights != null) {
            for (int i = 0; i < weights.items().size(); i++) {
                String key = "server_weights[" + i + "]";
                Node item = weights.items().get(i);
                Long w = top.integerValue(key, item, Integer.MIN_VALUE, Integer.MAX_VALUE);
                boolean ok = w != null && top.set(key, item, () -> Backend.checkWeight(w.intValue()),
                        c -> Refusal.range(c, w));
                weightValues.add(ok ? w.intValue() : null);
            }
        }
        if (servers == null) {
            return backends;
        }
        List<Node> items = servers.items();
        if (items.isEmpty()) {
            top.invalid("servers", servers, "at least one backend URL");
        }
        if (weights != null && weights.items().size() != items.size()) {
            int count = weights.items().size();
            top.problems().add(weights.line(), "server_weights", count + (count == 1 ? " weight" : " weights")
                    + " (expected: " + items.size() + ", one per server)");
        }
        Map<Backend, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String key = "servers[" + i + "]";
            Node item = items.get(i);
            String url = top.stringValue(key, item, BACKEND_URL);
            if (url == null) {
                continue;
            }
            Integer weight = i < weightValues.size() ? weightValues.get(i) : null;
            Backend b = backend(top, key, item, url, weight == null ? Backend.DEFAULT_WEIGHT : weight);
            if (b != null) {
                add(top, key, item, b, seen, backends);
            }
        }
        return backends;
    }

    /** Parses a backend URL, reporting {@code <path>: <url> (expected: ...)} when it is not one. */
    private static Backend backend(MapReader r, String key, Node urlNode, String url, int weight) {
        return r.call(key, urlNode, () -> Backend.of(url, weight));
    }

    private static void add(MapReader r, String key, Node node, Backend b, Map<Backend, Integer> seen,
            List<Backend> backends) {
        Integer first = seen.putIfAbsent(b, node.line());
        if (first != null) {
            r.invalid(key, node, "each backend once; first at line " + first);
        } else {
            backends.add(b);
        }
    }
}
