package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.LoadBalancerStats;
import dev.jlb.RetryPolicy;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.metrics.LoadBalancerMetrics;
import dev.jlb.jetty.metrics.PrometheusTextAccess;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Metrics after a scripted sequence of real requests through the jetty-core adapter: exact counts
 * in the core's snapshot and in the Prometheus scrape.
 */
class MetricsIntegrationTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private int get(ProxyFixture proxy) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(proxy.url("/api/x"))).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void scriptedRequestsThroughTheProxy() throws Exception {
        Backend dead = Backend.of("http://127.0.0.1:" + freePort());
        try (TestBackend bad = new TestBackend("bad"); TestBackend ok = new TestBackend("ok")) {
            bad.behaviour = (b, r, req, res, cb) -> b.text(res, cb, 503, "busy");
            LoadBalancer lb = LoadBalancer.builder().name("api").strategy(TestStrategies.rotation())
                    .outlierDetection(OutlierDetection.disabled())
                    .backends(List.of(dead, Backend.of(bad.uri()), Backend.of(ok.uri()))).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            LoadBalancerMetrics.builder(lb).refreshInterval(Duration.ZERO).build().bindTo(registry);
            try (lb; ProxyFixture proxy = ProxyFixture.start(ProxyFixture.Mode.HANDLER, lb,
                    ProxyOptions.builder().retry(RetryPolicy.builder().maxAttempts(2).build()).build())) {
                // The rotation over [dead, bad, ok] counts every pick, retries included:
                assertThat(get(proxy)).as("dead, then bad: 503 with no attempt left").isEqualTo(503);
                assertThat(get(proxy)).as("ok").isEqualTo(200);
                assertThat(get(proxy)).as("dead, then bad again").isEqualTo(503);
                ProxyFixture.awaitIdle(lb);
                lb.pool().replaceAll(List.of(dead.withWeight(0), Backend.of(bad.uri(), 0), Backend.of(ok.uri(), 0)));
                assertThat(get(proxy)).as("all drained").isEqualTo(503);

                LoadBalancerStats stats = lb.stats();
                assertThat(stats.requests()).isEqualTo(4);
                assertThat(stats.retries()).isEqualTo(2);
                assertThat(stats.retriesExhausted()).isEqualTo(2);
                assertThat(stats.noBackend()).isEqualTo(1);

                Map<String, Double> scrape = PrometheusTextAccess.values(registry.scrape());
                String a = "route=api";
                assertThat(scrape).containsEntry("jlb_route_requests_total{" + a + "}", 4.0)
                        .containsEntry("jlb_route_retries_total{" + a + "}", 2.0)
                        .containsEntry("jlb_route_retries_exhausted_total{" + a + "}", 2.0)
                        .containsEntry("jlb_route_no_backend_total{reason=all_drained," + a + "}", 1.0);
                String d = "backend=" + dead.id() + ",";
                assertThat(scrape).containsEntry("jlb_backend_requests_total{" + d + "outcome=failure," + a + "}", 2.0)
                        .containsEntry("jlb_backend_connect_failures_total{" + d + a + "}", 2.0)
                        .containsEntry("jlb_backend_requests_total{" + d + "outcome=success," + a + "}", 0.0);
                String b = "backend=" + Backend.of(bad.uri()).id() + ",";
                assertThat(scrape).containsEntry("jlb_backend_requests_total{" + b + "outcome=failure," + a + "}", 2.0)
                        .containsEntry("jlb_backend_responses_total{" + b + a + ",status=5xx}", 2.0)
                        .containsEntry("jlb_backend_retries_total{" + b + a + "}", 2.0);
                String o = "backend=" + Backend.of(ok.uri()).id() + ",";
                assertThat(scrape).containsEntry("jlb_backend_requests_total{" + o + "outcome=success," + a + "}", 1.0)
                        .containsEntry("jlb_backend_responses_total{" + o + a + ",status=2xx}", 1.0)
                        .containsEntry("jlb_backend_in_flight{" + o + a + "}", 0.0);
                assertThat(scrape.get("jlb_backend_latency_seconds{" + o + "quantile=0.99," + a + "}"))
                        .as("time to response headers of one local request").isBetween(0.0, 5.0);
                assertThat(bad.arrivals.get()).isEqualTo(2);
                assertThat(ok.arrivals.get()).isEqualTo(1);
            } finally {
                registry.close();
            }
        }
    }
}
