package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.RouteConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The annotated example that ships in examples/ validates, and says what its comments say. */
class ConfigExampleTest {

    @Test
    void theAnnotatedExampleValidates() throws Exception {
        JlbConfig config = ConfigLoader.load(Path.of("config.example.yaml"));

        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.routes()).extracting(RouteConfig::path).containsExactly("/api", "/");
        RouteConfig api = config.routes().get(0);
        assertThat(api.name()).isEqualTo("api");
        assertThat(api.backends()).hasSize(3);
        assertThat(api.discoveries()).extracting(d -> d.url()).as("read, not resolved: no DNS at test time")
                .containsExactly("dns://api.backends.internal:8080");
        assertThat(api.strategy().name()).isEqualTo("least-connections");
        assertThat(api.healthCheck().probe().orElseThrow().toString()).as("an HTTP check of /health")
                .startsWith("http GET /health ");
        assertThat(api.latencyHealth().isEnabled()).isTrue();
        assertThat(api.slowStart().isEnabled()).isTrue();
        assertThat(api.overload()).hasToString(
                "OverloadProtection{backendMaxInFlight=200, maxInFlight=500, maxQueued=100, queueTimeout=1s}");
        assertThat(config.admin()).isEqualTo(dev.jlb.jetty.config.AdminConfig.DEFAULTS);
    }
}
