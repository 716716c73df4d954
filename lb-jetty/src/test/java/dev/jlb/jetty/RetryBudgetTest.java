package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The retry budget through the adapters: a route's requests pay for its retries. Each request here
 * first meets a backend that refuses connections, so each wants one retry; with a budget of 50% and
 * no per-second reserve, every second request's retry is paid for. Real servers on loopback; the
 * budget's window (1 min) is far longer than the test.
 */
class RetryBudgetTest {

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension();

    private static ContentResponse get(ProxyFixture proxy, int i) throws Exception {
        return CLIENT.get().newRequest(proxy.url("/api/" + i)).timeout(10, TimeUnit.SECONDS).send();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void retriesAreRefusedBeyondThePercentOfTheRoutesRequests(Mode mode) throws Exception {
        try (TestBackend good = new TestBackend("good");
                LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first())
                        .backends(ServersExtension.refusedUri(), good.uri())
                        .outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.builder()
                        .retry(RetryPolicy.builder().retryBudget(50, 0, Duration.ofMinutes(1)).build()).build())) {
            // 1: half a retry in the budget: refused, the client gets the connect failure.
            ContentResponse first = get(proxy, 1);
            assertThat(first.getStatus()).isEqualTo(502);
            assertThat(first.getContentAsString())
                    .isEqualTo("bad gateway: could not connect to a backend (retry budget exhausted)\n");
            assertThat(lb.stats().retriesExhausted()).isEqualTo(1);
            // 2: a whole retry now: it goes to the good backend.
            ContentResponse second = get(proxy, 2);
            assertThat(second.getStatus()).isEqualTo(200);
            assertThat(second.getContentAsString()).isEqualTo("good");
            // 3 and 4: the same again; the budget never lends.
            assertThat(get(proxy, 3).getStatus()).isEqualTo(502);
            assertThat(get(proxy, 4).getContentAsString()).isEqualTo("good");
            assertThat(good.arrivals.get()).isEqualTo(2);
            assertThat(lb.stats().retriesExhausted()).isEqualTo(2);
            assertThat(ProxyFixture.awaitIdle(lb)).allSatisfy(s -> assertThat(s.inFlight()).isZero());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theReservePerSecondRetriesWithoutTraffic(Mode mode) throws Exception {
        // 1% of a handful of requests is nothing; the reserve of 1 per second over 10 s is 10 retries.
        try (TestBackend good = new TestBackend("good");
                LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first())
                        .backends(ServersExtension.refusedUri(), good.uri())
                        .outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.builder()
                        .retry(RetryPolicy.builder().retryBudget(1, 1, Duration.ofSeconds(10)).build()).build())) {
            for (int i = 0; i < 10; i++) {
                assertThat(get(proxy, i).getStatus()).as("request %d", i).isEqualTo(200);
            }
            assertThat(get(proxy, 10).getStatus()).isEqualTo(502);
            assertThat(good.arrivals.get()).isEqualTo(10);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void withoutABudgetEveryRetryGoes(Mode mode) throws Exception {
        try (TestBackend good = new TestBackend("good");
                LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first())
                        .backends(ServersExtension.refusedUri(), good.uri())
                        .outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.builder()
                        .retry(RetryPolicy.builder().noRetryBudget().build()).build())) {
            for (int i = 0; i < 20; i++) {
                assertThat(get(proxy, i).getStatus()).as("request %d", i).isEqualTo(200);
            }
            assertThat(good.arrivals.get()).isEqualTo(20);
            assertThat(lb.stats().retriesExhausted()).isZero();
        }
    }
}
