package dev.jlb.jetty.discovery;

import static dev.jlb.jetty.discovery.FakeApiServer.ep;
import static dev.jlb.jetty.discovery.FakeApiServer.event;
import static dev.jlb.jetty.discovery.FakeApiServer.list;
import static dev.jlb.jetty.discovery.FakeApiServer.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.discovery.DiscoveredBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** K8sDiscovery against a Jetty handler playing the API server: list, a chunked watch, a 410, a relist. */
class K8sDiscoveryTest {
    private FakeApiServer api;
    private final List<List<DiscoveredBackend>> snapshots = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    private String last() {
        List<DiscoveredBackend> s = snapshots.isEmpty() ? List.of() : snapshots.get(snapshots.size() - 1);
        return s.stream().map(d -> d.backend().id() + "*" + d.backend().weight()).sorted().collect(Collectors.joining(" "));
    }

    private void await(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!last().equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(last()).isEqualTo(expected);
    }

    @Test
    void listWatchAndRelistOn410() throws Exception {
        api = new FakeApiServer();
        api.listBody = list("100", slice("api-a", "90",
                ep("10.0.0.1", true, true, false) + "," + ep("10.0.0.2", false, false, false)));
        java.nio.file.Path token = java.nio.file.Files.createTempFile("token", "");
        java.nio.file.Files.writeString(token, "s3cret\n");
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").apiServer(api.url()).tokenFile(token)
                .backoff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(50)).build()) {
            assertThat(d.source()).isEqualTo("k8s://api.shop:http");
            d.start(snapshots::add);
            await("10.0.0.1:8080*1");
            assertThat(d.stats().source()).isEqualTo("k8s://api.shop:http");

            api.watch(0).add(event("ADDED", slice("api-b", "101", ep("10.0.0.3", true, true, false))));
            await("10.0.0.1:8080*1 10.0.0.3:8080*1");
            api.watch(0).add(event("MODIFIED", slice("api-a", "102",
                    ep("10.0.0.1", false, true, true) + "," + ep("10.0.0.2", true, true, false))));
            await("10.0.0.1:8080*0 10.0.0.2:8080*1 10.0.0.3:8080*1");
            api.watch(0).add(event("DELETED", slice("api-a", "103", "")));
            await("10.0.0.3:8080*1");
            // The watch drops: the next one resumes from 103.
            api.watch(0).add(FakeApiServer.END);
            api.watch(1).add("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"message\":\"too old\"}}");
            api.listBody = list("200", slice("api-c", "199", ep("10.0.0.9", true, true, false)));
            await("10.0.0.9:8080*1");
            api.watch(2).add(event("ADDED", slice("api-d", "201", ep("10.0.0.10", true, true, false))));
            await("10.0.0.10:8080*1 10.0.0.9:8080*1");
        }
        List<String> watchRequests = api.requests.stream().filter(r -> r.contains("watch=true")).toList();
        assertThat(watchRequests).hasSize(3);
        assertThat(watchRequests.get(0)).contains("resourceVersion=100").contains("labelSelector=kubernetes.io%2Fservice-name%3Dapi");
        assertThat(watchRequests.get(1)).contains("resourceVersion=103");
        assertThat(watchRequests.get(2)).contains("resourceVersion=200");
        assertThat(api.requests).allMatch(r -> r.contains(" Bearer s3cret "));
        assertThat(api.requests.get(0)).startsWith("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?");
    }

    @Test
    void failuresBackOffExponentiallyWithJitterAndKeepTheLastMembership() throws Exception {
        api = new FakeApiServer();
        api.failLists.set(4);
        List<Duration> delays = new CopyOnWriteArrayList<>();
        api.listBody = list("5", slice("api-a", "5", ep("10.0.0.1", true, true, false)));
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").apiServer(api.url())
                .backoff(Duration.ofSeconds(1), Duration.ofSeconds(5))
                .backoffClock(delays::add, () -> 0.5).build()) {
            d.start(snapshots::add);
            await("10.0.0.1:8080*1");
            // jitter 0.5: a factor of exactly 1 (0.8 + 0.4 * 0.5); 1 s, 2 s, 4 s, then the 5 s cap.
            assertThat(delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                    Duration.ofSeconds(5));
            assertThat(d.stats().failures()).isEqualTo(4);
            assertThat(d.stats().lastError()).contains("HTTP 500");
            assertThat(d.stats().resolutions()).isEqualTo(1);
            // The watch drops and the API server fails again: the membership stays, the back-off starts over at 1 s.
            api.failLists.set(1);
            api.listBody = list("6", slice("api-a", "6", ep("10.0.0.2", true, true, false)));
            api.watch(0).add("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}");
            await("10.0.0.2:8080*1");
            assertThat(delays).hasSize(5).last().isEqualTo(Duration.ofSeconds(1));
            assertThat(snapshots).noneMatch(List::isEmpty);
        }
    }

    @Test
    void jitterSpreadsTheDelayBetween80And120Percent() {
        K8sDiscovery.Builder b = K8sDiscovery.builder("k8s://api.shop:http").apiServer("http://127.0.0.1:1")
                .backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        assertThat(b.backoffClock(d -> { }, () -> 0.0).build().backoff(3)).isEqualTo(Duration.ofMillis(3200));
        assertThat(b.backoffClock(d -> { }, () -> 0.999999).build().backoff(3)).isEqualTo(Duration.ofMillis(4799));
        assertThat(b.backoffClock(d -> { }, () -> 0.5).build().backoff(40)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void refusesMalformedUrls() {
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api:http")).hasMessageContaining("k8s://service.namespace:port");
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop")).hasMessageContaining("k8s://service.namespace:port");
        assertThat(K8sDiscovery.sourceOf("k8s://API.Shop:http")).isEqualTo("k8s://api.shop:http");
    }
}
