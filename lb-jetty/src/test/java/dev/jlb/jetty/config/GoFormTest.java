package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.RetryPolicy;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.ProxyOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Go original's config.yaml shape: one route at /lb. */
class GoFormTest {

    @Test
    void theGoOriginalsFileLoadsUnchanged() throws Exception {
        String seed;
        try (InputStream in = GoFormTest.class.getResourceAsStream("go-config.yaml")) {
            seed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(seed).contains("strategy: least-connection").contains("\"http://localhost:8085\"");

        JlbConfig config = yaml(seed);

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().address()).isEqualTo("0.0.0.0");
        assertThat(config.routes()).hasSize(1);
        RouteConfig route = config.routes().get(0);
        assertThat(route.path()).isEqualTo("/lb");
        assertThat(route.name()).isEqualTo("/lb");
        assertThat(route.backends()).containsExactly(
                Backend.of("http://localhost:8081"), Backend.of("http://localhost:8082"),
                Backend.of("http://localhost:8083"), Backend.of("http://localhost:8084"),
                Backend.of("http://localhost:8085"));
        assertThat(route.backends()).extracting(Backend::weight).containsExactly(2, 1, 1, 1, 1);
        assertThat(route.strategy().name()).isEqualTo("least-connection");
        assertThat(route.strategy().create().name()).isEqualTo("least-connections");
        assertThat(route.healthCheck().probe().orElseThrow()).as("a TCP check").hasToString("tcp connect");
        assertThat(route.healthCheck().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(route.healthCheck().timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(route.proxy().retry().maxAttempts()).as("max_retry_limit: 3 is three attempts in total")
                .isEqualTo(3);
        assertThat(route.outlierDetection()).isEqualTo(OutlierDetection.defaults());
        assertThat(route.proxy()).extracting(ProxyOptions::connectTimeout, ProxyOptions::attemptTimeout,
                ProxyOptions::totalTimeout, ProxyOptions::idleTimeout).containsExactly(
                ProxyOptions.DEFAULT_CONNECT_TIMEOUT, ProxyOptions.DEFAULT_ATTEMPT_TIMEOUT,
                ProxyOptions.DEFAULT_TOTAL_TIMEOUT, ProxyOptions.DEFAULT_IDLE_TIMEOUT);
        assertThat(route.proxy().stripPrefix()).isFalse();
    }

    @Test
    void aHostLongerThan253CharactersIsAProblem() {
        String url = "http://" + "a".repeat(254) + ":8080";
        assertThat(yamlProblems("servers: [\"" + url + "\"]\n")).containsExactly(
                "config.yaml:1: servers[0]: " + url.substring(0, 80) + "... (expected: at most 253 characters)");
    }

    @Test
    void onlyServersIsRequired() throws Exception {
        JlbConfig config = yaml("servers:\n  - http://127.0.0.1:8081\n  - http://127.0.0.1:8082\n");

        RouteConfig route = config.routes().get(0);
        assertThat(config.server()).isEqualTo(ServerConfig.DEFAULTS);
        assertThat(route.backends()).extracting(Backend::weight).containsExactly(1, 1);
        assertThat(route.strategy()).isEqualTo(StrategyConfig.DEFAULT);
        assertThat(route.healthCheck()).isEqualTo(ActiveHealthCheck.tcp().interval(Duration.ofSeconds(2)).build());
        assertThat(route.proxy().retry()).isEqualTo(RetryPolicy.defaults());
    }

    @Test
    void everyStrategyNameOfTheGoOriginalResolves() throws Exception {
        for (String name : List.of("round-robin", "weighted-round-robin", "least-connection")) {
            JlbConfig config = yaml("strategy: " + name + "\nservers: [\"http://localhost:8081\"]\n");
            assertThat(config.routes().get(0).strategy().create()).as(name).isNotNull();
        }
    }

    @Test
    void maxRetryLimitIsTheMostAttemptsInTotal() throws Exception {
        assertThat(yaml("max_retry_limit: 1\nservers: [\"http://a:1\"]\n").routes().get(0).proxy().retry()
                .maxAttempts()).isEqualTo(1);
        assertThat(yaml("max_retry_limit: 5\nservers: [\"http://a:1\"]\n").routes().get(0).proxy().retry()
                .maxAttempts()).isEqualTo(5);
        assertThat(yamlProblems("max_retry_limit: 0\nservers: [\"http://a:1\"]\n"))
                .containsExactly("config.yaml:1: max_retry_limit: 0 (expected: >= 1)");
    }

    @Test
    void aShortIntervalShortensTheCheckTimeout() throws Exception {
        ActiveHealthCheck check = yaml("health_check_interval: 500ms\nservers: [\"http://a:1\"]\n")
                .routes().get(0).healthCheck();
        assertThat(check.interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(check.timeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void reportsEveryProblemAtOnceWithFileLineFieldValueAndExpectation() {
        List<String> problems = yamlProblems("""
                lb_port: "8080"
                strategy: least-conection
                health_check_interval: "5 parsecs"
                servers:
                  - http://localhost:8081
                  - localhost:8082
                  - http://LOCALHOST:8081
                  - http://localhost:99999
                  - http://localhost:8083/lb
                server_weights: [2, -1, 1, 1]
                max_retry_limt: 3
                """);

        assertThat(problems).containsExactly(
                "config.yaml:1: lb_port: \"8080\" (expected: an integer)",
                "config.yaml:2: strategy: least-conection (expected: one of consistent-hash, least-connections, p2c, peak-ewma,"
                        + " random, round-robin, weighted-round-robin; did you mean least-connection?)",
                "config.yaml:3: health_check_interval: \"5 parsecs\" (expected: a duration such as 500ms, 2s or 1m)",
                "config.yaml:6: servers[1]: localhost:8082 (expected: an absolute http or https URI such as http://127.0.0.1:8081)",
                "config.yaml:7: servers[2]: http://LOCALHOST:8081 (expected: each backend once; first at line 5)",
                "config.yaml:8: servers[3]: http://localhost:99999 (expected: a port in 1..65535)",
                "config.yaml:9: servers[4]: http://localhost:8083/lb (expected: no path, query or fragment)",
                "config.yaml:10: server_weights[1]: -1 (expected: >= 0)",
                "config.yaml:10: server_weights: 4 weights (expected: 5, one per server)",
                "config.yaml:11: max_retry_limt: unknown key (did you mean max_retry_limit?)");
    }

    @Test
    void anUnknownStrategyIsRefusedNeverTurnedIntoRoundRobin() {
        assertThat(yamlProblems("strategy: fastest\nservers: [\"http://a:1\"]\n")).containsExactly(
                "config.yaml:1: strategy: fastest (expected: one of consistent-hash, least-connections, p2c, peak-ewma, random,"
                        + " round-robin, weighted-round-robin)");
    }

    @Test
    void impossibleIntervalsAreRefused() {
        assertThat(yamlProblems("health_check_interval: \"-5s\"\nservers: [\"http://a:1\"]\n"))
                .containsExactly("config.yaml:1: health_check_interval: -5s (expected: > 0)");
        assertThat(yamlProblems("health_check_interval: 0s\nservers: [\"http://a:1\"]\n"))
                .containsExactly("config.yaml:1: health_check_interval: 0s (expected: > 0)");
        assertThat(yamlProblems("health_check_interval: 5\nservers: [\"http://a:1\"]\n"))
                .containsExactly("config.yaml:1: health_check_interval: 5 (expected: a duration with a unit, such as 5s)");
    }

    @Test
    void countsAndRangesOfTheGoKeys() {
        assertThat(yamlProblems("""
                lb_port: 70000
                max_retry_limit: -1
                servers: []
                server_weights: [1]
                """)).containsExactly(
                "config.yaml:1: lb_port: 70000 (expected: <= 65535)",
                "config.yaml:2: max_retry_limit: -1 (expected: >= 1)",
                "config.yaml:3: servers: [] (expected: at least one backend URL)",
                "config.yaml:4: server_weights: 1 weight (expected: 0, one per server)");
        assertThat(yamlProblems("servers: http://a:1\nserver_weights: 1\n")).containsExactly(
                "config.yaml:1: servers: http://a:1 (expected: a list of URLs such as [\"http://127.0.0.1:8081\"])",
                "config.yaml:2: server_weights: 1 (expected: a list of weights such as [2, 1, 1])");
    }

    @Test
    void goKeysDoNotMixWithRoutes() {
        assertThat(yamlProblems("""
                strategy: p2c
                servers: ["http://a:1"]
                routes:
                  - path: /
                    backends: ["http://b:1"]
                """)).containsExactly(
                "config.yaml:1: strategy: p2c (expected: only with servers; with routes, set it in each route)",
                "config.yaml:2: servers: [...] (expected: either servers (the single route /lb) or routes, not both)");
    }

    @Test
    void aFileWithoutRoutesOrServersSaysWhatIsMissing() {
        assertThat(yamlProblems("lb_port: 8080\n")).containsExactly(
                "config.yaml:1: routes: missing (expected: a list of routes, or servers for the single route /lb)");
    }
}
