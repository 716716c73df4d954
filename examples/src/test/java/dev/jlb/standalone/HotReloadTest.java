package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload of a running standalone balancer: changes apply, and no request in flight fails. */
class HotReloadTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final StandaloneExtension standalone = new StandaloneExtension(4);
    private final List<TestBackend> backends = standalone.backends();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1) // HTTP/1.1 keep-alive; h2c is tested in H2cListenerTest
            .connectTimeout(Duration.ofSeconds(2)).build();
    private Standalone balancer;

    private String yaml(String routes) {
        return "server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 5s}\nroutes:\n" + routes;
    }

    private String uris(int... indexes) {
        StringBuilder sb = new StringBuilder("[");
        for (int i : indexes) {
            sb.append(sb.length() > 1 ? ", " : "").append('"').append(backends.get(i).uri()).append('"');
        }
        return sb.append(']').toString();
    }

    private static JlbConfig parse(String yaml) throws Exception {
        return ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void reloadsApplyWhileRequestsAreInFlightAndNoneFails() throws Exception {
        List<JlbConfig> steps = List.of(
                parse(yaml("  - path: /lb\n    backends: " + uris(0, 1) + "\n")),
                // weights
                parse(yaml("  - path: /lb\n    backends: [{url: \"" + backends.get(0).uri() + "\", weight: 3}, \""
                        + backends.get(1).uri() + "\"]\n    strategy: weighted-round-robin\n")),
                // a backend added, the strategy changed
                parse(yaml("  - path: /lb\n    backends: " + uris(0, 1, 2) + "\n    strategy: least-connections\n")),
                // health check on, retries changed (a new handler on the same load balancer)
                parse(yaml("  - path: /lb\n    backends: " + uris(0, 1, 2) + "\n    strategy: least-connections\n"
                        + "    health_check: {path: /health, interval: 200ms, timeout: 100ms}\n"
                        + "    retry: {attempts: 2}\n")),
                // a backend removed, another added, a second route, the access log on
                parse(yaml("  - path: /lb\n    backends: " + uris(1, 2, 3) + "\n    strategy: p2c\n"
                        + "  - path: /other\n    backends: " + uris(3) + "\n")
                        .replace("shutdown_grace_period: 5s", "shutdown_grace_period: 5s, access_log: true")),
                // the second route removed, timeouts changed
                parse(yaml("  - path: /lb\n    backends: " + uris(1, 2, 3) + "\n    strategy: p2c\n"
                        + "    timeouts: {attempt: 5s}\n")));
        balancer = standalone.start(steps.get(0));

        AtomicBoolean running = new AtomicBoolean(true);
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch started = new CountDownLatch(4);
        List<Future<?>> clients = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            clients.add(pool.submit(() -> {
                started.countDown();
                int n = 0;
                // Bounded by count and time; a quarter of the requests stay 30 ms in flight.
                while (running.get() && n < 5_000 && System.nanoTime() < deadline) {
                    String path = "/lb/r" + n + (thread == 0 ? "?delay=30" : "");
                    try {
                        HttpResponse<String> r = get(path);
                        if (r.statusCode() != 200) {
                            failures.add(path + " -> " + r.statusCode() + " " + r.body());
                        } else {
                            ok.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(path + " -> " + e);
                    }
                    n++;
                }
                return null;
            }));
        }
        started.await();
        for (JlbConfig step : steps.subList(1, steps.size())) {
            Thread.sleep(150);
            balancer.apply(step);
        }
        Thread.sleep(150);
        running.set(false);
        for (Future<?> f : clients) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(failures).as("requests that failed across %d reloads", steps.size() - 1).isEmpty();
        assertThat(ok.get()).isGreaterThan(100);
        assertThat(balancer.config().routes()).hasSize(1);
        assertThat(balancer.loadBalancer("/lb").pool().backends())
                .containsExactly(Backend.of(backends.get(1).uri()), Backend.of(backends.get(2).uri()),
                        Backend.of(backends.get(3).uri()));
        assertThat(balancer.loadBalancer("/lb").strategy().name()).isEqualTo("p2c");
        assertThat(get("/other").statusCode()).isEqualTo(404);
        int b1Before = backends.get(0).arrivals.get();
        for (int i = 0; i < 20; i++) {
            assertThat(get("/lb").statusCode()).isEqualTo(200);
        }
        assertThat(backends.get(0).arrivals.get()).as("the removed backend gets nothing").isEqualTo(b1Before);
    }

    @Test
    void aReloadKeepsTheStatisticsOfBackendsThatStay() throws Exception {
        balancer = standalone.start(parse(yaml("  - path: /lb\n    backends: " + uris(0, 1) + "\n")));
        for (int i = 0; i < 10; i++) {
            assertThat(get("/lb").statusCode()).isEqualTo(200);
        }
        // The proxy completes an attempt's statistics just after the client has the whole response.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (balancer.loadBalancer("/lb").stats().inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long before = successes(backends.get(0));
        assertThat(before).isEqualTo(5);

        balancer.apply(parse(yaml("  - path: /lb\n    backends: " + uris(0, 2) + "\n    strategy: random\n")));

        assertThat(successes(backends.get(0))).isEqualTo(before);
    }

    private long successes(TestBackend b) {
        BackendStats stats = balancer.loadBalancer("/lb").pool().stats(Backend.of(b.uri())).orElseThrow();
        return stats.successes();
    }

    @Test
    void aRequestInFlightOnARemovedRouteFinishes() throws Exception {
        balancer = standalone.start(parse(yaml("  - path: /lb\n    backends: " + uris(0) + "\n"
                + "  - path: /slow\n    backends: " + uris(1) + "\n")));
        Future<HttpResponse<String>> slow = Executors.newSingleThreadExecutor().submit(() -> get("/slow?delay=800"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (backends.get(1).arrivals.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(backends.get(1).arrivals.get()).as("the slow request reached its backend").isEqualTo(1);

        List<String> changes = balancer.apply(parse(yaml("  - path: /lb\n    backends: " + uris(0) + "\n")));

        assertThat(changes).containsExactly("route /slow: removed");
        assertThat(get("/slow").statusCode()).isEqualTo(404);
        HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b2");
    }

    @Test
    void aFileThatDoesNotValidateIsRefusedAndTheRunningConfigurationStays() throws Exception {
        Path file = dir.resolve("jlb.yaml");
        Files.writeString(file, yaml("  - path: /lb\n    backends: " + uris(0) + "\n"));
        balancer = standalone.start(ConfigLoader.load(file));
        JlbConfig running = balancer.config();
        try (ConfigReloader reloader = new ConfigReloader(file, c -> c, balancer, ConfigReloader.digest(file))) {
            assertThat(reloader.reloadNow("test", false)).isEqualTo(ConfigReloader.Outcome.UNCHANGED);

            Files.writeString(file, yaml("  - path: /lb\n    backends: " + uris(0) + "\n    strategy: fastest\n"));
            assertThat(reloader.reloadNow("test", false)).isEqualTo(ConfigReloader.Outcome.REFUSED);
            assertThat(balancer.config()).isEqualTo(running);
            assertThat(get("/lb").body()).isEqualTo("b1");

            Files.writeString(file, yaml("  - path: /lb\n    backends: " + uris(1) + "\n"));
            assertThat(reloader.reloadNow("test", false)).isEqualTo(ConfigReloader.Outcome.APPLIED);
            assertThat(get("/lb").body()).isEqualTo("b2");
        }
    }

    @Test
    void aChangedFileIsNoticed() throws Exception {
        Path file = dir.resolve("jlb.yaml");
        Files.writeString(file, "servers: []\n");
        CountDownLatch changed = new CountDownLatch(1);
        try (ConfigWatcher watcher = ConfigWatcher.start(file, changed::countDown)) {
            Files.writeString(file, "servers: [\"http://127.0.0.1:1\"]\n");
            assertThat(changed.await(10, TimeUnit.SECONDS)).as("a change noticed within 10 s").isTrue();
        }
    }

    @Test
    void listenerSettingsNeedARestartAndAreKept() throws Exception {
        balancer = standalone.start(parse(yaml("  - path: /lb\n    backends: " + uris(0) + "\n")));
        int port = balancer.port();
        JlbConfig moved = parse("server: {address: 127.0.0.1, port: 1, threads: 64}\nroutes:\n  - path: /lb\n"
                + "    backends: " + uris(0) + "\n");

        balancer.apply(moved);

        assertThat(balancer.port()).isEqualTo(port);
        assertThat(balancer.config().server().port()).isEqualTo(0);
        assertThat(get("/lb").statusCode()).isEqualTo(200);
    }
}
