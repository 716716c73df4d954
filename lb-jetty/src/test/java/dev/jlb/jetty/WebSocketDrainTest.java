package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.admin.AdminOptions;
import dev.jlb.jetty.admin.AdminServlet;
import dev.jlb.testing.ManualScheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Draining a backend that holds open WebSockets, through the admin API: without a deadline the
 * sockets stay; with {@code ?websocket_deadline=} they are closed with 1001 once it has passed (on a
 * manual scheduler: the time moves only when the test says so), unless the backend is no longer
 * drained by then.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketDrainTest {

    @RegisterExtension
    final WsEchoExtension echo = new WsEchoExtension();

    private final ManualScheduler timer = new ManualScheduler();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private LoadBalancer lb;
    private Server admin;

    @BeforeEach
    void setUp() throws Exception {
        lb = echo.lb;
        admin = new Server();
        ServerConnector connector = new ServerConnector(admin, 1, 1);
        connector.setHost("127.0.0.1");
        admin.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        AdminServlet servlet = new AdminServlet(AdminOptions.defaults(), lb);
        servlet.setScheduler(timer);
        context.addServlet(new ServletHolder(servlet), "/admin/*");
        admin.setHandler(context);
        admin.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        dev.jlb.testing.LifeCycles.stop(admin, this); // the extension then closes the rest
    }

    private WsClient open(ProxyFixture.Mode mode) throws Exception {
        echo.start(mode, ProxyOptions.defaults());
        WsClient ws = echo.connect("/api/chat");
        assertThat(ws.roundTrip("hello")).isEqualTo("hello");
        return ws;
    }

    private HttpResponse<String> post(String pathQuery) throws Exception {
        int port = ((ServerConnector) admin.getConnectors()[0]).getLocalPort();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/api/routes/ws/backends/"
                + lb.pool().backends().get(0).id() + pathQuery)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int weight() {
        return lb.pool().backends().get(0).weight();
    }

    @ParameterizedTest
    @EnumSource(value = ProxyFixture.Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aDrainWithoutDeadlineLeavesTheSocketOpen(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        HttpResponse<String> drained = post("/drain");
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(drained.body()).contains("\"state\" : \"DRAINING\"").doesNotContain("websocketDeadline");
        assertThat(timer.pending()).isZero();
        timer.advance(Duration.ofHours(2));
        assertThat(ws.roundTrip("still open")).isEqualTo("still open");
        assertThat(ws.closed).isNotDone();
        assertThat(lb.pool().stats().get(0).inFlight()).isEqualTo(1);
        ws.session.close(1000, "done", Callback.NOOP);
        assertThat(ws.awaitClose()).isEqualTo("1000 done");
        assertThat(ProxyFixture.awaitIdle(lb)).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(value = ProxyFixture.Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aDrainWithDeadlineClosesTheSocketWith1001WhenItPasses(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        HttpResponse<String> drained = post("/drain?websocket_deadline=30s");
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(drained.body()).contains("\"state\" : \"DRAINING\"").contains("\"websocketDeadline\" : \"30s\"")
                .contains("\"upgradedConnections\" : 1");
        assertThat(weight()).isZero();

        timer.advance(Duration.ofSeconds(29)); // not yet
        assertThat(ws.roundTrip("before the deadline")).isEqualTo("before the deadline");
        assertThat(ws.closed).isNotDone();

        timer.advance(Duration.ofSeconds(1));
        assertThat(ws.awaitClose()).isEqualTo("1001 backend drained");
        assertThat(ProxyFixture.awaitIdle(lb)).extracting(BackendStats::inFlight).containsOnly(0);
        assertThat(WebSocketProxyTest.awaitOpen(lb, 0)).isZero();
        assertThat(echo.backend.closes.poll(10, TimeUnit.SECONDS)).as("the backend's side closed").isNotNull();
    }

    @Test
    void aDeadlineIsForgottenWhenTheBackendIsNoLongerDrained() throws Exception {
        WsClient ws = open(ProxyFixture.Mode.HANDLER);
        assertThat(post("/drain?websocket_deadline=1m").statusCode()).isEqualTo(200);
        lb.pool().update(lb.pool().backends().get(0).withWeight(1)); // undrained before the deadline
        timer.advance(Duration.ofMinutes(2));
        assertThat(timer.pending()).isZero();
        assertThat(ws.roundTrip("kept")).isEqualTo("kept");
        assertThat(ws.closed).isNotDone();
        ws.session.close(1000, "", Callback.NOOP);
        ws.awaitClose();
    }

    @Test
    void aDeadlineOfZeroClosesAtOnce() throws Exception {
        WsClient ws = open(ProxyFixture.Mode.HANDLER);
        assertThat(post("/drain?websocket_deadline=0").statusCode()).isEqualTo(200);
        timer.advance(Duration.ZERO);
        assertThat(ws.awaitClose()).isEqualTo("1001 backend drained");
    }

    @Test
    void aBadDeadlineIsRefusedAndDrainsNothing() throws Exception {
        echo.start(ProxyFixture.Mode.HANDLER, ProxyOptions.defaults());
        HttpResponse<String> notDuration = post("/drain?websocket_deadline=soon");
        assertThat(notDuration.statusCode()).isEqualTo(400);
        assertThat(notDuration.body()).contains(
                "\"error\" : \"websocket_deadline: soon (expected: a duration such as 30s, 500ms or 2m)\"");
        HttpResponse<String> negative = post("/drain?websocket_deadline=-5s");
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(negative.body()).contains("\"error\" : \"websocket_deadline: -5s (expected: >= 0)\"");
        HttpResponse<String> twice = post("/drain?websocket_deadline=1s&websocket_deadline=2s");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("\"error\" : \"websocket_deadline: given twice (expected: one value)\"");
        assertThat(weight()).isEqualTo(1);
        assertThat(timer.pending()).isZero();
    }
}
