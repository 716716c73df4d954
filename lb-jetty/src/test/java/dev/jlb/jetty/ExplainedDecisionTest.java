package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.ProxyFixture.Mode;
import dev.jlb.jetty.admin.AdminOptions;
import dev.jlb.jetty.admin.AdminServlet;
import dev.jlb.jetty.internal.DecisionLog;
import dev.jlb.strategy.Strategies;
import dev.jlb.testing.LifeCycles;
import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code X-Jlb-Explain} through the handler, the servlet and the filter, with real backends: the
 * {@code X-Jlb-Decision} header, who may see it, and the admin API's last decisions.
 */
class ExplainedDecisionTest {

    private static final String TOKEN = "explain-token-0123456789";

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension();
    @RegisterExtension
    final ServersExtension servers = new ServersExtension();

    /** Two backends; whichever gets the route's first request answers it 503, everything else 200. */
    private List<TestBackend> firstAnswers503() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        List<TestBackend> backends = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            TestBackend backend = servers.backend(name);
            backend.behaviour = (be, r, req, res, cb) -> {
                if (first.getAndSet(false)) {
                    be.text(res, cb, 503, "busy");
                } else {
                    be.text(res, cb, 200, "ok from " + name);
                }
            };
            backends.add(backend);
        }
        return backends;
    }

    private LoadBalancer leastConnections(String name, List<TestBackend> backends) {
        return servers.balancer(LoadBalancer.builder().name(name).strategy(Strategies.leastConnections())
                .outlierDetection(OutlierDetection.disabled())
                .backends(backends.stream().map(TestBackend::uri).toArray(String[]::new)));
    }

    private static ProxyOptions retryOn503(ExplainOptions explain) {
        return ProxyOptions.builder().retry(RetryPolicy.builder().maxAttempts(2).retryableStatuses(503).build())
                .explain(explain).build();
    }

    private static ContentResponse get(String url, String explain) throws Exception {
        return CLIENT.get().newRequest(url).headers(h -> {
            if (explain != null) {
                h.put(Decision.REQUEST_HEADER, explain);
            }
        }).timeout(10, TimeUnit.SECONDS).send();
    }

    // ---- The header -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "FILTER", "ENGINE"})
    void anExplainedRequestFromLoopbackNamesTheStrategyTheCandidatesAndTheRetry(Mode mode) throws Exception {
        List<TestBackend> backends = firstAnswers503();
        LoadBalancer lb = leastConnections("explained-" + mode, backends);
        ProxyFixture proxy = servers.proxy(mode, lb, retryOn503(ExplainOptions.defaults()));

        ContentResponse response = get(proxy.url("/api/x"), "1");

        assertThat(response.getStatus()).isEqualTo(200);
        String second = response.getContentAsString().substring("ok from ".length());
        TestBackend ok = backends.get(second.equals("a") ? 0 : 1);
        TestBackend busy = backends.get(second.equals("a") ? 1 : 0);
        assertThat(busy.requests).hasSize(1);
        assertThat(ok.requests).hasSize(1);
        // Both idle and of weight 1 at the first pick: a tie of two, either listed first as chosen.
        assertThat(response.getHeaders().get(Decision.RESPONSE_HEADER)).isEqualTo("strategy=least-connections; ties=2;"
                + " candidates=" + busy.id() + "(in_flight=0,w=1) " + ok.id() + "(in_flight=0,w=1);"
                + " attempts=1:" + busy.id() + "->503 retry(status 503),2:" + ok.id() + "->200");
        assertThat(response.getHeaders().getValuesList(Decision.RESPONSE_HEADER)).hasSize(1);
        assertThat(busy.requests.get(0).header(Decision.REQUEST_HEADER))
                .as("the request header is jlb's, not the backends'").isNull();
        proxy.awaitIdle();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void withoutTheRequestHeaderThereIsNoDecisionAndNothingIsRecorded(Mode mode) throws Exception {
        List<TestBackend> backends = firstAnswers503();
        LoadBalancer lb = leastConnections("plain-" + mode, backends);
        ProxyFixture proxy = servers.proxy(mode, lb, retryOn503(ExplainOptions.defaults()));

        ContentResponse response = get(proxy.url("/api/x"), null);

        assertThat(response.getStatus()).as("retried as usual").isEqualTo(200);
        assertThat(response.getHeaders().get(Decision.RESPONSE_HEADER)).isNull();
        assertThat(DecisionLog.recent(lb)).isEmpty();
    }

    @Test
    void explanationsDisabledIgnoreTheHeaderEvenFromLoopback() throws Exception {
        List<TestBackend> backends = firstAnswers503();
        LoadBalancer lb = leastConnections("disabled", backends);
        ProxyFixture proxy = servers.proxy(Mode.HANDLER, lb, retryOn503(ExplainOptions.disabled()));

        ContentResponse response = get(proxy.url("/api/x"), "1");

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get(Decision.RESPONSE_HEADER)).isNull();
        assertThat(DecisionLog.recent(lb)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET"})
    void jlbsOwnAnswerCarriesTheDecisionToo(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        LoadBalancer lb = leastConnections("drained-" + mode, List.of(a));
        lb.pool().drain(Backend.of(a.uri()));
        ProxyFixture proxy = servers.proxy(mode, lb, retryOn503(ExplainOptions.defaults()));

        ContentResponse response = get(proxy.url("/api/x"), "1");

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaders().get(Decision.RESPONSE_HEADER))
                .isEqualTo("strategy=least-connections; candidates=none; attempts=none(no_backend)");
    }

    @Test
    void peakEwmaShowsTheCostOfEachSampledBackend() throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        LoadBalancer lb = servers.balancer(LoadBalancer.builder().name("ewma").strategy(Strategies.peakEwma())
                .backends(a.uri(), b.uri()));
        ProxyFixture proxy = servers.proxy(Mode.HANDLER, lb, ProxyOptions.defaults());

        ContentResponse response = get(proxy.url("/api/x"), "1");

        assertThat(response.getStatus()).isEqualTo(200);
        // No samples yet: both cost their estimate (the 30 ms default, decaying) times (0 + 1).
        String decision = response.getHeaders().get(Decision.RESPONSE_HEADER);
        assertThat(decision).matches("strategy=peak-ewma; candidates="
                + "127\\.0\\.0\\.1:\\d+\\(ewma=(\\d+\\.\\d{3})ms,in_flight=0,w=1,cost=\\1\\) "
                + "127\\.0\\.0\\.1:\\d+\\(ewma=(\\d+\\.\\d{3})ms,in_flight=0,w=1,cost=\\2\\);"
                + " attempts=1:127\\.0\\.0\\.1:\\d+->200");
        double ewma = Double.parseDouble(decision.substring(decision.indexOf("ewma=") + 5, decision.indexOf("ms,")));
        assertThat(ewma).isBetween(25.0, 30.0);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET"})
    void aHedgedRequestShowsTheHedgeAndTheCancelledAttempt(Mode mode) throws Exception {
        TestBackend slow = servers.backend("slow");
        TestBackend fast = servers.backend("fast");
        slow.delayMillis = 20_000; // never answers within the test
        LoadBalancer lb = servers.balancer(LoadBalancer.builder().name("hedged-" + mode)
                .strategy(TestStrategies.first()).outlierDetection(OutlierDetection.disabled())
                .backends(slow.uri(), fast.uri()));
        ProxyOptions options = ProxyOptions.builder()
                .retry(RetryPolicy.builder().hedgeAfter(Duration.ofMillis(50)).noRetryBudget().build()).build();
        ProxyFixture proxy = servers.proxy(mode, lb, options);

        ContentResponse response = get(proxy.url("/api/x"), "1");

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("fast");
        // A strategy that describes nothing: the backend it gave is the one candidate.
        assertThat(response.getHeaders().get(Decision.RESPONSE_HEADER)).isEqualTo("strategy=test-first;"
                + " candidates=" + slow.id() + "; attempts=1:" + slow.id() + "->cancelled(another attempt answered),"
                + "2:" + fast.id() + "(hedge)->200");
        proxy.awaitIdle();
    }

    // ---- Who may ask ------------------------------------------------------------------------------

    @Test
    void theRuleAllowsLoopbackWithAnyValueAndOthersOnlyWithTheToken() {
        assertThat(Decision.allows("1", "127.0.0.1", null)).isTrue();
        assertThat(Decision.allows("1", "::1", null)).isTrue();
        assertThat(Decision.allows("1", "[0:0:0:0:0:0:0:1]", null)).isTrue();
        assertThat(Decision.allows("1", "192.0.2.7", null)).isFalse();
        assertThat(Decision.allows("1", "192.0.2.7", TOKEN)).isFalse();
        assertThat(Decision.allows(TOKEN + "x", "192.0.2.7", TOKEN)).isFalse();
        assertThat(Decision.allows(TOKEN, "192.0.2.7", TOKEN)).isTrue();
        assertThat(Decision.allows(TOKEN, "192.0.2.7", null)).as("no token configured").isFalse();
        assertThat(Decision.allows("1", "localhost", null)).as("names are never resolved").isFalse();
        assertThat(Decision.allows("1", null, null)).isFalse();
    }

    @Test
    void aNonLoopbackClientGetsNoDecisionWithoutTheTokenAndOneWithIt() throws Exception {
        InetAddress address = nonLoopbackAddress();
        assumeTrue(address != null, "this machine has no non-loopback IPv4 address");
        List<TestBackend> backends = firstAnswers503();
        LoadBalancer lb = leastConnections("remote", backends);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(address.getHostAddress());
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new LoadBalancingHandler(lb, retryOn503(ExplainOptions.of(TOKEN, 10))));
        server.start();
        servers.closeLater(() -> LifeCycles.stop(server, this));
        String url = "http://" + address.getHostAddress() + ":" + connector.getLocalPort() + "/x";

        ContentResponse refused = get(url, "1");
        assertThat(refused.getStatus()).as("served normally").isEqualTo(200);
        assertThat(refused.getHeaders().get(Decision.RESPONSE_HEADER)).isNull();
        assertThat(DecisionLog.recent(lb)).isEmpty();

        ContentResponse allowed = get(url, TOKEN);
        assertThat(allowed.getStatus()).isEqualTo(200);
        assertThat(allowed.getHeaders().get(Decision.RESPONSE_HEADER))
                .startsWith("strategy=least-connections; ties=2; candidates=").contains("; attempts=1:");
        assertThat(DecisionLog.recent(lb)).hasSize(1);
        assertThat(DecisionLog.recent(lb).get(0).client()).isEqualTo(address.getHostAddress());
        for (TestBackend backend : backends) {
            for (TestBackend.Recorded r : backend.requests) {
                assertThat(r.header(Decision.REQUEST_HEADER)).as("the token never reaches a backend")
                        .isNotEqualTo(TOKEN);
            }
        }
    }

    private static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
    }

    // ---- The admin API ----------------------------------------------------------------------------

    @Test
    void theAdminApiListsTheLastExplainedDecisionsNewestFirstUpToTheHistory() throws Exception {
        List<TestBackend> backends = firstAnswers503();
        LoadBalancer lb = leastConnections("api", backends);
        ProxyFixture proxy = servers.proxy(Mode.HANDLER, lb, retryOn503(ExplainOptions.of(null, 2)));
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new AdminServlet(AdminOptions.defaults(), lb)), "/admin/*");
        ProxyFixture admin = servers.closeLater(ProxyFixture.handler(lb, context));

        String first = get(proxy.url("/api/one"), "1").getHeaders().get(Decision.RESPONSE_HEADER);
        get(proxy.url("/api/unexplained"), null);
        get(proxy.url("/api/two"), "1");
        get(proxy.url("/api/three"), "1");

        ContentResponse response = get(admin.url("/admin/api/routes/api/decisions"), null);
        assertThat(response.getStatus()).isEqualTo(200);
        JsonNode body = JsonMapper.builder().build().readTree(response.getContentAsString());
        assertThat(body.get("route").stringValue()).isEqualTo("api");
        JsonNode decisions = body.get("decisions");
        assertThat(decisions.size()).as("a history of 2").isEqualTo(2);
        assertThat(decisions.get(0).get("path").stringValue()).isEqualTo("/api/three");
        assertThat(decisions.get(1).get("path").stringValue()).isEqualTo("/api/two");
        JsonNode newest = decisions.get(0);
        assertThat(newest.get("status").intValue()).isEqualTo(200);
        assertThat(newest.get("strategy").stringValue()).isEqualTo("least-connections");
        assertThat(newest.get("client").stringValue()).isEqualTo("127.0.0.1");
        assertThat(newest.get("candidates").size()).isEqualTo(2);
        assertThat(newest.get("attempts").size()).isEqualTo(1);
        assertThat(newest.get("attempts").get(0).stringValue()).matches("1:127\\.0\\.0\\.1:\\d+->200");
        assertThat(newest.get("header").stringValue()).startsWith("strategy=least-connections; ");
        assertThat(first).contains("retry(status 503)");

        ContentResponse unknown = get(admin.url("/admin/api/routes/nope/decisions"), null);
        assertThat(unknown.getStatus()).isEqualTo(404);
    }

    // ---- Bounds and options -----------------------------------------------------------------------

    @Test
    void theHeaderIsPrintableAsciiAndAtMost2KiB() {
        String longText = "x".repeat(5000);
        String bounded = Decision.bounded(longText);
        assertThat(bounded).hasSize(Decision.MAX_HEADER_LENGTH).endsWith("...");
        assertThat(Decision.bounded("a\r\nb\u00e9")).isEqualTo("a??b?");
        assertThat(Decision.bounded("strategy=p2c")).isEqualTo("strategy=p2c");
    }

    @Test
    void optionsRefuseAShortTokenWithoutShowingItAndABadHistory() {
        assertThatThrownBy(() -> ExplainOptions.of("short", 50)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token: 5 characters (expected: >= 16 characters)");
        assertThatThrownBy(() -> ExplainOptions.of("with a space 0123456", 50))
                .hasMessage("token: a character at index 4 (expected: printable ASCII without spaces)");
        assertThatThrownBy(() -> ExplainOptions.of(null, -1)).hasMessage("history: -1 (expected: 0..10000)");
        assertThat(ExplainOptions.of(TOKEN, 5).toString()).doesNotContain(TOKEN);
        assertThat(ProxyOptions.defaults().explain()).isEqualTo(ExplainOptions.defaults());
    }
}
