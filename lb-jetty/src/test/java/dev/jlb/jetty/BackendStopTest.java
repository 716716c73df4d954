package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A backend stopped while 4 threads send GETs continuously: not one client request fails. The backend
 * dies as a crashed process does (connections dropped at once): Jetty's orderly stop may itself answer
 * a request it was still reading with a {@code 500}, which jlb rightly passes on (500 is not retryable
 * by default), and which made this test fail now and then.
 */
class BackendStopTest {

    private static final int THREADS = 4;
    private static final int REQUESTS_PER_THREAD = 150;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void stoppingABackendUnderLoadFailsNoClientRequest(Mode mode) throws Exception {
        List<TestBackend> backends = new ArrayList<>();
        HttpClient client = new HttpClient();
        client.start();
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy(TestStrategies.roundRobin());
        for (int i = 0; i < 5; i++) {
            TestBackend backend = new TestBackend("b" + i);
            backends.add(backend);
            builder.backend(backend.uri());
        }
        LoadBalancer lb = builder.build();
        try (ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults())) {
            AtomicInteger completed = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
                            try {
                                ContentResponse response = client.newRequest(proxy.url("/api/load"))
                                        .timeout(5, TimeUnit.SECONDS).send();
                                if (response.getStatus() != 200) {
                                    failures.add(response.getStatus() + " " + response.getContentAsString());
                                }
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                            completed.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "load-" + t);
                threads.add(thread);
                thread.start();
            }
            start.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (completed.get() < THREADS * REQUESTS_PER_THREAD / 4 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            TestBackend stopped = backends.get(2);
            String stoppedUri = stopped.uri();
            stopped.kill();
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }

            assertThat(completed.get()).isEqualTo(THREADS * REQUESTS_PER_THREAD);
            assertThat(failures).as("failed client requests").isEmpty();
            List<BackendStats> stats = ProxyFixture.awaitIdle(lb);
            assertThat(stats).extracting(BackendStats::inFlight).containsOnly(0);
            BackendStats down = lb.pool().stats(Backend.of(stoppedUri)).orElseThrow();
            long retries = stats.stream().mapToLong(BackendStats::retries).sum();
            assertThat(retries).as("every failure on the stopped backend was retried: %s", stats)
                    .isEqualTo(down.failures());
        } finally {
            lb.close();
            for (TestBackend backend : backends) {
                backend.close();
            }
            client.stop();
        }
    }
}
