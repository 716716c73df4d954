package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.ProxyOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code upgrades:} and {@code timeouts.websocket_idle}: read into ProxyOptions, judged by its builder. */
class UpgradeConfigTest {

    private static final String ROUTE = "routes:\n  - path: /\n    backends: [\"http://a:1\"]\n";

    @Test
    void defaultsCarryWebSocketWithAnHourOfIdle() throws Exception {
        ProxyOptions proxy = yaml(ROUTE).routes().get(0).proxy();
        assertThat(proxy.upgrades()).containsExactly("websocket");
        assertThat(proxy.websocketIdleTimeout()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void readsUpgradesAndTheWebSocketIdleTimeout() throws Exception {
        ProxyOptions proxy = yaml(ROUTE + "    upgrades: [WebSocket, tcp-tunnel]\n    timeouts: {websocket_idle: 90s}\n")
                .routes().get(0).proxy();
        assertThat(proxy.upgrades()).isEqualTo(Set.of("websocket", "tcp-tunnel"));
        assertThat(proxy.websocketIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(yaml(ROUTE + "    upgrades: []\n").routes().get(0).proxy().upgrades()).isEmpty();
    }

    @Test
    void badValuesAreProblemsAtTheirKey() {
        assertThat(yamlProblems(ROUTE + "    upgrades: [websocket, \"a b\"]\n")).containsExactly(
                "config.yaml:4: routes[0].upgrades[1]: \"a b\" (expected: a protocol token such as websocket)");
        assertThat(yamlProblems(ROUTE + "    upgrades: [h2c]\n")).containsExactly(
                "config.yaml:4: routes[0].upgrades[0]: h2c (expected: a protocol other than h2c, which the listener"
                        + " handles)");
        assertThat(yamlProblems(ROUTE + "    upgrades: websocket\n")).containsExactly(
                "config.yaml:4: routes[0].upgrades: websocket (expected: a list of protocols such as [websocket])");
        assertThat(yamlProblems(ROUTE + "    timeouts: {websocket_idle: 0s}\n")).hasSize(1).first().asString()
                .startsWith("config.yaml:4: routes[0].timeouts.websocket_idle: 0s (expected: > 0");
    }

    @Test
    void aChangedUpgradeSettingChangesTheRoute() throws Exception {
        RouteConfig before = yaml(ROUTE).routes().get(0);
        RouteConfig after = yaml(ROUTE + "    upgrades: []\n").routes().get(0);
        assertThat(after).isNotEqualTo(before);
        assertThat(List.of(ProxyOptions.defaults().toBuilder().upgrades(List.of()).build().upgrades())).hasSize(1);
    }
}
