package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The standalone balancer's admin listener: admin API, status page and /metrics, across a reload. */
class AdminListenerTest {

    private static final String TOKEN = "a-token-of-24-characters";
    /** One Prometheus text sample line: name, optional labels, value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? "
                    + "(NaN|[+-]Inf|[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Standalone balancer;

    @AfterEach
    void stop() {
        if (balancer != null) {
            balancer.close();
        }
    }

    private HttpResponse<String> send(int port, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits (at most 5 s) until the route has no attempt in flight: the proxy completes an attempt's
     * statistics just after the client has its response.
     */
    private void awaitIdle(String path) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (balancer.loadBalancer(path).stats().inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** Every sample of a Prometheus text exposition; fails on a line that is not a comment or a sample. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
            assertThat(out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)),
                    m.group(3).equals("NaN") ? Double.NaN : Double.parseDouble(m.group(3).replace("Inf", "Infinity"))))
                    .as("series twice: %s", line).isNull();
        }
        return out;
    }

    @Test
    void metricsAdminAndStatusPageFollowTheRoutesAcrossAReload() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b")) {
            String yaml = """
                    server: {address: 127.0.0.1, port: 0}
                    routes:
                      - {path: /api, name: api, backends: ["%s"]}
                    admin: {port: 0, bearer_token: %s}
                    """.formatted(a.uri(), TOKEN);
            balancer = Standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML), line -> { });
            int admin = balancer.adminPort();
            assertThat(admin).isPositive();
            for (int i = 0; i < 3; i++) {
                assertThat(send(balancer.port(), "GET", "/api/x", null).statusCode()).isEqualTo(200);
            }

            awaitIdle("/api");
            HttpResponse<String> metrics = send(admin, "GET", "/metrics", null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain;version=0.0.4");
            Map<String, Double> scrape = samples(metrics.body());
            String backendA = "backend=\"" + a.uri().substring("http://".length()) + "\"";
            assertThat(scrape).containsEntry("jlb_route_requests_total{route=\"api\"}", 3.0)
                    .containsEntry("jlb_backend_requests_total{" + backendA + ",outcome=\"success\",route=\"api\"}", 3.0)
                    .containsEntry("jlb_backend_responses_total{" + backendA + ",route=\"api\",status=\"2xx\"}", 3.0);

            // Add b through the admin API: the token is needed; then b takes requests and has meters.
            String add = "{\"uri\": \"" + b.uri() + "\"}";
            assertThat(send(admin, "POST", "/admin/api/routes/api/backends", add).statusCode()).isEqualTo(401);
            assertThat(send(admin, "POST", "/admin/api/routes/api/backends", add, "Authorization", "Bearer " + TOKEN)
                    .statusCode()).isEqualTo(201);
            for (int i = 0; i < 4; i++) {
                send(balancer.port(), "GET", "/api/x", null);
            }
            assertThat(b.arrivals.get()).isEqualTo(2);
            awaitIdle("/api");
            String backendB = "backend=\"" + b.uri().substring("http://".length()) + "\"";
            assertThat(samples(send(admin, "GET", "/metrics", null).body()))
                    .containsEntry("jlb_backend_requests_total{" + backendB + ",outcome=\"success\",route=\"api\"}", 2.0);

            String page = send(admin, "GET", "/admin/", null).body();
            assertThat(page).contains("route api").contains(a.uri().substring(7)).contains(b.uri().substring(7));

            // A reload adds a route and removes api: the meters follow; the admin settings stay.
            String next = """
                    server: {address: 127.0.0.1, port: 0}
                    routes:
                      - {path: /web, name: web, backends: ["%s"]}
                    admin: {port: 0}
                    """.formatted(b.uri());
            balancer.apply(ConfigLoader.parse(next, "test.yaml", ConfigFormat.YAML));
            Map<String, Double> after = samples(send(admin, "GET", "/metrics", null).body());
            assertThat(after).containsEntry("jlb_route_requests_total{route=\"web\"}", 0.0)
                    .doesNotContainKey("jlb_route_requests_total{route=\"api\"}");
            assertThat(send(admin, "GET", "/admin/api/routes/web", null).statusCode()).isEqualTo(200);
            assertThat(send(admin, "GET", "/admin/api/routes/api", null).statusCode()).isEqualTo(404);
            assertThat(send(admin, "DELETE", "/admin/api/routes/web/backends/" + b.uri().substring(7), null)
                    .statusCode()).as("the token of the running admin listener still applies").isEqualTo(401);
        }
    }

    /** A raw GET with the given Host header (the JDK's client does not let a caller set it): the whole answer. */
    private static String rawGet(int port, String path, String host) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void aForeignHostIsRefusedOnEveryPathAndAllowedHostsComeFromTheFile() throws Exception {
        String yaml = """
                server: {address: 127.0.0.1, port: 0}
                servers: ["http://127.0.0.1:1"]
                admin: {port: 0, allowed_hosts: [jlb.example]}
                """;
        balancer = Standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML), line -> { });
        int admin = balancer.adminPort();
        for (String path : new String[] {"/admin/", "/admin/api/routes", "/metrics"}) {
            assertThat(rawGet(admin, path, "evil.example:" + admin)).as(path).startsWith("HTTP/1.1 421 ");
            assertThat(rawGet(admin, path, "jlb.example:" + admin)).as(path).startsWith("HTTP/1.1 200 ");
            assertThat(rawGet(admin, path, "localhost:" + admin)).as(path).startsWith("HTTP/1.1 200 ");
        }
        assertThat(rawGet(admin, "/metrics", "evil.example")).endsWith("\r\n\r\nmisdirected request: host evil.example"
                + " is not this server's (expected: localhost, a loopback address, 127.0.0.1, or one of"
                + " admin.allowed_hosts)\n");
        String malformed = rawGet(admin, "/admin/", "[::1");
        assertThat(malformed).startsWith("HTTP/1.1 400 ").containsIgnoringCase("Content-Type: text/plain")
                .doesNotContainIgnoringCase("<html");
    }

    @Test
    void theDemoHasAnAdminListenerOnLoopback() throws Exception {
        try (Demo demo = Demo.start(Demo.Ports.from(0))) {
            int admin = demo.balancer().adminPort();
            assertThat(admin).isPositive();
            assertThat(demo.banner()).contains("http://localhost:" + admin + "/admin/")
                    .contains("http://localhost:" + admin + "/metrics");
            send(demo.balancer().port(), "GET", "/lb", null);
            assertThat(send(admin, "GET", "/admin/api/routes/lb", null).body()).contains("\"name\" : \"/lb\"");
            assertThat(samples(send(admin, "GET", "/metrics", null).body()))
                    .containsKey("jlb_route_requests_total{route=\"/lb\"}");
        }
    }

    @Test
    void withoutAnAdminSectionThereIsNoAdminListener() throws Exception {
        JlbConfig config = ConfigLoader.parse("server: {address: 127.0.0.1, port: 0}\nservers: [\"http://127.0.0.1:1\"]\n",
                "test.yaml", ConfigFormat.YAML);
        balancer = Standalone.start(config, line -> { });
        assertThat(balancer.adminPort()).isEqualTo(-1);
    }
}
