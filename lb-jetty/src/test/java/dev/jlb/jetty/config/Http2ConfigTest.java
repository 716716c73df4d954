package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.BackendProtocol;
import dev.jlb.jetty.ProxyOptions;
import org.junit.jupiter.api.Test;

/** {@code server.h2c}, a route's {@code protocol} and {@code max_streams_per_connection}. */
class Http2ConfigTest {

    private static final String ROUTE = "routes:\n  - path: /\n    backends: [\"http://a:1\"]\n";

    @Test
    void defaultsAreH2cOnTheListenerAndHttp1ToBackends() throws Exception {
        JlbConfig config = yaml(ROUTE);
        assertThat(config.server().h2c()).isTrue();
        ProxyOptions proxy = config.routes().get(0).proxy();
        assertThat(proxy.backendProtocol()).isEqualTo(BackendProtocol.HTTP1);
        assertThat(proxy.maxStreamsPerConnection()).isEqualTo(100);
    }

    @Test
    void theKeysAreRead() throws Exception {
        JlbConfig config = yaml("server: {h2c: false}\n" + ROUTE + "    protocol: H2C\n    max_streams_per_connection: 8\n");
        assertThat(config.server().h2c()).isFalse();
        ProxyOptions proxy = config.routes().get(0).proxy();
        assertThat(proxy.backendProtocol()).isEqualTo(BackendProtocol.H2C);
        assertThat(proxy.maxStreamsPerConnection()).isEqualTo(8);
        assertThat(yaml(ROUTE + "    protocol: h2\n").routes().get(0).proxy().backendProtocol())
                .isEqualTo(BackendProtocol.H2);
    }

    @Test
    void badValuesNameTheFieldTheValueAndWhatWasExpected() {
        assertThat(yamlProblems(ROUTE + "    protocol: h3\n")).containsExactly(
                "config.yaml:4: routes[0].protocol: h3 (expected: http1, h2c or h2)");
        assertThat(yamlProblems(ROUTE + "    max_streams_per_connection: 0\n")).containsExactly(
                "config.yaml:4: routes[0].max_streams_per_connection: 0 (expected: >= 1)");
        assertThat(yamlProblems("server: {h2c: maybe}\n" + ROUTE)).hasSize(1).allMatch(p -> p.startsWith(
                "config.yaml:1: server.h2c: maybe (expected:"));
    }

    @Test
    void aNewProtocolMakesTheRouteDifferentForHotReload() throws Exception {
        RouteConfig http1 = yaml(ROUTE).routes().get(0);
        RouteConfig h2c = yaml(ROUTE + "    protocol: h2c\n").routes().get(0);
        assertThat(RouteDiff.of(http1, h2c).proxyChanged()).isTrue();
        RouteConfig fewer = yaml(ROUTE + "    protocol: h2c\n    max_streams_per_connection: 4\n").routes().get(0);
        assertThat(RouteDiff.of(h2c, fewer).proxyChanged()).isTrue();
    }
}
