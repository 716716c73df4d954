package dev.jlb.jetty.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS discovery against a real DNS server (dnsmasq on a loopback port) whose records change while
 * requests flow through jlb's handler to real Jetty backends on 127.0.0.11-13.
 */
@Timeout(120)
class DnsmasqDiscoveryTest {

    @TempDir
    Path dir;

    private Dnsmasq dns;
    private List<Server> backends;
    private final HttpClient client = new HttpClient();

    @BeforeEach
    void start() throws Exception {
        if (Dnsmasq.binary() == null) {
            String message = "\n\n*** DnsmasqDiscoveryTest SKIPPED: dnsmasq is not installed (.ci/run installs it:"
                    + " apt-get install -y dnsmasq) ***\n";
            System.err.println(message);
            Assumptions.abort(message);
        }
        dns = new Dnsmasq(dir);
        backends = Loopback.backends(11, 3);
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        if (backends != null) {
            for (Server s : backends) {
                s.stop();
            }
        }
        if (dns != null) {
            dns.close();
        }
    }

    private int port() {
        return Loopback.port(backends.get(0));
    }

    private DnsDiscovery.Builder discovery(String url) {
        return DnsDiscovery.builder(url).minTtl(Duration.ofMillis(200)).maxTtl(Duration.ofSeconds(1))
                .resolver(new DnsResolverOptions(List.of(DnsResolverOptions.server(dns.server())), Duration.ofMillis(300)));
    }

    private static Set<String> members(LoadBalancer lb) {
        return lb.pool().backends().stream().map(b -> b.id() + "*" + b.weight()).collect(Collectors.toSet());
    }

    @Test
    void membershipFollowsTheRecordsAndNoRequestFailsAcrossChanges() throws Exception {
        int p = port();
        dns.hosts("127.0.0.11 api.jlb.test", "127.0.0.12 api.jlb.test");
        dns.start(0);
        DnsDiscovery d = discovery("dns://api.jlb.test:" + p).weight(2).build();
        try (LoadBalancer lb = LoadBalancer.builder().name("api").discovery(d).build()) {
            Server proxy = Loopback.proxy(lb);
            try (Loopback.Load load = new Loopback.Load(client, "http://127.0.0.1:" + Loopback.port(proxy) + "/", 4000)) {
                Loopback.await("the first answer", 10, () -> members(lb).equals(Set.of("127.0.0.11:" + p + "*2",
                        "127.0.0.12:" + p + "*2")));
                assertThat(lb.pool().backends()).allSatisfy(b -> assertThat(b.source()).isEqualTo("dns://api.jlb.test:" + p));
                assertThat(d.nextLookupDelay()).as("TTL 0, clamped to min_ttl").isEqualTo(Duration.ofMillis(200));

                dns.hosts("127.0.0.11 api.jlb.test", "127.0.0.12 api.jlb.test", "127.0.0.13 api.jlb.test");
                dns.reload();
                Loopback.await("an address added", 10, () -> members(lb).size() == 3);
                Backend twelve = Backend.of("http://127.0.0.12:" + p);
                Loopback.await("requests reach the new address", 10,
                        () -> lb.pool().stats(Backend.of("http://127.0.0.13:" + p)).orElseThrow().successes() > 0);
                long twelveBefore = lb.pool().stats(twelve).orElseThrow().successes();

                dns.hosts("127.0.0.12 api.jlb.test", "127.0.0.13 api.jlb.test");
                dns.reload();
                Loopback.await("an address removed", 10, () -> members(lb).equals(Set.of("127.0.0.12:" + p + "*2",
                        "127.0.0.13:" + p + "*2")));
                assertThat(lb.pool().stats(twelve).orElseThrow().successes()).as("statistics of an address that stays")
                        .isGreaterThanOrEqualTo(twelveBefore);

                dns.restart(1);
                Loopback.await("the new TTL read from the answer", 10,
                        () -> d.nextLookupDelay().equals(Duration.ofSeconds(1)));

                long failures = d.stats().failures();
                dns.stop();
                Loopback.await("lookups fail while the server is down", 15, () -> d.stats().failures() >= failures + 2);
                assertThat(members(lb)).as("the last good set stays").hasSize(2);
                assertThat(d.stats().lastError()).isNotEmpty();
                dns.start(1);
                long resolutions = d.stats().resolutions();
                Loopback.await("answers again after the server is back", 15, () -> d.stats().resolutions() > resolutions);
                // Bounded at 4000 requests and 20 s more; how many fit depends on the machine (thousands when idle).
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
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

            long before = d.stats().resolutions();
            dns.hosts();
            dns.reload();
            Loopback.await("NXDOMAIN empties the set", 15, () -> lb.pool().backends().isEmpty());
            assertThat(d.stats().resolutions() - before).as("only after empty_after (3) answers").isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void srvRecordsGivePortsWeightsAndAStandbyPriorityThatJoinsWhenThePrimaryIsDown() throws Exception {
        int p = port();
        dns.hosts("127.0.0.11 a.jlb.test", "127.0.0.12 b.jlb.test", "127.0.0.13 c.jlb.test");
        dns.start(0, "_http._tcp.api.jlb.test,a.jlb.test," + p + ",0,5", "_http._tcp.api.jlb.test,c.jlb.test," + p + ",1,1");
        OutlierDetection eject = OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(100).build();
        try (LoadBalancer lb = LoadBalancer.builder().outlierDetection(eject).panic(PanicMode.ROUTE_ALL, 0)
                .discovery(discovery("srv://_http._tcp.api.jlb.test").build()).build()) {
            Loopback.await("priority 0 only", 10, () -> members(lb).equals(Set.of("127.0.0.11:" + p + "*5")));
            lb.select(RequestContext.empty()).onFailure(FailureKind.CONNECT, 1000);
            Loopback.await("the standby joins while the primary is ejected", 10,
                    () -> members(lb).equals(Set.of("127.0.0.11:" + p + "*5", "127.0.0.13:" + p + "*1")));
            assertThat(lb.select(RequestContext.empty()).backend().id()).isEqualTo("127.0.0.13:" + p);

            dns.restart(0, "_http._tcp.api.jlb.test,b.jlb.test," + p + ",0,7", "_http._tcp.api.jlb.test,c.jlb.test," + p + ",1,1");
            Loopback.await("a new healthy primary sends the standby away", 10,
                    () -> members(lb).equals(Set.of("127.0.0.12:" + p + "*7")));
            Map<String, String> sources = lb.pool().backends().stream().collect(Collectors.toMap(Backend::id, Backend::source));
            assertThat(sources).containsEntry("127.0.0.12:" + p, "srv://_http._tcp.api.jlb.test");
        }
    }
}
