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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code server.threads} counts work threads: the smallest valid value with many selectors and
 * routes still starts, and routes added by a reload still start (Jetty leases a thread per selector
 * and per route's client; a pool of exactly {@code threads} would refuse to start).
 */
class ThreadPoolSizeTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TestBackend backend;
    private Standalone balancer;

    @AfterEach
    void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private JlbConfig config(int routes) throws Exception {
        StringBuilder yaml = new StringBuilder(
                "server: {address: 127.0.0.1, port: 0, threads: 4, selectors: 4, shutdown_grace_period: 1s}\nroutes:\n");
        for (int i = 1; i <= routes; i++) {
            yaml.append("  - path: /r").append(i).append("\n    backends: [\"").append(backend.uri()).append("\"]\n");
        }
        return ConfigLoader.parse(yaml.toString(), "test.yaml", ConfigFormat.YAML);
    }

    private int status(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(10)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void smallestPoolWithManySelectorsAndRoutesStartsAndGrowsOnReload() throws Exception {
        backend = new TestBackend("b");
        balancer = Standalone.start(config(3), line -> { });
        for (int i = 1; i <= 3; i++) {
            assertThat(status("/r" + i + "/x")).as("route /r%d", i).isEqualTo(200);
        }
        balancer.apply(config(8));
        for (int i = 1; i <= 8; i++) {
            assertThat(status("/r" + i + "/x")).as("route /r%d after the reload", i).isEqualTo(200);
        }
    }
}
