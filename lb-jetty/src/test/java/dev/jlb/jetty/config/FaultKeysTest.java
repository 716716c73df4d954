package dev.jlb.jetty.config;

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
}
