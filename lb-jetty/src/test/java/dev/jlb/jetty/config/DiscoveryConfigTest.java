package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.discovery.Discovery;
import dev.jlb.discovery.DiscoveryStats;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** dns:// and srv:// backend entries and the dns: section in files, and what a reload does to them. */
class DiscoveryConfigTest {

    private static final String FILE = "dns:\n"
            + "  servers: [\"127.0.0.1:5353\"]\n"
            + "  timeout: 2s\n"
            + "routes:\n"
            + "  - path: /api\n"
            + "    backends:\n"
            + "      - http://127.0.0.1:8081\n"
            + "      - dns://API.jlb.test:8080\n"
            + "      - {url: \"srv://_http._tcp.api.jlb.test\", min_ttl: 2s, max_ttl: 30s, empty_after: 5, scheme: https}\n";

    @Test
    void discoveryEntriesAreReadWithTheirOptionsAndTheResolver() throws Exception {
        RouteConfig route = yaml(FILE).routes().get(0);
        assertThat(route.backends()).containsExactly(Backend.of("http://127.0.0.1:8081"));
        assertThat(route.discoveries()).hasSize(2);
        DiscoveryConfig dns = route.discoveries().get(0);
        assertThat(dns.url()).isEqualTo("dns://api.jlb.test:8080");
        assertThat(dns.minTtl()).isEqualTo(Duration.ofSeconds(1));
        assertThat(dns.maxTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(dns.emptyAfter()).isEqualTo(3);
        assertThat(dns.resolver().servers()).containsExactly(InetSocketAddress.createUnresolved("127.0.0.1", 5353));
        assertThat(dns.resolver().timeout()).isEqualTo(Duration.ofSeconds(2));
        DiscoveryConfig srv = route.discoveries().get(1);
        assertThat(srv).extracting(DiscoveryConfig::url, DiscoveryConfig::scheme, DiscoveryConfig::minTtl,
                DiscoveryConfig::maxTtl, DiscoveryConfig::emptyAfter).containsExactly("srv://_http._tcp.api.jlb.test",
                "https", Duration.ofSeconds(2), Duration.ofSeconds(30), 5);
        assertThat(route.summary()).startsWith("[127.0.0.1:8081] + [dns://api.jlb.test:8080, srv://_http._tcp.api.jlb.test],");
    }

    @Test
    void badEntriesNameTheFieldTheValueAndWhatWasExpected() {
        assertThat(yamlProblems("routes:\n  - path: /api\n    backends:\n      - dns://api.jlb.test\n"))
                .containsExactly("config.yaml:4: routes[0].backends[0]: dns://api.jlb.test (expected: a port, as in"
                        + " dns://name:8080)");
        assertThat(yamlProblems("routes:\n  - path: /api\n    backends:\n      - {url: \"dns://a.test:80\", empty_after: 0}\n"))
                .containsExactly("config.yaml:4: routes[0].backends[0].empty_after: 0 (expected: >= 1)");
        assertThat(yamlProblems("routes:\n  - path: /api\n    backends:\n      - {url: \"dns://a.test:80\", min_ttl: 5s,"
                + " max_ttl: 2s}\n")).containsExactly("config.yaml:4: routes[0].backends[0].max_ttl: 2s (expected: >= min_ttl (5s))");
        assertThat(yamlProblems("dns:\n  servers: [\"127.0.0.1:x\"]\n  tmeout: 1s\nroutes:\n  - path: /api\n"
                + "    backends: [\"http://127.0.0.1:1\"]\n")).containsExactly(
                "config.yaml:2: dns.servers[0]: 127.0.0.1:x (expected: an address with an optional port such as"
                        + " 127.0.0.1:5353)",
                "config.yaml:3: dns.tmeout: unknown key (did you mean timeout?)");
    }

    @Test
    void kubernetesEntriesAreReadWithTheirOptionsAndTheKubernetesSection() throws Exception {
        RouteConfig route = yaml("kubernetes:\n  api_server: http://127.0.0.1:6443\n  token_file: /run/token\n"
                + "routes:\n  - path: /api\n    backends:\n      - k8s://API.shop:http\n"
                + "      - {url: \"k8s://api.other:8443\", weight: 3, scheme: https}\n").routes().get(0);
        assertThat(route.backends()).isEmpty();
        assertThat(route.discoveries()).extracting(DiscoveryConfig::url, DiscoveryConfig::weight, DiscoveryConfig::scheme)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("k8s://api.shop:http", 1, "http"),
                        org.assertj.core.groups.Tuple.tuple("k8s://api.other:8443", 3, "https"));
        DiscoveryConfig k8s = route.discoveries().get(0);
        assertThat(k8s.source()).isEqualTo("k8s://api.shop:http");
        assertThat(k8s.kubernetes()).isEqualTo(new KubernetesSettings("http://127.0.0.1:6443",
                java.nio.file.Path.of("/run/token"), null, null, null));
        try (Discovery d = k8s.create()) {
            assertThat(d).isInstanceOf(dev.jlb.jetty.discovery.K8sDiscovery.class);
            assertThat(d.source()).isEqualTo("k8s://api.shop:http");
            assertThat(d.toString()).contains("http://127.0.0.1:6443");
        }
        assertThat(k8s).as("equal settings: a reload keeps the discovery running").isEqualTo(yaml("kubernetes:\n"
                + "  api_server: http://127.0.0.1:6443\n  token_file: /run/token\nroutes:\n  - path: /api\n"
                + "    backends: [\"k8s://api.shop:http\"]\n").routes().get(0).discoveries().get(0));
        assertThat(k8s).as("another API server: the discovery is replaced").isNotEqualTo(yaml("kubernetes:\n"
                + "  api_server: http://127.0.0.1:6444\n  token_file: /run/token\nroutes:\n  - path: /api\n"
                + "    backends: [\"k8s://api.shop:http\"]\n").routes().get(0).discoveries().get(0));
    }

    @Test
    void badKubernetesSettingsNameTheFieldTheValueAndWhatWasExpected() {
        String route = "routes:\n  - path: /api\n    backends:\n      - k8s://api.shop:http\n";
        assertThat(yamlProblems("kubernetes:\n  api_server: ftp://x\n" + route)).contains(
                "config.yaml:2: kubernetes.api_server: ftp://x (expected: an http or https URL such as https://10.0.0.1:6443)");
        assertThat(yamlProblems("kubernetes:\n  api_server: http://127.0.0.1:1\n  kubeconfig: /k\n" + route))
                .containsExactly("config.yaml:3: kubernetes.kubeconfig: /k (expected: either api_server (with token_file"
                        + " and ca_file) or kubeconfig, not both)");
        assertThat(yamlProblems("kubernetes:\n  kubeconfig: /k\n  token_file: /t\n" + route)).contains(
                "config.yaml:3: kubernetes.token_file: /t (expected: only with api_server (a kubeconfig names its own"
                        + " token and CA))");
        assertThat(yamlProblems("kubernetes:\n  kubeconfig: /nonexistent/kubeconfig\n" + route)).hasSize(1).first()
                .asString().startsWith("config.yaml:6: routes[0].backends[0]: kubeconfig: /nonexistent/kubeconfig"
                        + " (expected: a readable file");
        assertThat(yamlProblems("kubernetes:\n  api_server: http://127.0.0.1:1\nroutes:\n  - path: /api\n"
                + "    backends:\n      - {url: \"k8s://api.shop:http\", min_ttl: 1s}\n")).hasSize(1).first().asString()
                .startsWith("config.yaml:6: routes[0].backends[0].min_ttl: unknown key");
        assertThat(yamlProblems("kubernetes:\n  api_server: http://127.0.0.1:1\nroutes:\n  - path: /api\n"
                + "    backends:\n      - k8s://api:http\n")).containsExactly("config.yaml:6: routes[0].backends[0]:"
                + " k8s://api:http (expected: k8s://service.namespace:port (port: a name or a number))");
        assertThat(yamlProblems("kubernetes:\n  api_server: http://127.0.0.1:1\nroutes:\n  - path: /api\n"
                + "    backends: [\"k8s://a.b:http\", \"k8s://A.b:http\"]\n")).containsExactly(
                "config.yaml:5: routes[0].backends[1]: k8s://A.b:http (expected: each discovery once)");
    }

    /** A discovery that reports one fixed backend and counts its starts. */
    static final class Fixed implements Discovery {
        static int starts;

        @Override
        public String source() {
            return "dns://api.jlb.test:8080";
        }

        @Override
        public void start(Listener listener) {
            starts++;
            listener.onMembership(List.of(DiscoveredBackend.of(Backend.of("http://127.0.0.9:8080"))));
        }

        @Override
        public DiscoveryStats stats() {
            return new DiscoveryStats(source(), 1, 0, 1, "", 1);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aReloadThatKeepsTheEntryKeepsTheDiscoveredBackendsAndDoesNotRestartTheDiscovery() throws Exception {
        RouteConfig before = yaml(FILE).routes().get(0);
        RouteConfig after = yaml(FILE.replace("http://127.0.0.1:8081", "http://127.0.0.1:8082")).routes().get(0);
        Fixed.starts = 0;
        try (LoadBalancer lb = LoadBalancer.builder().backends(before.backends()).discovery(new Fixed()).build()) {
            RouteDiff diff = RouteDiff.of(before, after);
            assertThat(diff.discoveriesChanged()).isFalse();
            assertThat(diff.changes()).containsExactly("backends added [127.0.0.1:8082], removed [127.0.0.1:8081]");
            diff.applyTo(lb);
            assertThat(lb.pool().backends()).extracting(Backend::id).containsExactlyInAnyOrder("127.0.0.1:8082", "127.0.0.9:8080");
            assertThat(Fixed.starts).isEqualTo(1);

            RouteConfig fewer = yaml(FILE.replace("http://127.0.0.1:8081", "http://127.0.0.1:8082")
                    .replace("      - dns://API.jlb.test:8080\n", "")).routes().get(0);
            RouteDiff drop = RouteDiff.of(after, fewer);
            assertThat(drop.changes()).containsExactly("discoveries removed [dns://api.jlb.test:8080]");
            drop.applyTo(lb);
            assertThat(lb.discovery().discoveries()).isEmpty();
            assertThat(lb.pool().backends()).extracting(Backend::id).containsExactly("127.0.0.1:8082");
        }
    }
}
