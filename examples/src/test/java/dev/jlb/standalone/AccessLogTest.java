package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The optional access log: one line per request with method, path, status, backend, attempts, latency. */
class AccessLogTest {

    @Test
    void logsBackendAndAttemptsOfEachRequest() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpClient client = HttpClient.newHttpClient();
        try (TestBackend backend = new TestBackend("b1");
                Standalone balancer = Standalone.start(ConfigLoader.parse("""
                        server: {address: 127.0.0.1, port: 0, access_log: true}
                        routes:
                          - path: /lb
                            backends: ["http://127.0.0.1:%d", "%s"]
                            outlier_detection: {enabled: false}
                          - path: /ok
                            backends: ["%s"]
                        """.formatted(closedPort, backend.uri(), backend.uri()), "t.yaml", ConfigFormat.YAML),
                        lines::add)) {
            for (String path : List.of("/ok/x?i=0", "/lb/x?i=1", "/lb/x?i=2", "/lb/x?i=3")) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + balancer.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lines.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(lines).hasSize(4);
            String id = backend.id().replace(".", "\\.");
            assertThat(lines.get(0)).matches("127\\.0\\.0\\.1 GET /ok/x\\?i=0 200 2B backend=" + id
                    + " attempts=1 \\d+\\.\\dms route=/ok");
            String lb = "127\\.0\\.0\\.1 GET /lb/x\\?i=\\d 200 2B backend=" + id + " attempts=([12]) \\d+\\.\\dms route=/lb";
            assertThat(lines.subList(1, 4)).allMatch(l -> l.matches(lb), "lines like " + lb);
            // Round robin over a dead and a live backend: the dead one is tried first at least once.
            assertThat(lines.subList(1, 4)).anyMatch(l -> l.contains(" attempts=2 "));
        }
    }

    @Test
    void aRequestWithNoBackendIsLoggedWithout() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (Standalone balancer = Standalone.start(ConfigLoader.parse("""
                server: {address: 127.0.0.1, port: 0, access_log: true}
                routes:
                  - path: /
                    backends: [{url: "http://127.0.0.1:9", weight: 0}]
                """, "t.yaml", ConfigFormat.YAML), lines::add)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + balancer.port() + "/a")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lines.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(lines).singleElement().asString()
                    .matches("127\\.0\\.0\\.1 GET /a 503 \\d+B backend=- attempts=0 \\d+\\.\\dms route=/");
        }
    }

    /** Sends {@code raw} on a socket of its own and returns the status of the response (the connection is then closed). */
    private static int raw(int port, String raw) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String head = PathNormalizationTest.readHead(s.getInputStream());
            assertThat(head).as(raw).isNotNull();
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"jetty", "engine"})
    void answersJlbWritesItselfAreLogged(String dataPath) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (TestBackend backend = new TestBackend("b1");
                Standalone balancer = Standalone.start(ConfigLoader.parse("""
                        server: {address: 127.0.0.1, port: 0, access_log: true}
                        routes:
                          - path: /lb
                            data_path: %s
                            backends: ["%s"]
                        """.formatted(dataPath, backend.uri()), "t.yaml", ConfigFormat.YAML), lines::add)) {
            int port = balancer.port();
            assertThat(raw(port, "GET /nothing?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(404);
            assertThat(raw(port, "GET /lb/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")).isEqualTo(400);
            assertThat(raw(port, "GET /lb/%2e/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).isEqualTo(400);
            assertThat(raw(port, "GET /lb/x HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")).isEqualTo(400);
            assertThat(backend.arrivals.get()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lines.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            String tail = " \\d+B backend=- attempts=0 \\d+\\.\\dms route=- outcome=refused";
            assertThat(lines).hasSize(4);
            assertThat(lines.get(0)).matches("127\\.0\\.0\\.1 GET /nothing\\?q=1 404" + tail);
            assertThat(lines.get(1)).matches("127\\.0\\.0\\.1 GET /lb/x 400" + tail);
            assertThat(lines.get(2)).matches("127\\.0\\.0\\.1 GET /lb/%2e/x 400" + tail);
            assertThat(lines.get(3)).matches("127\\.0\\.0\\.1 GET /lb/x 400" + tail);
        }
    }
}
