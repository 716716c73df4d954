package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.json;
import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.ProxyOptions;
import org.junit.jupiter.api.Test;

/** The server keys of issue 10 (faults and hostile input). */
class FaultKeysTest {

    private static final String ROUTES = "servers: [\"http://a:1\"]\n";

    @Test
    void maxResponseHeaderSizeReachesEveryRoute() throws Exception {
        JlbConfig c = yaml("server: {max_response_header_size: 32KiB}\n" + ROUTES);
        assertThat(c.server().maxResponseHeaderSize()).isEqualTo(32 * 1024);
        assertThat(c.routes()).allSatisfy(r -> assertThat(r.proxy().maxResponseHeaderSize()).isEqualTo(32 * 1024));
    }

    @Test
    void maxResponseHeaderSizeDefaultsTo16KiB() throws Exception {
        assertThat(yaml(ROUTES).routes().get(0).proxy().maxResponseHeaderSize())
                .isEqualTo(ProxyOptions.DEFAULT_MAX_RESPONSE_HEADER_SIZE).isEqualTo(16 * 1024);
    }

    @Test
    void maxResponseHeaderSizeOutOfBoundsNamesTheKey() {
        assertThat(yamlProblems("server: {max_response_header_size: 512}\n" + ROUTES)).containsExactly(
                "config.yaml:1: server.max_response_header_size: 512 (expected: >= 1KiB)");
        assertThat(yamlProblems("server: {max_response_header_size: 2MiB}\n" + ROUTES)).containsExactly(
                "config.yaml:1: server.max_response_header_size: 2MiB (expected: <= 1MiB)");
    }

    @Test
    void allowTraceIsARouteKeyOffByDefault() throws Exception {
        assertThat(yaml(ROUTES).routes().get(0).proxy().allowTrace()).isFalse();
        JlbConfig c = yaml("routes:\n  - path: /api\n    allow_trace: true\n    backends: [\"http://a:1\"]\n");
        assertThat(c.routes().get(0).proxy().allowTrace()).isTrue();
    }

    private static final String ROUTE = "routes:\n  - path: /api\n    backends: [\"http://a:1\"]\n";

    @Test
    void trustedProxiesIsARouteKeyEmptyByDefault() throws Exception {
        assertThat(yaml(ROUTES).routes().get(0).proxy().trustedProxies()).isEmpty();
        assertThat(yaml(ROUTE).routes().get(0).proxy().trustedProxies()).isEmpty();
        JlbConfig c = yaml(ROUTE + "    trusted_proxies: [10.0.0.0/8, \"::1/128\", fd00::/8, 127.0.0.1]\n");
        assertThat(c.routes().get(0).proxy().trustedProxies())
                .containsExactly("10.0.0.0/8", "::1/128", "fd00::/8", "127.0.0.1");
        JlbConfig block = yaml(ROUTE
                + "    trusted_proxies:\n      - 192.168.0.0/16\n      - 2001:db8::/32\n      - ::1\n");
        assertThat(block.routes().get(0).proxy().trustedProxies())
                .containsExactly("192.168.0.0/16", "2001:db8::/32", "::1");
        JlbConfig j = json("{\"routes\": [{\"path\": \"/\", \"backends\": [\"http://a:1\"],"
                + " \"trusted_proxies\": [\"10.0.0.0/8\", \"::1/128\"]}]}");
        assertThat(j.routes().get(0).proxy().trustedProxies()).containsExactly("10.0.0.0/8", "::1/128");
        assertThat(yaml(ROUTE + "    trusted_proxies: []\n").routes().get(0).proxy().trustedProxies()).isEmpty();
    }

    @Test
    void badTrustedProxiesNameTheItem() {
        assertThat(yamlProblems(ROUTE + "    trusted_proxies: [10.0.0.0/8, 10.0.0.0/33]\n")).containsExactly(
                "config.yaml:4: routes[0].trusted_proxies[1]: 10.0.0.0/33 (expected: a CIDR such as 10.0.0.0/8 or"
                        + " fd00::/8)");
        assertThat(yamlProblems(ROUTE + "    trusted_proxies: [lb.example.com, \"fd00::/200\"]\n")).containsExactly(
                "config.yaml:4: routes[0].trusted_proxies[0]: lb.example.com (expected: a CIDR such as 10.0.0.0/8 or"
                        + " fd00::/8)",
                "config.yaml:4: routes[0].trusted_proxies[1]: fd00::/200 (expected: a CIDR such as 10.0.0.0/8 or"
                        + " fd00::/8)");
        assertThat(yamlProblems(ROUTE + "    trusted_proxies: [10.0.0.1/8]\n")).containsExactly(
                "config.yaml:4: routes[0].trusted_proxies[0]: 10.0.0.1/8 (expected: no address bits set past the"
                        + " prefix, such as 10.0.0.0/8)");
        assertThat(yamlProblems(ROUTE + "    trusted_proxies: [10]\n")).containsExactly(
                "config.yaml:4: routes[0].trusted_proxies[0]: 10 (expected: a CIDR such as 10.0.0.0/8 or fd00::/8)");
        assertThat(yamlProblems(ROUTE + "    trusted_proxies: 10.0.0.0/8\n")).containsExactly(
                "config.yaml:4: routes[0].trusted_proxies: 10.0.0.0/8 (expected: a list of CIDRs such as"
                        + " [10.0.0.0/8, \"fd00::/8\"])");
    }

    @Test
    void aChangedTrustedProxiesListChangesTheRoute() throws Exception {
        RouteConfig before = yaml(ROUTE).routes().get(0);
        RouteConfig after = yaml(ROUTE + "    trusted_proxies: [10.0.0.0/8]\n").routes().get(0);
        assertThat(after).isNotEqualTo(before);
        assertThat(yaml(ROUTE + "    trusted_proxies: [10.0.0.0/8]\n").routes().get(0)).isEqualTo(after);
    }
}
