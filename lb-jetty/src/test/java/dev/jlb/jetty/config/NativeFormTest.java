package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.json;
import static dev.jlb.jetty.config.ConfigTestSupport.jsonProblems;
import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.RetryPolicy;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import dev.jlb.health.SlowStart;
import dev.jlb.jetty.ProxyOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The native form: server tuning and several routes with every setting. */
class NativeFormTest {

    static final String FULL = """
            server:
              address: 127.0.0.1
              port: 9090
              threads: 16
              selectors: 2
              accept_queue: 512
              idle_timeout: 1m
              max_connections_per_backend: 128
              max_requests_queued_per_backend: 64
              shutdown_grace_period: 10s
              access_log: true
            routes:
              - name: api
                path: /api/
                strip_prefix: true
                backends:
                  - http://127.0.0.1:9001
                  - url: http://127.0.0.1:9002
                    weight: 3
                  - {url: "http://127.0.0.1:9003", weight: 0}
                strategy:
                  name: consistent-hash
                  key: "header:X-User"
                  factor: 1.5
                health_check:
                  type: http
                  method: OPTIONS
                  path: /health?deep=1
                  interval: 5s
                  timeout: 500ms
                  jitter: 20%
                  rise: 3
                  fall: 2
                  expected_status: [200, "300-399", 4xx]
                  expected_body: ok
                outlier_detection: {enabled: false, consecutive_failures: 7, base_ejection_time: 10s, max_ejection_time: 2m, max_ejection_percent: 30, uneject_on_health_check_pass: false}
                latency_health: {absolute_limit: 250ms, relative_factor: 4, relative_floor: 5ms, minimum_samples: 20, interval: 2s, action: eject, degraded_weight: 25%}
                slow_start: {window: 30s, floor: 25%}
                panic: {mode: fail-fast, threshold: 40}
                retry: {attempts: 2, statuses: [503, 502], non_idempotent: true, buffer_limit: 1MiB, budget_percent: 50, budget_min_retries_per_second: 1, budget_window: 30s}
                timeouts: {connect: 1s, attempt: 5s, total: 12s, idle: 2m}
                headers: {preserve_host: false, x_forwarded: false, via: edge-1, request_id: X-Trace, generate_request_id: false}
              - path: /
                backends: ["http://127.0.0.1:9100"]
            """;

    @Test
    void everySettingIsRead() throws Exception {
        JlbConfig config = yaml(FULL);

        assertThat(config.server()).isEqualTo(new ServerConfig("127.0.0.1", 9090, 16, 2, 512, Duration.ofMinutes(1),
                128, 64, Duration.ofSeconds(10), true));
        assertThat(config.routes()).hasSize(2);
        RouteConfig api = config.routes().get(0);
        assertThat(api.name()).isEqualTo("api");
        assertThat(api.path()).as("the trailing slash is dropped").isEqualTo("/api");
        assertThat(api.proxy().stripPrefix()).isTrue();
        assertThat(api.backends()).containsExactly(Backend.of("http://127.0.0.1:9001"),
                Backend.of("http://127.0.0.1:9002"), Backend.of("http://127.0.0.1:9003"));
        assertThat(api.backends()).extracting(Backend::weight).containsExactly(1, 3, 0);
        assertThat(api.strategy()).isEqualTo(new StrategyConfig("consistent-hash",
                Map.of("key", "header:X-User", "factor", "1.5")));
        assertThat(api.healthCheck()).isEqualTo(ActiveHealthCheck.http("/health?deep=1").method("OPTIONS")
                .expectedStatuses("200,300-399,400-499").expectedBody("ok").interval(Duration.ofSeconds(5))
                .timeout(Duration.ofMillis(500)).jitter(0.2).rise(3).fall(2).build());
        assertThat(api.outlierDetection()).as("enabled: false, its other keys read and checked")
                .isEqualTo(OutlierDetection.disabled());
        assertThat(api.latencyHealth()).isEqualTo(LatencyHealth.builder().absoluteLimit(Duration.ofMillis(250))
                .relativeFactor(4.0).relativeFloor(Duration.ofMillis(5)).minimumSamples(20)
                .interval(Duration.ofSeconds(2)).action(LatencyHealth.Action.EJECT).degradedWeightFactor(0.25).build());
        assertThat(api.slowStart()).isEqualTo(SlowStart.of(Duration.ofSeconds(30), 0.25));
        assertThat(api.panicMode()).isEqualTo(PanicMode.FAIL_FAST);
        assertThat(api.panicThreshold()).isEqualTo(0.4);
        assertThat(api.proxy().retry()).isEqualTo(RetryPolicy.builder().maxAttempts(2).retryableStatuses(502, 503)
                .retryNonIdempotent(true).bufferLimitBytes(1 << 20).retryBudget(50, 1, Duration.ofSeconds(30)).build());
        assertThat(api.proxy()).extracting(ProxyOptions::connectTimeout, ProxyOptions::attemptTimeout,
                ProxyOptions::totalTimeout, ProxyOptions::idleTimeout).containsExactly(Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(12), Duration.ofMinutes(2));
        assertThat(api.proxy()).extracting(ProxyOptions::preserveHost, ProxyOptions::xForwardedHeaders,
                ProxyOptions::via, ProxyOptions::requestIdHeader, ProxyOptions::generateRequestId)
                .containsExactly(false, false, "edge-1", "X-Trace", false);

        RouteConfig root = config.routes().get(1);
        assertThat(root.name()).isEqualTo("/");
        assertThat(root.healthCheck()).isEqualTo(ActiveHealthCheck.disabled());
        assertThat(root.outlierDetection()).isEqualTo(OutlierDetection.defaults());
        assertThat(root.latencyHealth()).isEqualTo(LatencyHealth.disabled());
        assertThat(root.slowStart()).isEqualTo(SlowStart.disabled());
        assertThat(root.panicMode()).isEqualTo(PanicMode.ROUTE_ALL);
        assertThat(root.panicThreshold()).isEqualTo(PanicMode.DEFAULT_THRESHOLD);
        assertThat(root.proxy().retry()).isEqualTo(RetryPolicy.defaults());
        assertThat(root.strategy()).isEqualTo(StrategyConfig.DEFAULT);
        assertThat(root.proxy()).as("timeouts and headers at their defaults").isEqualTo(ProxyOptions.builder()
                .prefix("/").maxConnectionsPerBackend(128).maxRequestsQueuedPerBackend(64).build());
    }

    @Test
    void theSameConfigurationInJsonGivesTheSameModel() throws Exception {
        JlbConfig fromJson = json("""
                {
                  "lb_port": 9090,
                  "routes": [
                    {"path": "/lb", "backends": ["http://127.0.0.1:8081", {"url": "http://127.0.0.1:8082", "weight": 2}],
                     "strategy": "weighted-round-robin",
                     "health_check": {"path": "/health", "interval": "1s", "expected_status": "200-299"},
                     "retry": {"buffer_limit": 65536}}
                  ]
                }
                """);
        JlbConfig fromYaml = yaml("""
                lb_port: 9090
                routes:
                  - path: /lb
                    backends: [http://127.0.0.1:8081, {url: http://127.0.0.1:8082, weight: 2}]
                    strategy: weighted-round-robin
                    health_check: {path: /health, interval: 1s}
                    retry: {buffer_limit: 64KiB}
                """);
        assertThat(fromJson).isEqualTo(fromYaml);
        assertThat(fromJson.routes().get(0).healthCheck().probe().orElseThrow()).hasToString(
                "http GET /health expecting 200-299 within 1s");
        assertThat(fromJson.routes().get(0).healthCheck().timeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void modelsCompareWeightsToo() throws Exception {
        String base = "routes:\n  - path: /\n    backends: [{url: http://a:1, weight: %d}]\n";
        assertThat(yaml(base.formatted(1))).isEqualTo(yaml(base.formatted(1)));
        assertThat(yaml(base.formatted(1))).isNotEqualTo(yaml(base.formatted(2)));
        assertThat(yaml(base.formatted(1)).hashCode()).isEqualTo(yaml(base.formatted(1)).hashCode());
    }

    @Test
    void threadsAndSelectorsMayBeAuto() throws Exception {
        ServerConfig server = yaml("server: {threads: auto, selectors: auto}\nservers: [\"http://a:1\"]\n").server();
        assertThat(server.threads()).isEqualTo(ServerConfig.AUTO);
        assertThat(server.selectors()).isEqualTo(ServerConfig.AUTO);
    }

    @Test
    void routePathsMatchOnSegmentBoundaries() throws Exception {
        RouteConfig lb = yaml("routes: [{path: /lb, backends: [\"http://a:1\"]}]").routes().get(0);
        assertThat(lb.matches("/lb")).isTrue();
        assertThat(lb.matches("/lb/")).isTrue();
        assertThat(lb.matches("/lb/a/b")).isTrue();
        assertThat(lb.matches("/lbx")).isFalse();
        assertThat(lb.matches("/")).isFalse();
        RouteConfig root = yaml("routes: [{path: /, backends: [\"http://a:1\"]}]").routes().get(0);
        assertThat(root.matches("/anything")).isTrue();
    }

    @Test
    void reportsEveryProblemOfEveryRouteAtOnce() {
        List<String> problems = yamlProblems("""
                server:
                  port: -1
                  threads: 2
                  acess_log: true
                routes:
                  - path: api
                    backends: []
                    stratgy: p2c
                  - path: /api
                    backends:
                      - {url: http://a:1, weight: 1.5}
                      - {weight: 2}
                      - 5
                      - {url: "http://b:1", weight: 10001}
                  - path: /api/
                    name: /api
                    backends: [http://c:1]
                    strategy: {name: consistent-hash, key: "header:", facter: 2}
                  - backends: [http://d:1]
                    strip_prefix: "yes"
                """);

        assertThat(problems).containsExactly(
                "config.yaml:2: server.port: -1 (expected: >= 0)",
                "config.yaml:3: server.threads: 2 (expected: >= 4)",
                "config.yaml:4: server.acess_log: unknown key (did you mean access_log?)",
                "config.yaml:6: routes[0].path: api (expected: a path prefix starting with /, such as /api)",
                "config.yaml:7: routes[0].backends: [] (expected: at least one backend)",
                "config.yaml:8: routes[0].stratgy: unknown key (did you mean strategy?)",
                "config.yaml:11: routes[1].backends[0].weight: 1.5 (expected: an integer)",
                "config.yaml:12: routes[1].backends[1].url: missing (expected: a URL such as http://127.0.0.1:8081)",
                "config.yaml:13: routes[1].backends[2]: 5 (expected: a URL such as http://127.0.0.1:8081, or a mapping"
                        + " with url and weight)",
                "config.yaml:14: routes[1].backends[3].weight: 10001 (expected: <= 10000)",
                "config.yaml:15: routes[2].path: /api/ (expected: each path once; first at line 9)",
                "config.yaml:16: routes[2].name: /api (expected: each name once; first at line 9)",
                "config.yaml:18: routes[2].strategy.facter: unknown option of consistent-hash (did you mean factor?)",
                "config.yaml:18: routes[2].strategy.key: \"header:\" (expected: header:<name>, cookie:<name>, client or"
                        + " path)",
                "config.yaml:19: routes[3].path: missing (expected: a path prefix such as /api)",
                "config.yaml:20: routes[3].strip_prefix: \"yes\" (expected: true or false)");
    }

    @Test
    void aDefaultNameThatIsTakenIsAProblemToo() {
        assertThat(yamlProblems("""
                routes:
                  - {path: /a, name: /b, backends: [http://a:1]}
                  - {path: /b, backends: [http://b:1]}
                """)).containsExactly(
                "config.yaml:3: routes[1].path: /b (expected: a name of its own: the route's name defaults to its path,"
                        + " and /b is the name at line 2)");
    }

    @Test
    void aRouteThatIsNotAMappingIsOneProblem() {
        assertThat(yamlProblems("routes:\n  - /api\n  - []\n")).containsExactly(
                "config.yaml:2: routes[0]: /api (expected: a mapping with path and backends)",
                "config.yaml:3: routes[1]: [] (expected: a mapping with path and backends)");
        assertThat(yamlProblems("routes: []\n")).containsExactly(
                "config.yaml:1: routes: [] (expected: at least one route)");
    }

    @Test
    void strategyOptionsAreCheckedByTheStrategy() {
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy:
                      name: consistent-hash
                      key: "header:"
                      factor: 0.5
                """)).containsExactly(
                "config.yaml:6: routes[0].strategy.key: \"header:\" (expected: header:<name>, cookie:<name>, client or path)",
                "config.yaml:7: routes[0].strategy.factor: 0.5 (expected: a finite number >= 1.0)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy: {name: consistent-hash, factor: 0.5}
                """)).containsExactly(
                "config.yaml:4: routes[0].strategy.factor: 0.5 (expected: a finite number >= 1.0)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy: {name: round-robin, key: client}
                """)).containsExactly(
                "config.yaml:4: routes[0].strategy.key: unknown option of round-robin (expected: no options)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy: {key: client}
                """)).containsExactly(
                "config.yaml:4: routes[0].strategy.name: missing (expected: a strategy name such as round-robin)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy: [p2c]
                """)).containsExactly(
                "config.yaml:4: routes[0].strategy: [...] (expected: a strategy name such as round-robin, or a"
                        + " mapping with name and options)");
    }

    @Test
    void everyProblemOfOneStrategysOptionsIsReportedAtOnce() {
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy:
                      name: consistent-hash
                      key: "query:id"
                      factor: 0.5
                      replicas: 3
                """)).containsExactly(
                "config.yaml:6: routes[0].strategy.key: query:id (expected: header:<name>, cookie:<name>, client or path)",
                "config.yaml:7: routes[0].strategy.factor: 0.5 (expected: a finite number >= 1.0)",
                "config.yaml:8: routes[0].strategy.replicas: unknown option of consistent-hash (expected: one of key,"
                        + " factor)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    strategy: {name: consistent-hash, key: "query:id", factor: 0.5, replicas: 3}
                """)).containsExactlyInAnyOrder(
                "config.yaml:4: routes[0].strategy.replicas: unknown option of consistent-hash (expected: one of key,"
                        + " factor)",
                "config.yaml:4: routes[0].strategy.key: query:id (expected: header:<name>, cookie:<name>, client or path)",
                "config.yaml:4: routes[0].strategy.factor: 0.5 (expected: a finite number >= 1.0)");
    }

    @Test
    void healthCheckProblems() {
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    health_check:
                      type: tcp
                      path: /health
                      interval: -5s
                      timeout: 0
                      jitter: 60%
                      rise: 0
                      fall: 1001
                      expected_status: 200
                """)).containsExactly(
                "config.yaml:6: routes[0].health_check.path: /health (expected: only with type http)",
                "config.yaml:7: routes[0].health_check.interval: -5s (expected: > 0)",
                "config.yaml:8: routes[0].health_check.timeout: 0 (expected: > 0)",
                "config.yaml:9: routes[0].health_check.jitter: 60% (expected: <= 50%)",
                "config.yaml:10: routes[0].health_check.rise: 0 (expected: >= 1)",
                "config.yaml:11: routes[0].health_check.fall: 1001 (expected: <= 1000)",
                "config.yaml:12: routes[0].health_check.expected_status: 200 (expected: only with type http)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    health_check:
                      type: grpc
                      method: get
                      path: health
                      interval: 2s
                      timeout: 3s
                      expected_status: [200, 99, "300-200", 2xy, 600]
                """)).containsExactly(
                "config.yaml:5: routes[0].health_check.type: grpc (expected: one of http, tcp, none)",
                "config.yaml:6: routes[0].health_check.method: get (expected: an HTTP method in capitals, such as GET"
                        + " or HEAD)",
                "config.yaml:7: routes[0].health_check.path: health (expected: a path starting with /, such as /health)",
                "config.yaml:9: routes[0].health_check.timeout: 3s (expected: <= interval (2s))",
                "config.yaml:10: routes[0].health_check.expected_status[1]: 99 (expected: >= 100)",
                "config.yaml:10: routes[0].health_check.expected_status[2]: 300-200 (expected: a range low-high, such"
                        + " as 200-399)",
                "config.yaml:10: routes[0].health_check.expected_status[3]: 2xy (expected: a status such as 200, a"
                        + " range such as 200-399, or a list of them)",
                "config.yaml:10: routes[0].health_check.expected_status[4]: 600 (expected: <= 599)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    health_check: {type: none, interval: 1s}
                """)).containsExactly(
                "config.yaml:4: routes[0].health_check.interval: 1s (expected: no settings with type none)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    health_check: {method: HEAD, expected_body: ok}
                """)).containsExactly(
                "config.yaml:4: routes[0].health_check.expected_body: ok (expected: none with method HEAD, whose"
                        + " responses have no body)");
    }

    @Test
    void passiveHealthSlowStartAndPanicProblems() {
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    outlier_detection:
                      consecutive_failures: 0
                      base_ejection_time: 1m
                      max_ejection_time: 30s
                      max_ejection_percent: 150
                    latency_health: {relative_factor: 0.5, action: kill}
                    slow_start: {floor: 0%}
                    panic: {mode: panic, threshold: 0.5}
                """)).containsExactly(
                "config.yaml:5: routes[0].outlier_detection.consecutive_failures: 0 (expected: >= 1)",
                "config.yaml:7: routes[0].outlier_detection.max_ejection_time: 30s (expected: >= base_ejection_time"
                        + " (1m))",
                "config.yaml:8: routes[0].outlier_detection.max_ejection_percent: 150 (expected: <= 100)",
                "config.yaml:9: routes[0].latency_health.relative_factor: 0.5 (expected: 0 (off) or > 1)",
                "config.yaml:9: routes[0].latency_health.action: kill (expected: one of degrade, eject)",
                "config.yaml:10: routes[0].slow_start.window: missing (expected: a duration such as 500ms, 2s or 1m)",
                "config.yaml:10: routes[0].slow_start.floor: 0% (expected: >= 1%)",
                "config.yaml:11: routes[0].panic.mode: panic (expected: one of route-all, fail-fast)",
                "config.yaml:11: routes[0].panic.threshold: 0.5 (expected: a percentage such as 50 or 50%)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    outlier_detection:
                      uneject_on_health_check_pass: "yes"
                  - path: /b
                    backends: [http://b:1]
                    outlier_detection:
                      uneject_on_healthcheck_pass: false
                """)).containsExactly(
                "config.yaml:5: routes[0].outlier_detection.uneject_on_health_check_pass: \"yes\" (expected: true or"
                        + " false)",
                "config.yaml:9: routes[1].outlier_detection.uneject_on_healthcheck_pass: unknown key (did you mean"
                        + " uneject_on_health_check_pass?)");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    latency_health: {relative_factor: 0}
                """)).containsExactly(
                "config.yaml:4: routes[0].latency_health: no limit (expected: absolute_limit, or relative_factor > 1)");
    }

    @Test
    void retryAndTimeoutProblems() {
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    retry:
                      attempts: 0
                      statuses: [502, 404, 700, "503"]
                      non_idempotent: 1
                      buffer_limit: 64 bananas
                    timeouts:
                      connect: 10s
                      attempt: 90s
                      total: 1m
                """)).containsExactly(
                "config.yaml:5: routes[0].retry.attempts: 0 (expected: >= 1)",
                "config.yaml:6: routes[0].retry.statuses[1]: 404 (expected: >= 500)",
                "config.yaml:6: routes[0].retry.statuses[2]: 700 (expected: <= 599)",
                "config.yaml:6: routes[0].retry.statuses[3]: \"503\" (expected: an integer)",
                "config.yaml:7: routes[0].retry.non_idempotent: 1 (expected: true or false)",
                "config.yaml:8: routes[0].retry.buffer_limit: \"64 bananas\" (expected: a size such as 65536, 64KiB or"
                        + " 1MiB)",
                "config.yaml:11: routes[0].timeouts.attempt: 90s (expected: <= total (1m))");
        assertThat(yamlProblems("""
                routes:
                  - path: /
                    backends: [http://a:1]
                    retry: {buffer_limit: 65MiB}
                    timeouts: {connect: 5s, attempt: 2s, idle: 25h}
                    headers: {via: "my proxy", request_id: "X-Id:", x_forwarded: yes}
                """)).containsExactly(
                "config.yaml:4: routes[0].retry.buffer_limit: 65MiB (expected: <= 64MiB)",
                "config.yaml:5: routes[0].timeouts.idle: 25h (expected: <= 24h)",
                "config.yaml:5: routes[0].timeouts.connect: 5s (expected: <= attempt (2s))",
                "config.yaml:6: routes[0].headers.x_forwarded: \"yes\" (expected: true or false)",
                "config.yaml:6: routes[0].headers.via: \"my proxy\" (expected: a token such as jlb or a host name)",
                "config.yaml:6: routes[0].headers.request_id: \"X-Id:\" (expected: a header name such as X-Request-Id)");
    }

    @Test
    void aShortTotalTimeoutLowersTheDefaultsBelowIt() throws Exception {
        ProxyOptions timeouts = yaml("routes: [{path: /, backends: [\"http://a:1\"], timeouts: {total: 1s}}]")
                .routes().get(0).proxy();
        assertThat(timeouts).extracting(ProxyOptions::connectTimeout, ProxyOptions::attemptTimeout,
                ProxyOptions::totalTimeout, ProxyOptions::idleTimeout).containsExactly(Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), ProxyOptions.DEFAULT_IDLE_TIMEOUT);
    }

    @Test
    void serverProblems() {
        assertThat(yamlProblems("""
                lb_port: 8080
                server:
                  address: ""
                  port: 8081
                  threads: 3
                  selectors: 6
                  idle_timeout: forever
                  shutdown_grace_period: -1s
                servers: ["http://a:1"]
                """)).containsExactly(
                "config.yaml:3: server.address: \"\" (expected: an IP address or a host name)",
                "config.yaml:4: server.port: 8081 (expected: either lb_port or server.port, not both)",
                "config.yaml:5: server.threads: 3 (expected: >= 4)",
                "config.yaml:7: server.idle_timeout: forever (expected: a duration such as 500ms, 2s or 1m)",
                "config.yaml:8: server.shutdown_grace_period: -1s (expected: >= 0)");
        assertThat(yamlProblems("server: {threads: many}\nservers: [\"http://a:1\"]\n")).containsExactly(
                "config.yaml:1: server.threads: many (expected: auto or an integer)");
    }

    @Test
    void headerTimeout() throws Exception {
        assertThat(yaml("servers: [\"http://a:1\"]\n").server().headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(yaml("server: {header_timeout: 250ms}\nservers: [\"http://a:1\"]\n").server().headerTimeout())
                .isEqualTo(Duration.ofMillis(250));
        assertThat(yamlProblems("server: {header_timeout: 0s}\nservers: [\"http://a:1\"]\n")).containsExactly(
                "config.yaml:1: server.header_timeout: 0s (expected: > 0)");
    }

    @Test
    void jsonProblemsHaveLinesToo() {
        assertThat(jsonProblems("""
                {
                  "routes": [
                    {
                      "path": "/lb",
                      "backends": [{"url": "http://127.0.0.1:8081", "weight": -1}],
                      "helth_check": {}
                    }
                  ]
                }
                """)).containsExactly(
                "config.json:5: routes[0].backends[0].weight: -1 (expected: >= 0)",
                "config.json:6: routes[0].helth_check: unknown key (did you mean health_check?)");
    }
}
