package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The retry budget: while requests being retried use up a route's budget, another failing request
 * gets its failure instead of a retry; once they end, retries go again. Real servers on loopback.
 */
class RetryBudgetTest {

    private static HttpClient client;

    @BeforeAll
    static void startClient() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception {
        client.stop();
    }

    private static String refusedUri() {
        for (int port = 1; port < 1024; port++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            } catch (IOException refused) {
                return "http://127.0.0.1:" + port;
            }
        }
        throw new AssertionError("no refusing port below 1024");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRetryBeyondTheBudgetIsRefusedAndTheBudgetRefillsWhenRetriesEnd(Mode mode) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestBackend held = new TestBackend("held");
                LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first())
                        .backends(refusedUri(), held.uri()).outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.builder()
                        .retry(RetryPolicy.builder().retryBudget(20, 1).build()).build())) {
            held.behaviour = (be, r, req, res, cb) -> CompletableFuture.runAsync(() -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                be.text(res, cb, 200, "held");
            });

            // 1: refused by the first backend, retried on the held one, where it waits: the one
            // retry the budget allows (max(1, 20% of 2 in flight) = 1) is in use.
            CompletableFuture<ContentResponse> first = new CompletableFuture<>();
            Request request = client.newRequest(proxy.url("/api/1")).timeout(15, TimeUnit.SECONDS);
            request.send(result -> {
                if (result.isFailed()) {
                    first.completeExceptionally(result.getFailure());
                } else {
                    first.complete(null);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (held.arrivals.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(held.arrivals.get()).as("the first request's retry reached the held backend").isEqualTo(1);

            // 2: refused too, but the budget is spent: its failure, not a retry.
            ContentResponse second = client.newRequest(proxy.url("/api/2")).timeout(10, TimeUnit.SECONDS).send();
            assertThat(second.getStatus()).isEqualTo(502);
            assertThat(second.getContentAsString())
                    .isEqualTo("bad gateway: could not connect to a backend (retry budget exhausted)\n");
            assertThat(held.arrivals.get()).isEqualTo(1);
            assertThat(lb.stats().retriesExhausted()).isEqualTo(1);

            release.countDown();
            first.get(10, TimeUnit.SECONDS);

            // 3: with the retry over, the budget has room again.
            ContentResponse third = client.newRequest(proxy.url("/api/3")).timeout(10, TimeUnit.SECONDS).send();
            assertThat(third.getStatus()).isEqualTo(200);
            assertThat(third.getContentAsString()).isEqualTo("held");
            ProxyFixture.awaitIdle(lb);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void withoutABudgetTheSameRetryGoes(Mode mode) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestBackend held = new TestBackend("held");
                LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first())
                        .backends(refusedUri(), held.uri()).outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.builder()
                        .retry(RetryPolicy.builder().noRetryBudget().build()).build())) {
            held.behaviour = (be, r, req, res, cb) -> {
                if (be.arrivals.get() == 1) {
                    CompletableFuture.runAsync(() -> {
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        be.text(res, cb, 200, "held");
                    });
                } else {
                    be.text(res, cb, 200, "next");
                }
            };
            CompletableFuture<Void> first = new CompletableFuture<>();
            client.newRequest(proxy.url("/api/1")).timeout(15, TimeUnit.SECONDS)
                    .send(result -> first.complete(null));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (held.arrivals.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            ContentResponse second = client.newRequest(proxy.url("/api/2")).timeout(10, TimeUnit.SECONDS).send();
            assertThat(second.getStatus()).isEqualTo(200);
            assertThat(second.getContentAsString()).isEqualTo("next");
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            ProxyFixture.awaitIdle(lb);
        }
    }
}
