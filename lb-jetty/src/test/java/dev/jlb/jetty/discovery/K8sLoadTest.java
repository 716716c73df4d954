package dev.jlb.jetty.discovery;

import static dev.jlb.jetty.discovery.FakeApiServer.ep;
import static dev.jlb.jetty.discovery.FakeApiServer.event;
import static dev.jlb.jetty.discovery.FakeApiServer.list;
import static dev.jlb.jetty.discovery.FakeApiServer.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kubernetes discovery feeding a real pool while requests flow through jlb's handler to real Jetty
 * backends on 127.0.0.11-13: slices are added, modified (an endpoint terminating), deleted, the
 * watch drops and a 410 forces a relist; no client request fails, and a backend that stays keeps
 * its statistics.
 */
@Timeout(120)
class K8sLoadTest {
    private FakeApiServer api;
    private List<Server> backends;
    private final HttpClient client = new HttpClient();

    @BeforeEach
    void start() throws Exception {
        api = new FakeApiServer();
        backends = Loopback.backends(11, 3);
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        for (Server s : backends) {
            s.stop();
        }
        api.close();
    }

    private static Set<String> members(LoadBalancer lb) {
        return lb.pool().backends().stream().map(b -> b.id() + "*" + b.weight()).collect(Collectors.toSet());
    }

    private static long successes(LoadBalancer lb, String host, int port) {
        return lb.pool().stats(Backend.of("http://" + host + ":" + port)).orElseThrow().successes();
    }

    @Test
    void slicesChangingUnderLoadLoseNoRequestAndStayingBackendsKeepTheirStatistics() throws Exception {
        int p = Loopback.port(backends.get(0));
        api.listBody = list("10", slice("api-a", "10", p, ep("127.0.0.11", true, true, false)
                + "," + ep("127.0.0.12", true, true, false)));
        K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").apiServer(api.url()).weight(2).build();
        try (LoadBalancer lb = LoadBalancer.builder().name("api").discovery(d).build()) {
            Server proxy = Loopback.proxy(lb);
            Loopback.await("the listed endpoints", 10, () -> members(lb).equals(Set.of("127.0.0.11:" + p + "*2",
                    "127.0.0.12:" + p + "*2")));
            try (Loopback.Load load = new Loopback.Load(client, "http://127.0.0.1:" + Loopback.port(proxy) + "/", 4000)) {
                assertThat(lb.pool().backends()).allSatisfy(b -> assertThat(b.source()).isEqualTo("k8s://api.shop:http"));
                Loopback.await("requests reach .12", 10, () -> successes(lb, "127.0.0.12", p) > 20);

                api.watch(0).add(event("ADDED", slice("api-b", "11", p, ep("127.0.0.13", true, true, false))));
                Loopback.await("a slice added", 10, () -> members(lb).size() == 3);
                Loopback.await("requests reach .13", 10, () -> successes(lb, "127.0.0.13", p) > 20);
                long twelve = successes(lb, "127.0.0.12", p);

                // .11 terminates: it drains (weight 0) and then leaves with its slice's next version.
                api.watch(0).add(event("MODIFIED", slice("api-a", "12", p, ep("127.0.0.11", false, true, true)
                        + "," + ep("127.0.0.12", true, true, false))));
                Loopback.await("a terminating endpoint drains", 10, () -> members(lb).contains("127.0.0.11:" + p + "*0"));
                api.watch(0).add(event("MODIFIED", slice("api-a", "13", p, ep("127.0.0.12", true, true, false))));
                Loopback.await("the terminated endpoint leaves", 10, () -> members(lb).equals(
                        Set.of("127.0.0.12:" + p + "*2", "127.0.0.13:" + p + "*2")));
                assertThat(successes(lb, "127.0.0.12", p)).as("statistics of a backend that stays").isGreaterThanOrEqualTo(twelve);

                // The watch drops, resumes from 13, then the API server says 410 and jlb lists again.
                api.watch(0).add(FakeApiServer.END);
                api.watch(1).add(event("DELETED", slice("api-b", "14", p, "")));
                Loopback.await("a slice deleted", 10, () -> members(lb).equals(Set.of("127.0.0.12:" + p + "*2")));
                api.listBody = list("30", slice("api-a", "29", p, ep("127.0.0.12", true, true, false)),
                        slice("api-c", "30", p, ep("127.0.0.11", true, true, false)));
                api.watch(1).add("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}");
                Loopback.await("the relist after 410", 10, () -> members(lb).equals(
                        Set.of("127.0.0.11:" + p + "*2", "127.0.0.12:" + p + "*2")));
                api.watch(2);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (load.count() < 1000 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                load.stop();
                assertThat(load.count()).as("requests flowed across the changes").isBetween(50, 4000);
                assertThat(load.statuses()).as("no request failed across the changes: %s", load.failures())
                        .containsOnlyKeys(200);
            } finally {
                proxy.stop();
            }
            assertThat(d.stats().resolutions()).as("a list, four events, a relist").isEqualTo(6);
            assertThat(d.stats().failures()).isZero();
            List<String> watches = api.requests.stream().filter(r -> r.contains("watch=true")).toList();
            assertThat(watches).hasSize(3);
            assertThat(watches.get(1)).contains("resourceVersion=13");
            assertThat(watches.get(2)).contains("resourceVersion=30");
        }
    }
}
