package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException.Reason;
import dev.jlb.OverloadProtection;
import dev.jlb.health.OutlierDetection;
import dev.jlb.testing.TestBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Overload protection through the adapters, against a real backend that holds every request until
 * the test answers it: the backend never sees more than its limit, waiting requests reach it in
 * arrival order, and a full queue is a 503 with the reason.
 */
class OverloadIntegrationTest {

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension();

    /** A request the backend holds, with how to answer it. */
    record Held(String n, Response response, Callback callback) {
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    private static CompletableFuture<ContentResponse> send(ProxyFixture proxy, int n) {
        Request request = CLIENT.get().newRequest(proxy.url("/api/x?n=" + n)).timeout(20, TimeUnit.SECONDS);
        return new CompletableResponseListener(request).send();
    }

    @ParameterizedTest
    @EnumSource(value = ProxyFixture.Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aBackendNeverSeesMoreThanItsLimitAndWaitingRequestsArriveInOrder(ProxyFixture.Mode mode) throws Exception {
        BlockingQueue<Held> held = new LinkedBlockingQueue<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        List<String> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        OverloadProtection limits = OverloadProtection.builder().backendMaxInFlight(2).maxQueued(10)
                .queueTimeout(Duration.ofSeconds(30)).build();
        try (TestBackend backend = new TestBackend("a");
                LoadBalancer lb = LoadBalancer.builder().backend(backend.uri()).overload(limits)
                        .outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults())) {
            backend.behaviour = (b, r, req, res, cb) -> {
                maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                String n = r.pathQuery().substring(r.pathQuery().indexOf("n=") + 2);
                arrivals.add(n);
                held.add(new Held(n, res, cb));
            };
            List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                responses.add(send(proxy, i));
                int sent = i + 1;
                // One at a time, so that the order they reach jlb is the order sent.
                await(() -> lb.stats().inFlight() + lb.stats().queued() == sent, "request " + sent + " at jlb");
            }
            assertThat(lb.stats().queued()).isEqualTo(4);
            for (int answered = 0; answered < 6; answered++) {
                Held h = held.poll(10, TimeUnit.SECONDS);
                assertThat(h).as("request %d at the backend", answered).isNotNull();
                // Held no more once answered: the proxy may send the next one as soon as it has read
                // the answer, before the backend's own write callback has run.
                concurrent.decrementAndGet();
                backend.text(h.response(), h.callback(), 200, "ok " + h.n());
                int arrived = Math.min(6, answered + 3);
                // The freed place goes to the head of the queue; it arrives before the next is freed.
                await(() -> arrivals.size() == arrived, arrived + " requests at the backend");
            }
            for (int i = 0; i < 6; i++) {
                ContentResponse response = responses.get(i).get(10, TimeUnit.SECONDS);
                assertThat(response.getStatus()).isEqualTo(200);
                assertThat(response.getContentAsString()).isEqualTo("ok " + i);
            }
            // The first two went straight through on two connections, in either order; then the queue's order.
            assertThat(arrivals.subList(0, 2)).containsExactlyInAnyOrder("0", "1");
            assertThat(arrivals.subList(2, 6)).containsExactly("2", "3", "4", "5");
            assertThat(maxConcurrent.get()).isEqualTo(2);
            assertThat(lb.stats().queuedTotal()).isEqualTo(4);
            assertThat(proxy.awaitIdle()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProxyFixture.Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aFullQueueIsAnImmediate503WithTheReason(ProxyFixture.Mode mode) throws Exception {
        BlockingQueue<Held> held = new LinkedBlockingQueue<>();
        OverloadProtection limits = OverloadProtection.builder().backendMaxInFlight(1).maxQueued(1)
                .queueTimeout(Duration.ofSeconds(30)).build();
        try (TestBackend backend = new TestBackend("a");
                LoadBalancer lb = LoadBalancer.builder().backend(backend.uri()).overload(limits)
                        .outlierDetection(OutlierDetection.disabled()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults())) {
            backend.behaviour = (b, r, req, res, cb) -> held.add(new Held("", res, cb));
            CompletableFuture<ContentResponse> first = send(proxy, 0);
            await(() -> held.size() == 1, "the first request at the backend");
            CompletableFuture<ContentResponse> second = send(proxy, 1);
            await(() -> lb.stats().queued() == 1, "the second request queued");
            ContentResponse third = send(proxy, 2).get(10, TimeUnit.SECONDS);
            assertThat(third.getStatus()).isEqualTo(503);
            assertThat(third.getContentAsString()).contains(
                    "service unavailable: overloaded (every backend at max_in_flight 1, and 1 requests queued)");
            assertThat(lb.stats().noBackend(Reason.OVERLOADED)).isEqualTo(1);
            Held h = held.poll(10, TimeUnit.SECONDS);
            backend.text(h.response(), h.callback(), 200, "one");
            h = held.poll(10, TimeUnit.SECONDS);
            assertThat(h).as("the queued request at the backend").isNotNull();
            backend.text(h.response(), h.callback(), 200, "two");
            assertThat(first.get(10, TimeUnit.SECONDS).getContentAsString()).isEqualTo("one");
            assertThat(second.get(10, TimeUnit.SECONDS).getContentAsString()).isEqualTo("two");
        }
    }
}
