package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The demo, on ephemeral ports: what a newcomer gets from java -jar jlb.jar. */
class DemoTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theDemoBalancesLbOverFiveBackendsThatAnswerLikeTheGoMockServers() throws Exception {
        try (Demo demo = Demo.start(Demo.Ports.from(0))) {
            String base = "http://127.0.0.1:" + demo.balancer().port();
            Set<String> seen = new TreeSet<>();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = get(base + (i % 2 == 0 ? "/lb" : "/lb/some/path?q=1"));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("<--response-->");
                seen.add(r.headers().firstValue("X-Backend").orElseThrow());
            }
            assertThat(seen).as("round robin over the 5 demo backends").containsExactly("b1", "b2", "b3", "b4", "b5");

            HttpResponse<String> other = get(base + "/other");
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(other.body()).isEqualTo("not found: no route matches /other\n");
            assertThat(get(base + "/lbx").statusCode()).as("/lbx is not under /lb").isEqualTo(404);

            assertThat(demo.banner())
                    .contains("jlb demo is running")
                    .contains("curl -i http://localhost:" + demo.balancer().port() + "/lb")
                    .contains("wrk -t2 -c100 -d10s http://localhost:" + demo.balancer().port() + "/lb")
                    .contains(demo.backendUris().get(2) + "/_demo/down");
            Demo.Ports ports = demo.ports();
            assertThat(ports.balancer()).isEqualTo(demo.balancer().port());
            assertThat(ports.backends()).hasSize(5).doesNotContain(0);
            assertThat(ports.admin()).isEqualTo(demo.balancer().adminPort()).isPositive();
            assertThat(demo.banner())
                    .as("every port it listens on")
                    .contains("  ports     " + ports.balancer() + " (balancer), ")
                    .contains(ports.admin() + " (admin) on 127.0.0.1; --demo-base-port N moves them all\n")
                    .contains("java -jar examples/target/jlb.jar --config examples/config.example.yaml\n");
            for (int port : ports.backends()) {
                assertThat(demo.banner()).contains(Integer.toString(port));
            }
            String tries = demo.banner().substring(demo.banner().indexOf("Try:\n") + 5,
                    demo.banner().indexOf("\nA configuration file instead"));
            assertThat(tries.lines().map(line -> line.indexOf(" # ")).distinct())
                    .as("the comments of the commands to try line up:%n%s", tries).hasSize(1)
                    .allSatisfy(column -> assertThat(column).isPositive());
        }
    }

    @Test
    void aBasePortMovesEveryPortByTheSameAmount() {
        assertThat(Demo.Ports.DEFAULT).isEqualTo(new Demo.Ports(8080, java.util.List.of(8081, 8082, 8083, 8084, 8085),
                9901));
        assertThat(Demo.Ports.from(18080)).isEqualTo(new Demo.Ports(18080,
                java.util.List.of(18081, 18082, 18083, 18084, 18085), 19901));
        assertThat(Demo.Ports.from(Demo.Ports.MAX_BASE).admin()).isEqualTo(65535);
        assertThat(Demo.Ports.from(0)).isEqualTo(new Demo.Ports(0, java.util.List.of(0, 0, 0, 0, 0), 0));
        assertThat(Demo.Ports.DEFAULT.describe()).isEqualTo("8080 (balancer), 8081..8085 (backends), 9901 (admin)");
        assertThat(Demo.Ports.from(0).describe()).isEqualTo("any (balancer), any, any, any, any, any (backends), any (admin)");
        assertThat(new Demo.Ports(1, java.util.List.of(5, 3), 2).describe()).isEqualTo("1 (balancer), 5, 3 (backends), 2 (admin)");
        assertThat(Demo.Ports.DEFAULT.withBalancer(9000).describe()).isEqualTo("9000 (balancer), 8081..8085 (backends), 9901 (admin)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Demo.Ports.from(Demo.Ports.MAX_BASE + 1))
                .hasMessage("base: 63715 (expected: 0..63714)");
    }

    @Test
    void aDemoBackendTakenDownIsRoutedAroundAndTakenBack() throws Exception {
        try (Demo demo = Demo.start(Demo.Ports.from(0))) {
            String base = "http://127.0.0.1:" + demo.balancer().port() + "/lb";
            String b3 = demo.backendUris().get(2);
            assertThat(post(b3 + "/_demo/down").body()).isEqualTo("b3 is down\n");
            // Checks run every second, fall 2: b3 leaves within ~2-3 s. Until then retries hide its 503s.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean gone = false;
            while (!gone && System.nanoTime() < deadline) {
                gone = demo.balancer().loadBalancer("/lb").pool().stats().stream()
                        .anyMatch(s -> s.backend().uri().toString().equals(b3) && s.state() == BackendState.UNHEALTHY);
                if (!gone) {
                    Thread.sleep(50);
                }
            }
            assertThat(gone).as("b3 unhealthy within 10 s").isTrue();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = get(base);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("X-Backend")).isNotEqualTo(java.util.Optional.of("b3"));
            }
            post(b3 + "/_demo/up");
        }
    }

    private HttpResponse<String> get(String uri) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String uri) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(uri)).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
