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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A route's {@code sticky:} section through the standalone balancer, across reloads. */
class StickyRouteTest {

    @RegisterExtension
    final StandaloneExtension standalone = new StandaloneExtension(3);
    private final List<TestBackend> backends = standalone.backends();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Standalone balancer;

    private JlbConfig config(String routeSettings) throws Exception {
        StringBuilder uris = new StringBuilder();
        for (TestBackend b : backends) {
            uris.append(uris.length() == 0 ? "" : ", ").append('"').append(b.uri()).append('"');
        }
        return ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s}\nroutes:\n"
                + "  - path: /app\n    backends: [" + uris + "]\n" + routeSettings, "test.yaml", ConfigFormat.YAML);
    }

    private HttpResponse<String> get(String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + "/app/x"))
                .timeout(Duration.ofSeconds(10));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String setCookie(HttpResponse<?> response) {
        return response.headers().firstValue("Set-Cookie").orElse(null);
    }

    @Test
    void theCookieSticksAndSurvivesAReloadThatKeepsTheSecret() throws Exception {
        balancer = standalone.start(config("    sticky: {secret: \"shared-secret-0123456789\", max_age: 1h}\n"));

        HttpResponse<String> first = get(null);
        String setCookie = setCookie(first);
        assertThat(setCookie).matches("JLB_STICKY=[A-Za-z0-9_-]{22}; Path=/app; Max-Age=3600; HttpOnly; SameSite=Lax");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> again = get(cookie);
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(setCookie(again)).isNull();
        }

        // A new handler for the route (the timeouts changed), the same secret: the cookie still holds.
        assertThat(balancer.apply(config("    sticky: {secret: \"shared-secret-0123456789\", max_age: 1h}\n"
                + "    timeouts: {attempt: 5s}\n"))).containsExactly("route /app: proxy settings");
        HttpResponse<String> afterReload = get(cookie);
        assertThat(afterReload.body()).isEqualTo(first.body());
        assertThat(setCookie(afterReload)).isNull();

        // Sticky sessions off: balanced again, no cookie set.
        balancer.apply(config("    timeouts: {attempt: 5s}\n"));
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> off = get(cookie);
            assertThat(setCookie(off)).isNull();
            bodies.add(off.body());
        }
        assertThat(bodies).as("round robin over three backends").containsExactlyInAnyOrder("b1", "b2", "b3");
    }
}
