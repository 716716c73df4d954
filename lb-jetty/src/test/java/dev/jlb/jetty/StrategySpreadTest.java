package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.StrategyRegistry;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each strategy through the servlet: the spread measured on 5 real backends matches the strategy. */
class StrategySpreadTest {

    private HttpClient client;
    private final List<TestBackend> backends = new ArrayList<>();
    private ProxyFixture proxy;
    private LoadBalancer lb;

    @BeforeEach
    void start() throws Exception {
        client = new HttpClient();
        client.start();
        for (int i = 0; i < 5; i++) {
            backends.add(new TestBackend("b" + i));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (lb != null) {
            lb.close();
        }
        for (TestBackend backend : backends) {
            backend.close();
        }
        client.stop();
    }

    private void proxy(LoadBalancer.Builder builder) throws Exception {
        lb = builder.build();
        proxy = ProxyFixture.start(Mode.SERVLET, lb, ProxyOptions.defaults());
    }

    private List<String> sequence(int requests) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            ContentResponse response = client.newRequest(proxy.url("/api/r" + i)).timeout(5, TimeUnit.SECONDS).send();
            assertThat(response.getStatus()).isEqualTo(200);
            names.add(response.getContentAsString());
        }
        return names;
    }

    private static Map<String, Integer> counts(List<String> names) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            counts.put("b" + i, 0);
        }
        names.forEach(n -> counts.merge(n, 1, Integer::sum));
        return counts;
    }

    @Test
    void roundRobinIsEvenAndCyclic() throws Exception {
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy(TestStrategies.roundRobin());
        backends.forEach(b -> builder.backend(b.uri()));
        proxy(builder);

        List<String> names = sequence(100);

        assertThat(counts(names).values()).as("%s", counts(names)).containsOnly(20);
        for (int i = 5; i < names.size(); i++) {
            assertThat(names.get(i)).as("request %d", i).isEqualTo(names.get(i - 5));
        }
    }

    @Test
    void weightedRoundRobinIsProportionalAndInterleaved() throws Exception {
        assertThat(StrategyRegistry.names()).as("registered by lb-strategies").contains("weighted-round-robin");
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy("weighted-round-robin")
                .backend(backends.get(0).uri(), 5).backend(backends.get(1).uri(), 1).backend(backends.get(2).uri(), 1);
        proxy(builder);

        List<String> names = sequence(70);

        Map<String, Integer> counts = counts(names);
        assertThat(counts).as("%s", counts).containsEntry("b0", 50).containsEntry("b1", 10).containsEntry("b2", 10);
        int longestRun = 0;
        int run = 0;
        for (int i = 0; i < names.size(); i++) {
            run = i > 0 && names.get(i).equals(names.get(i - 1)) ? run + 1 : 1;
            longestRun = Math.max(longestRun, run);
            if (i > 0 && !names.get(i).equals("b0")) {
                assertThat(names.get(i - 1)).as("light backends never twice in a row: %s", names).isNotEqualTo(names.get(i));
            }
        }
        assertThat(longestRun).as("interleaved, not 5 in a row: %s", names).isLessThan(5);
    }

    @Test
    void randomSpreadsEvenly() throws Exception {
        assertThat(StrategyRegistry.names()).as("registered by lb-strategies").contains("random");
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy("random").random(RandomSource.seeded(42));
        backends.forEach(b -> builder.backend(b.uri()));
        proxy(builder);

        Map<String, Integer> counts = counts(sequence(500));

        // 100 expected each, standard deviation ~9: +-40 is over 4 sigma.
        assertThat(counts.values()).as("%s", counts).allMatch(c -> c >= 60 && c <= 140);
    }

    @Test
    void powerOfTwoChoicesSpreadsEvenlyUnderSequentialLoad() throws Exception {
        assertThat(StrategyRegistry.names()).as("registered by lb-strategies").contains("p2c");
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy("p2c").random(RandomSource.seeded(7));
        backends.forEach(b -> builder.backend(b.uri()));
        proxy(builder);

        Map<String, Integer> counts = counts(sequence(500));

        assertThat(counts.values()).as("%s", counts).allMatch(c -> c >= 50 && c <= 150);
    }

    /** Five requests held open at once land on five different backends: each pick saw the others. */
    @Test
    void leastConnectionsSpreadsConcurrentRequestsOnePerBackend() throws Exception {
        assertThat(StrategyRegistry.names()).as("registered by lb-strategies").contains("least-connections");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        for (TestBackend backend : backends) {
            backend.behaviour = (b, r, req, res, cb) -> {
                held.incrementAndGet();
                release.await(5, TimeUnit.SECONDS);
                b.text(res, cb, 200, b.name);
            };
        }
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy("least-connections");
        backends.forEach(b -> builder.backend(b.uri()));
        proxy(builder);

        List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(5);
        try {
            for (int i = 0; i < 5; i++) {
                // Send one at a time, each after the previous one reached its backend.
                int before = held.get();
                client.newRequest(proxy.url("/api/c" + i)).timeout(10, TimeUnit.SECONDS)
                        .send(new org.eclipse.jetty.client.BufferingResponseListener() {
                            @Override
                            public void onComplete(Result result) {
                                names.add(getContentAsString());
                                done.countDown();
                            }
                        });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (held.get() == before && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
        } finally {
            release.countDown();
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(counts(names).values()).as("%s", names).containsOnly(1);
    }
}
