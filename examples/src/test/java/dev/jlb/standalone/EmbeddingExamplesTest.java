package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.examples.ConfigFileExample;
import dev.jlb.examples.CoreExample;
import dev.jlb.examples.FilterExample;
import dev.jlb.examples.HandlerExample;
import dev.jlb.examples.MicrometerExample;
import dev.jlb.examples.ServletExample;
import dev.jlb.jetty.config.ConfigException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding examples (dev.jlb.examples), each run against real backends on loopback. */
// close() stops a Jetty server, whose stop() throws Exception (InterruptedException among them).
@SuppressWarnings("try")
class EmbeddingExamplesTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestBackend b1;
    private TestBackend b2;

    @TempDir
    Path dir;

    @BeforeEach
    void backends() throws Exception {
        b1 = new TestBackend("b1");
        b2 = new TestBackend("b2");
    }

    @AfterEach
    void stopBackends() throws Exception {
        b1.close();
        b2.close();
    }

    @Test
    void theCoreAlonePicksABackendAndTheApplicationSendsTheRequest() throws Exception {
        Set<String> seen = new TreeSet<>();
        try (CoreExample core = new CoreExample(List.of(b1.uri(), b2.uri()))) {
            for (int i = 0; i < 40; i++) {
                seen.add(core.get("/x?i=" + i));
            }
        }
        assertThat(seen).as("power of two choices over two idle backends").containsExactly("b1", "b2");
        assertThat(b1.arrivals.get() + b2.arrivals.get()).isEqualTo(40);
    }

    @Test
    void theHandlerBalancesApiAndLeavesTheRestAlone() throws Exception {
        try (HandlerExample app = new HandlerExample(ANY_PORT, b1.uri(), b2.uri())) {
            Set<String> seen = new TreeSet<>();
            // Least connections breaks ties at random: with nothing in flight, 40 requests all on one of
            // two backends would take odds of 2^-39.
            for (int i = 0; i < 40; i++) {
                HttpResponse<String> r = get(app.uri(), "/api/users?id=" + i);
                assertThat(r.statusCode()).isEqualTo(200);
                seen.add(r.body());
            }
            assertThat(seen).containsExactly("b1", "b2");
            assertThat(get(app.uri(), "/other").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void theServletBalancesItsMapping() throws Exception {
        try (ServletExample app = new ServletExample(ANY_PORT, b1.uri())) {
            HttpResponse<String> r = get(app.uri(), "/api/x");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("b1");
        }
    }

    @Test
    void theFilterBalancesApiAndPassesTheRestToTheApp() throws Exception {
        try (FilterExample app = new FilterExample(ANY_PORT, b1.uri())) {
            assertThat(get(app.uri(), "/api/x").body()).isEqualTo("b1");
            assertThat(get(app.uri(), "/hello").body()).isEqualTo("the app answers /hello");
            assertThat(b1.arrivals.get()).isEqualTo(1);
        }
    }

    @Test
    void aConfigurationFileMountsEveryRouteOrFailsBeforeStarting() throws Exception {
        Path file = Files.writeString(dir.resolve("config.yaml"), """
                server:
                  address: 127.0.0.1
                  port: 0
                routes:
                  - path: /
                    backends: ["%s"]
                  - path: /api
                    strategy: least-connections
                    backends: ["%s"]
                    health_check: {type: http, path: /, interval: 1s}
                """.formatted(b2.uri(), b1.uri()));
        try (ConfigFileExample app = new ConfigFileExample(file)) {
            assertThat(get(app.uri(), "/api/x").body()).as("the longest path wins").isEqualTo("b1");
            assertThat(get(app.uri(), "/x").body()).isEqualTo("b2");
        }

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "servers: [\"http://127.0.0.1:1\"]\nstrategy: fastest\n");
        assertThatThrownBy(() -> new ConfigFileExample(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yaml:2: strategy: fastest (expected: one of");
    }

    @Test
    void micrometerSeesTheRequestsAndLosesTheMetersOnClose() throws Exception {
        MicrometerExample app = new MicrometerExample(ANY_PORT, b1.uri());
        try {
            assertThat(get(app.uri(), "/x").body()).isEqualTo("b1");
            // The proxy records the attempt just after the client has the response: wait for it (bounded).
            String expected = "jlb_route_requests_total{route=\"api\"} 1.0";
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!app.scrape().contains(expected) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(app.scrape()).contains(expected);
        } finally {
            app.close();
        }
        assertThat(app.scrape()).doesNotContain("jlb_");
    }

    private HttpResponse<String> get(URI base, String pathQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve(pathQuery)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
