package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attempts are watched for their timeout only while they wait for response headers: none is left
 * behind by answered, timed-out or refused attempts (the watch list would otherwise grow with the
 * traffic). Real servers on loopback.
 */
class AttemptTimeoutsTest {

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension();

    @Test
    void answeredAndTimedOutAttemptsLeaveTheWatchList() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestBackend ok = new TestBackend("ok");
                TestBackend slow = new TestBackend("slow");
                LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first())
                        .backends(ok.uri()).build()) {
            slow.behaviour = (be, r, req, res, cb) -> {
                release.await(10, TimeUnit.SECONDS);
                be.text(res, cb, 200, be.name);
            };
            LoadBalancingHandler handler = new LoadBalancingHandler(lb, ProxyOptions.builder()
                    .attemptTimeout(Duration.ofMillis(300)).retry(RetryPolicy.none()).build());
            try (ProxyFixture proxy = ProxyFixture.handler(lb, handler)) {
                for (int i = 0; i < 50; i++) {
                    ContentResponse response = CLIENT.get().newRequest(proxy.url("/x" + i))
                            .timeout(10, TimeUnit.SECONDS).send();
                    assertThat(response.getStatus()).isEqualTo(200);
                }
                assertThat(handler.core().timeouts().size()).as("after 50 answered attempts").isZero();

                lb.pool().add(dev.jlb.Backend.of(slow.uri()));
                lb.pool().remove(dev.jlb.Backend.of(ok.uri()));
                ContentResponse timedOut = CLIENT.get().newRequest(proxy.url("/slow"))
                        .timeout(10, TimeUnit.SECONDS).send();
                assertThat(timedOut.getStatus()).isEqualTo(504);
                assertThat(handler.core().timeouts().size()).as("after a timed-out attempt").isZero();
            } finally {
                release.countDown();
            }
        }
    }
}
