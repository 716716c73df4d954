package dev.jlb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.Endpoint;
import dev.jlb.RandomSource;
import dev.jlb.Strategy;
import dev.jlb.BackendState;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Ticker;
import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The status page fetched over HTTP after scripted traffic: one row per backend with the right figures. */
class StatusPageTest {

    private static final Backend A = Backend.of("http://127.0.0.1:9301", 3);
    private static final Backend B = Backend.of("http://127.0.0.1:9302");
    private static final Backend C = Backend.of("http://127.0.0.1:9303");
    private static final long MS = 1_000_000;

    /** Always the first eligible backend: a fixed script. */
    private static final Strategy FIRST = new Strategy() {
        @Override
        public String name() {
            return "first";
        }

        @Override
        public Picker newPicker(List<? extends Endpoint> endpoints, RandomSource random) {
            return context -> {
                Endpoint first = endpoints.get(0);
                first.acquire();
                return first;
            };
        }
    };

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final Ticker ticker = nanos::get;

    @Test
    void oneRowPerBackendWithStateRatesErrorsAndLatency() throws Exception {
        LoadBalancer api = LoadBalancer.builder().name("api").ticker(ticker).strategy(FIRST)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(3).maxEjectionPercent(50).build())
                .backends(List.of(A, B, C)).build();
        LoadBalancer web = LoadBalancer.builder().name("web<&>").ticker(ticker).backends("http://127.0.0.1:9401").build();
        try (api; web; AdminFixture admin = new AdminFixture(AdminOptions.defaults(), () -> List.of(api, web))) {
            AdminFixture.Reply before = admin.get("/admin/");
            assertThat(before.status()).isEqualTo(200);

            // 10 s: A answers 196 requests in 2 ms and 4 with 503 in 30 ms; B fails 3 times in a row
            // (ejected); C is drained with one request still in flight.
            for (int i = 0; i < 200; i++) {
                Selection s = api.select(RequestContext.empty());
                if (i % 50 == 49) {
                    s.onFailure(503, 30 * MS);
                } else {
                    s.onSuccess(200, 2 * MS);
                }
            }
            for (int i = 0; i < 3; i++) {
                api.select(RequestContext.empty(), Set.of(A, C)).onFailure(dev.jlb.FailureKind.CONNECT, -1);
            }
            Selection held = api.select(RequestContext.empty(), Set.of(A, B));
            api.pool().drain(C);
            assertThat(api.pool().stats(B).orElseThrow().state()).isEqualTo(BackendState.EJECTED);
            nanos.addAndGet(Duration.ofSeconds(10).toNanos());

            AdminFixture.Reply page = admin.get("/admin/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.header("Content-Type")).isEqualTo("text/html;charset=utf-8");
            assertThat(page.header("Content-Security-Policy")).isEqualTo("default-src 'none'; style-src 'unsafe-inline'");
            String html = page.body();
            assertThat(html).startsWith("<!DOCTYPE html>").contains("<meta http-equiv=\"refresh\" content=\"2\">")
                    .contains("<title>jlb status</title>")
                    .contains("2 routes &middot; rates over the last 10 s &middot; refreshes every 2 s");
            assertThat(html).contains("<h2>route api <span class=\"tag\">first</span></h2>");
            assertThat(html).as("names are escaped").contains("route web&lt;&amp;&gt;").doesNotContain("web<&>");

            assertThat(row(html, A)).isEqualTo("<tr class=\"healthy\" id=\"backend-127.0.0.1:9301\">"
                    + "<td class=\"l id\">127.0.0.1:9301</td><td class=\"l\"><span class=\"st\">HEALTHY</span></td>"
                    + "<td>3</td><td>0</td><td>20.0</td><td><span class=\"warn\">2.0%</span></td>"
                    + "<td>" + StatusPage.millis(value(2 * MS)) + "</td><td>" + StatusPage.millis(value(30 * MS)) + "</td>"
                    + "<td>200</td><td>0</td></tr>");
            assertThat(row(html, B)).startsWith("<tr class=\"ejected\" id=\"backend-127.0.0.1:9302\">")
                    .contains("<span class=\"st\">EJECTED</span><span class=\"reason\" title=\"3 consecutive failures, "
                            + "ejected for 30s\">3 consecutive failures, ejected for 30s</span>")
                    .contains("<td>1</td><td>0</td><td>0.3</td><td><span class=\"bad\">100.0%</span></td>"
                            + "<td><span class=\"none\">&ndash;</span></td><td><span class=\"none\">&ndash;</span></td>"
                            + "<td>3</td><td>1</td></tr>");
            assertThat(row(html, C)).startsWith("<tr class=\"draining\" id=\"backend-127.0.0.1:9303\">")
                    .contains("<span class=\"st\">DRAINING</span><span class=\"reason\" title=\"weight 0\">weight 0</span>")
                    .contains("<td>0</td><td>1</td><td>0.0</td><td><span class=\"none\">&ndash;</span></td>");
            assertThat(html).contains("<span>req/s<b>20.0</b></span><span>in flight<b>1</b></span>"
                    + "<span>requests<b>200</b></span><span>503 no backend<b>0</b></span><span>retries<b>3</b></span>"
                    + "<span>retries exhausted<b>0</b></span>");
            held.close();
        }
    }

    @Test
    void noRoutesAndNoBackends() throws Exception {
        LoadBalancer empty = LoadBalancer.builder().name("empty").build();
        try (empty; AdminFixture none = new AdminFixture(AdminOptions.builder().pageRefreshSeconds(0).build(), List::of)) {
            String html = none.get("/admin/").body();
            assertThat(html).contains("No routes.").doesNotContain("http-equiv=\"refresh\"")
                    .contains("0 routes &middot; rates over the last 10 s &middot; does not refresh");
            try (AdminFixture one = new AdminFixture(AdminOptions.defaults(), () -> List.of(empty))) {
                assertThat(one.get("/admin").body()).contains("route empty").contains("No backends.");
            }
        }
    }

    @Test
    void aBackendRampingUpShowsTheShareOfItsWeightItGets() throws Exception {
        LoadBalancer lb = LoadBalancer.builder().name("ramp").ticker(ticker)
                .slowStart(dev.jlb.health.SlowStart.of(Duration.ofSeconds(30))).backends(List.of(A)).build();
        try (lb; AdminFixture admin = new AdminFixture(AdminOptions.defaults(), () -> List.of(lb))) {
            lb.pool().add(B);
            String html = admin.get("/admin/").body();
            assertThat(row(html, B)).contains("<td>1<span class=\"eff\" title=\"gets this share of its weight now\">"
                    + "10%</span></td>");
            assertThat(row(html, A)).contains("<td>3</td>");
        }
    }

    /** The value a latency is shown as: the midpoint of its histogram bucket. */
    private static long value(long nanos) {
        LoadBalancer lb = LoadBalancer.builder().backends("http://127.0.0.1:1").build();
        lb.select(RequestContext.empty()).onSuccess(200, nanos);
        return lb.stats().backends().get(0).latency().quantileNanos(0.5);
    }

    private static String row(String html, Backend backend) {
        Matcher m = Pattern.compile("<tr class=\"[a-z]+\" id=\"backend-" + Pattern.quote(backend.id()) + "\">.*?</tr>")
                .matcher(html);
        assertThat(m.find()).as("row of %s in %s", backend.id(), html).isTrue();
        return m.group();
    }

    @Test
    void eachDiscoveryOfARouteHasALineWithItsLookupsAndItsBackendsTheirSource() throws Exception {
        dev.jlb.discovery.DiscoveryCounters counters = new dev.jlb.discovery.DiscoveryCounters();
        dev.jlb.discovery.Discovery dns = new dev.jlb.discovery.Discovery() {
            @Override
            public String source() {
                return "dns://api.jlb.test:9501";
            }

            @Override
            public void start(Listener listener) {
                listener.onMembership(List.of(dev.jlb.discovery.DiscoveredBackend.of(
                        Backend.of("http://127.0.0.9:9501").withSource(source()))));
                counters.resolved(1, 1_700_000_000_000L);
                counters.failed("SERVFAIL <from 127.0.0.1:5353>");
            }

            @Override
            public dev.jlb.discovery.DiscoveryStats stats() {
                return counters.stats(source());
            }

            @Override
            public void close() {
            }
        };
        LoadBalancer api = LoadBalancer.builder().name("api").ticker(ticker).discovery(dns).build();
        try (api; AdminFixture admin = new AdminFixture(AdminOptions.defaults(), () -> List.of(api))) {
            String html = admin.get("/admin/").body();
            assertThat(html).contains("<tr><td class=\"l\">dns://api.jlb.test:9501</td><td>1</td><td>1</td><td>1</td>"
                    + "<td class=\"l\">2023-11-14T22:13:20Z</td><td class=\"l\">SERVFAIL &lt;from 127.0.0.1:5353&gt;</td></tr>");
            assertThat(html).contains("title=\"discovered by\">dns://api.jlb.test:9501</span>");
        }
    }
}
