package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.health.OutlierDetection;
import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import jakarta.servlet.http.HttpServlet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hedged requests ({@code retry.hedge_after}) through the handler and the servlet: a request
 * whose first backend has not answered after the delay also goes to another; the first answer
 * wins, the other attempt is cancelled, its lease completed as cancelled; nothing is hedged that
 * must not be (a POST, an answer in time, a budget that is spent).
 */
@Timeout(60)
class HedgingTest {
    private TestBackend slow;
    private TestBackend fast;
    private LoadBalancer lb;
    private Server proxy;
    private final HttpClient client = new HttpClient();
    private final List<ProxyRecord> records = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        slow = new TestBackend("slow");
        fast = new TestBackend("fast");
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        if (proxy != null) {
            proxy.stop();
        }
        if (lb != null) {
            lb.close();
        }
        slow.close();
        fast.close();
    }

    /** The first eligible backend is {@code slow}: every first attempt goes there. */
    private String start(String adapter, RetryPolicy retry) throws Exception {
        lb = LoadBalancer.builder().name("hedged").strategy(TestStrategies.first())
                .outlierDetection(OutlierDetection.disabled())
                .backends(List.of(Backend.of(slow.uri()), Backend.of(fast.uri()))).build();
        ProxyOptions options = ProxyOptions.builder().retry(retry).listener(records::add).build();
        proxy = new Server();
        ServerConnector c = new ServerConnector(proxy);
        c.setHost("127.0.0.1");
        c.setPort(0);
        proxy.addConnector(c);
        if (adapter.equals("handler")) {
            proxy.setHandler(new LoadBalancingHandler(lb, options));
        } else {
            ServletContextHandler context = new ServletContextHandler();
            HttpServlet servlet = new LoadBalancingProxyServlet(lb, options);
            context.addServlet(new ServletHolder(servlet), "/*");
            proxy.setHandler(context);
        }
        proxy.start();
        return "http://127.0.0.1:" + c.getLocalPort();
    }

    private static RetryPolicy hedgeAfter(Duration d) {
        return RetryPolicy.builder().hedgeAfter(d).noRetryBudget().build();
    }

    private BackendStats stats(TestBackend b) {
        return lb.pool().stats(Backend.of(b.uri())).orElseThrow();
    }

    private void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((stats(slow).inFlight() != 0 || stats(fast).inFlight() != 0 || records.isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(stats(slow).inFlight()).as("leases of the slow backend").isZero();
        assertThat(stats(fast).inFlight()).as("leases of the fast backend").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"handler", "servlet"})
    void aSlowFirstAttemptIsHedgedTheFirstAnswerWinsAndTheOtherIsCancelled(String adapter) throws Exception {
        String url = start(adapter, hedgeAfter(Duration.ofMillis(50)));
        slow.delayMillis = 20_000; // it never answers within the test
        ContentResponse r = client.newRequest(url + "/x").timeout(15, TimeUnit.SECONDS).send();
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContentAsString()).isEqualTo("fast");
        awaitIdle();
        assertThat(slow.requests).hasSize(1);
        assertThat(fast.requests).hasSize(1);
        assertThat(stats(slow).cancelled()).as("the loser's lease, completed as cancelled").isEqualTo(1);
        assertThat(stats(slow).failures()).isZero();
        assertThat(stats(fast).successes()).isEqualTo(1);
        assertThat(records).singleElement().satisfies(rec -> {
            assertThat(rec.attempts()).isEqualTo(2);
            assertThat(rec.backend()).isEqualTo(Backend.of(fast.uri()));
            assertThat(rec.outcome()).isEqualTo(ProxyRecord.Outcome.PROXIED);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"handler", "servlet"})
    void anAnswerInTimeIsNotHedged(String adapter) throws Exception {
        String url = start(adapter, hedgeAfter(Duration.ofSeconds(5)));
        for (int i = 0; i < 5; i++) {
            assertThat(client.newRequest(url + "/x").timeout(15, TimeUnit.SECONDS).send().getContentAsString())
                    .isEqualTo("slow");
        }
        awaitIdle();
        assertThat(fast.requests).isEmpty();
        assertThat(records).hasSize(5).allSatisfy(rec -> assertThat(rec.attempts()).isEqualTo(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"handler", "servlet"})
    void aPostIsNeverHedged(String adapter) throws Exception {
        String url = start(adapter, hedgeAfter(Duration.ofMillis(20)));
        slow.delayMillis = 300;
        ContentResponse r = client.POST(url + "/x").body(new StringRequestContent("body"))
                .timeout(15, TimeUnit.SECONDS).send();
        assertThat(r.getContentAsString()).isEqualTo("slow");
        awaitIdle();
        assertThat(fast.requests).isEmpty();
        // And a GET with a body neither: hedge and original would read the body at once.
        ContentResponse g = client.newRequest(url + "/x").method("GET").body(new StringRequestContent("body"))
                .timeout(15, TimeUnit.SECONDS).send();
        assertThat(g.getContentAsString()).isEqualTo("slow");
        assertThat(fast.requests).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"handler", "servlet"})
    void aRetryableAnswerOfTheHedgeLetsTheOriginalAnswer(String adapter) throws Exception {
        String url = start(adapter, hedgeAfter(Duration.ofMillis(30)));
        slow.delayMillis = 400;
        fast.behaviour = (backend, recorded, request, response, callback) -> {
            response.setStatus(503);
            response.write(true, ByteBuffer.wrap("busy".getBytes(StandardCharsets.UTF_8)), callback);
        };
        ContentResponse r = client.newRequest(url + "/x").timeout(15, TimeUnit.SECONDS).send();
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContentAsString()).isEqualTo("slow");
        awaitIdle();
        assertThat(fast.requests).hasSize(1);
        assertThat(stats(fast).failures()).as("the hedge's 503 counts against its backend").isEqualTo(1);
        assertThat(stats(slow).successes()).isEqualTo(1);
        assertThat(records).singleElement().satisfies(rec -> assertThat(rec.attempts()).isEqualTo(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"handler", "servlet"})
    void hedgesCountAgainstTheRetryBudget(String adapter) throws Exception {
        // 1% of requests and no minimum: the first request has deposited a hundredth of a retry.
        String url = start(adapter, RetryPolicy.builder().hedgeAfter(Duration.ofMillis(20)).retryBudget(1, 0).build());
        slow.delayMillis = 200;
        ContentResponse r = client.newRequest(url + "/x").timeout(15, TimeUnit.SECONDS).send();
        assertThat(r.getContentAsString()).isEqualTo("slow");
        awaitIdle();
        assertThat(fast.requests).as("the budget refused the hedge").isEmpty();
        assertThat(records).singleElement().satisfies(rec -> assertThat(rec.attempts()).isEqualTo(1));
    }
}
