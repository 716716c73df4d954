package dev.jlb.jetty.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Ticker;
import dev.jlb.health.OutlierDetection;
import dev.jlb.Endpoint;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import java.util.concurrent.atomic.AtomicInteger;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meters after scripted sequences through the core API, read from a Prometheus scrape. */
class LoadBalancerMetricsTest {

    private static final Backend A = Backend.of("http://127.0.0.1:8081");
    private static final Backend B = Backend.of("http://127.0.0.1:8082");
    private static final long MS = 1_000_000;

    /** A rotation from the first backend (the bundled strategies start at a random one). */
    private static final Strategy ROTATION = new Strategy() {
        @Override
        public String name() {
            return "rotation";
        }

        @Override
        public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
            AtomicInteger next = new AtomicInteger();
            return context -> {
                Endpoint e = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
                e.acquire();
                return e;
            };
        }
    };

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LoadBalancer lb = LoadBalancer.builder().name("api").ticker(ticker)
            .strategy(ROTATION).outlierDetection(OutlierDetection.disabled())
            .backends(List.of(A, B)).build();

    @AfterEach
    void close() {
        lb.close();
        registry.close();
    }

    private PrometheusText.Exposition scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    private static String[] tags(Backend backend, String... more) {
        String[] all = new String[4 + more.length];
        all[0] = "route";
        all[1] = "api";
        all[2] = "backend";
        all[3] = backend.id();
        System.arraycopy(more, 0, all, 4, more.length);
        return all;
    }

    private Selection selectOn(Backend backend) {
        Selection s = lb.select(RequestContext.empty(), Set.of(backend == A ? B : A));
        assertThat(s.backend()).isEqualTo(backend);
        return s;
    }

    @Test
    void scriptedSequenceGivesExactValues() {
        LoadBalancerMetrics.builder(lb).ticker(ticker).refreshInterval(Duration.ZERO).build().bindTo(registry);
        RequestContext ctx = RequestContext.empty();
        // The rotation over A, B: every pick alternates, retries included.
        lb.select(ctx).onSuccess(200, 10 * MS);                 // A
        lb.select(ctx).onFailure(FailureKind.CONNECT, -1);      // B refused; retried on A:
        selectOn(A).onFailure(503, 20 * MS);                    // A answers 503; no attempt left
        lb.recordRetriesExhausted();
        lb.select(ctx).onSuccess(404, 30 * MS);                 // B
        lb.select(ctx).onFailure(FailureKind.TIMEOUT, -1);      // A times out
        lb.select(ctx).close();                                 // B: the client went away
        Selection open = lb.select(ctx);                        // A: in flight
        assertThat(open.backend()).isEqualTo(A);
        lb.pool().drain(A);
        lb.pool().drain(B);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> lb.select(ctx)).isInstanceOf(dev.jlb.NoBackendAvailableException.class);
        }
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());

        PrometheusText.Exposition e = scrape();
        assertThat(e.types()).containsEntry("jlb_backend_requests_total", "counter")
                .containsEntry("jlb_backend_latency_seconds", "gauge")
                .containsEntry("jlb_route_requests_total", "counter");
        assertThat(e.value("jlb_route_requests_total", "route", "api")).isEqualTo(5 + 2);
        assertThat(e.value("jlb_route_retries_total", "route", "api")).isEqualTo(1);
        assertThat(e.value("jlb_route_retries_exhausted_total", "route", "api")).isEqualTo(1);
        assertThat(e.value("jlb_route_no_backend_total", "route", "api", "reason", "all_drained")).isEqualTo(2);
        assertThat(e.value("jlb_route_no_backend_total", "route", "api", "reason", "all_unhealthy")).isZero();
        assertThat(e.has("jlb_route_no_backend_total", "reason", "all_excluded")).isFalse();
        assertThat(e.value("jlb_route_in_flight", "route", "api")).isEqualTo(1);
        assertThat(e.value("jlb_route_panic", "route", "api")).isZero();
        assertThat(e.value("jlb_route_backends", "route", "api", "state", "draining")).isEqualTo(2);
        assertThat(e.value("jlb_route_backends", "route", "api", "state", "healthy")).isZero();

        assertThat(e.value("jlb_backend_requests_total", tags(A, "outcome", "success"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_requests_total", tags(A, "outcome", "failure"))).isEqualTo(2);
        assertThat(e.value("jlb_backend_requests_total", tags(A, "outcome", "cancelled"))).isZero();
        assertThat(e.value("jlb_backend_responses_total", tags(A, "status", "2xx"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_responses_total", tags(A, "status", "5xx"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_responses_total", tags(A, "status", "4xx"))).isZero();
        assertThat(e.value("jlb_backend_retries_total", tags(A))).isEqualTo(1);
        assertThat(e.value("jlb_backend_timeouts_total", tags(A))).isEqualTo(1);
        assertThat(e.value("jlb_backend_connect_failures_total", tags(A))).isZero();
        assertThat(e.value("jlb_backend_ejections_total", tags(A))).isZero();
        assertThat(e.value("jlb_backend_in_flight", tags(A))).isEqualTo(1);
        assertThat(e.value("jlb_backend_state", tags(A, "state", "draining"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_state", tags(A, "state", "healthy"))).isZero();
        assertThat(e.value("jlb_backend_weight", tags(A))).isZero();
        assertThat(e.value("jlb_backend_effective_weight", tags(A))).isZero();
        // A's latencies with a response: 10 and 20 ms
        assertThat(e.value("jlb_backend_latency_seconds", tags(A, "quantile", "0.5")))
                .isCloseTo(0.010, org.assertj.core.data.Percentage.withPercentage(6.25));
        assertThat(e.value("jlb_backend_latency_seconds", tags(A, "quantile", "0.99")))
                .isCloseTo(0.020, org.assertj.core.data.Percentage.withPercentage(6.25));

        assertThat(e.value("jlb_backend_requests_total", tags(B, "outcome", "success"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_requests_total", tags(B, "outcome", "failure"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_requests_total", tags(B, "outcome", "cancelled"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_responses_total", tags(B, "status", "4xx"))).isEqualTo(1);
        assertThat(e.value("jlb_backend_connect_failures_total", tags(B))).isEqualTo(1);
        assertThat(e.value("jlb_backend_retries_total", tags(B))).isZero();
        assertThat(e.value("jlb_backend_in_flight", tags(B))).isZero();
        assertThat(e.value("jlb_backend_latency_seconds", tags(B, "quantile", "0.9")))
                .isCloseTo(0.030, org.assertj.core.data.Percentage.withPercentage(6.25));

        open.onSuccess(200, MS);
        assertThat(scrape().value("jlb_backend_in_flight", tags(A))).isZero();
        assertThat(scrape().value("jlb_route_requests_total", "route", "api")).isEqualTo(8);
    }

    @Test
    void latencyQuantilesCoverTheWindowOnly() {
        LoadBalancerMetrics.builder(lb).ticker(ticker).refreshInterval(Duration.ZERO)
                .latencyWindow(Duration.ofSeconds(10)).quantiles(0.5).build().bindTo(registry);
        for (int i = 0; i < 10; i++) {
            selectOn(A).onSuccess(200, MS);
        }
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(scrape().value("jlb_backend_latency_seconds", tags(A, "quantile", "0.5")))
                .isCloseTo(0.001, org.assertj.core.data.Percentage.withPercentage(6.25));
        for (int i = 0; i < 10; i++) {
            selectOn(A).onSuccess(200, 100 * MS);
        }
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        PrometheusText.Exposition e = scrape();
        assertThat(e.value("jlb_backend_latency_seconds", tags(A, "quantile", "0.5")))
                .isCloseTo(0.100, org.assertj.core.data.Percentage.withPercentage(6.25));
        assertThat(e.has("jlb_backend_latency_seconds", "quantile", "0.99")).isFalse();
    }

    @Test
    void backendsGetAndLoseTheirMetersWithTheirMembership() {
        LoadBalancerMetrics metrics = LoadBalancerMetrics.builder(lb).refreshInterval(Duration.ZERO).build();
        metrics.bindTo(registry);
        Backend c = Backend.of("http://127.0.0.1:8083");
        lb.pool().add(c);
        lb.select(RequestContext.empty(), Set.of(A, B)).onSuccess(200, MS);
        PrometheusText.Exposition added = scrape();
        assertThat(added.value("jlb_backend_requests_total", tags(c, "outcome", "success"))).isEqualTo(1);

        lb.pool().remove(c);
        PrometheusText.Exposition removed = scrape();
        assertThat(removed.has("jlb_backend_requests_total", "backend", c.id())).isFalse();
        assertThat(removed.has("jlb_backend_requests_total", "backend", A.id())).isTrue();
        assertThat(removed.value("jlb_route_retries_total", "route", "api")).as("the route keeps the count").isEqualTo(1);
        assertThat(metrics.toString()).isEqualTo("LoadBalancerMetrics{api, backends=2}");

        metrics.close();
        assertThat(registry.getMeters()).isEmpty();
        assertThat(metrics.toString()).isEqualTo("LoadBalancerMetrics{api, backends=0, closed}");
        lb.pool().add(c);
        assertThat(registry.getMeters()).as("closed: no longer follows the pool").isEmpty();
    }

    @Test
    void oneSnapshotServesAScrapeWithinTheRefreshInterval() {
        LoadBalancerMetrics.builder(lb).ticker(ticker).refreshInterval(Duration.ofSeconds(1)).build().bindTo(registry);
        assertThat(scrape().value("jlb_route_requests_total", "route", "api")).isZero();
        lb.select(RequestContext.empty()).onSuccess(200, MS);
        assertThat(scrape().value("jlb_route_requests_total", "route", "api")).as("cached").isZero();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(scrape().value("jlb_route_requests_total", "route", "api")).isEqualTo(1);
    }

    @Test
    void aBackendThatJoinsIsCountedAtOnceDespiteTheCachedSnapshot() {
        LoadBalancerMetrics.builder(lb).ticker(ticker).refreshInterval(Duration.ofSeconds(1)).build().bindTo(registry);
        assertThat(scrape().value("jlb_route_requests_total", "route", "api")).isZero();
        Backend c = Backend.of("http://127.0.0.1:8083");
        lb.pool().add(c);
        lb.select(RequestContext.empty(), Set.of(A, B)).onSuccess(200, MS);
        assertThat(scrape().value("jlb_backend_requests_total", tags(c, "outcome", "success"))).isEqualTo(1);
    }

    @Test
    void bindsOnceAndValidatesItsOptions() {
        LoadBalancerMetrics metrics = LoadBalancerMetrics.of(lb);
        metrics.bindTo(registry);
        assertThatThrownBy(() -> metrics.bindTo(registry)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("registry: ");
        assertThatThrownBy(() -> LoadBalancerMetrics.builder(lb).latencyWindow(Duration.ZERO))
                .hasMessage("latencyWindow: 0s (expected: > 0)");
        assertThatThrownBy(() -> LoadBalancerMetrics.builder(lb).refreshInterval(Duration.ofSeconds(-1)))
                .hasMessage("refreshInterval: -1s (expected: >= 0)");
        assertThatThrownBy(() -> LoadBalancerMetrics.builder(lb).quantiles(0.5, 99))
                .hasMessage("quantile: 99.0 (expected: in [0, 1])");
        metrics.close();
        assertThatThrownBy(() -> metrics.bindTo(registry)).hasMessage("metrics: closed (expected: open)");
    }

    /** A discovery whose counters the test moves by hand. */
    static final class Scripted implements dev.jlb.discovery.Discovery {
        final String source;
        final dev.jlb.discovery.DiscoveryCounters counters = new dev.jlb.discovery.DiscoveryCounters();

        Scripted(String source) {
            this.source = source;
        }

        @Override
        public String source() {
            return source;
        }

        @Override
        public void start(Listener listener) {
        }

        @Override
        public dev.jlb.discovery.DiscoveryStats stats() {
            return counters.stats(source);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void discoveriesAreCountedAndTheirMetersFollowAttachAndDetach() {
        Scripted dns = new Scripted("dns://api.jlb.test:8080");
        lb.discovery().attach(dns);
        LoadBalancerMetrics metrics = LoadBalancerMetrics.builder(lb).ticker(ticker).build();
        metrics.bindTo(registry);
        String[] dnsTags = {"route", "api", "source", "dns://api.jlb.test:8080"};
        assertThat(scrape().value("jlb_discovery_resolutions_total", dnsTags)).isZero();
        assertThat(scrape().value("jlb_discovery_last_success_seconds", dnsTags)).isNaN();

        dns.counters.resolved(3, 1_700_000_000_500L);
        dns.counters.resolved(2, 1_700_000_001_250L);
        dns.counters.failed("timeout");
        PrometheusText.Exposition e = scrape();
        assertThat(e.value("jlb_discovery_resolutions_total", dnsTags)).isEqualTo(2);
        assertThat(e.value("jlb_discovery_failures_total", dnsTags)).isEqualTo(1);
        assertThat(e.value("jlb_discovery_backends", dnsTags)).isEqualTo(2);
        assertThat(e.value("jlb_discovery_last_success_seconds", dnsTags)).isEqualTo(1_700_000_001.25);

        // A reload replaces the discovery: the old meters go, the new one's come.
        Scripted k8s = new Scripted("k8s://api.shop:http");
        lb.discovery().detach(dns);
        lb.discovery().attach(k8s);
        k8s.counters.resolved(4, 1_700_000_002_000L);
        e = scrape();
        assertThat(e.has("jlb_discovery_resolutions_total", "source", "dns://api.jlb.test:8080")).isFalse();
        assertThat(e.value("jlb_discovery_resolutions_total", "route", "api", "source", "k8s://api.shop:http")).isEqualTo(1);
        assertThat(e.value("jlb_discovery_backends", "route", "api", "source", "k8s://api.shop:http")).isEqualTo(4);

        metrics.close();
        assertThat(registry.find("jlb.discovery.resolutions").meters()).isEmpty();
        assertThat(registry.find("jlb.discovery.last.success").meters()).isEmpty();
        lb.discovery().detach(k8s);
    }
}
