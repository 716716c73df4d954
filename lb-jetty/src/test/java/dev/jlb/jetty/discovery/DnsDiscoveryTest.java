package dev.jlb.jetty.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.testing.ManualScheduler;
import dev.jlb.RandomSource;
import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.jetty.discovery.DnsLookup.Answer;
import dev.jlb.jetty.discovery.DnsLookup.Rec;
import dev.jlb.jetty.discovery.DnsLookup.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** DnsDiscovery's logic against a scripted resolver and a manual clock: TTLs, back-off, emptying, SRV. */
class DnsDiscoveryTest {

    /** Answers from a table the test changes; a name mapped to null fails (a timeout). */
    static final class ScriptedLookup implements DnsLookup {
        final Map<String, Answer> answers = new HashMap<>();
        final List<String> asked = new ArrayList<>();

        @Override
        public synchronized CompletionStage<Answer> query(String name, Type type) {
            asked.add(type + " " + name);
            String key = type + " " + name;
            if (!answers.containsKey(key)) {
                return CompletableFuture.completedFuture(new Answer(true, List.of(), 5, List.of()));
            }
            Answer a = answers.get(key);
            return a == null ? CompletableFuture.failedFuture(new TimeoutException("Timed out")) : CompletableFuture.completedFuture(a);
        }

        synchronized void a(String name, long ttl, String... addresses) {
            List<Rec> recs = new ArrayList<>();
            for (String address : addresses) {
                recs.add(Rec.address(Type.A, name, address, ttl));
            }
            answers.put("A " + name, new Answer(false, recs, recs.isEmpty() ? -1 : ttl, List.of()));
            answers.put("AAAA " + name, new Answer(false, List.of(), 30, List.of()));
        }

        synchronized void down() {
            answers.replaceAll((k, v) -> null);
        }
    }

    private final ManualScheduler scheduler = new ManualScheduler();
    private final ScriptedLookup lookup = new ScriptedLookup();
    private final List<String> reports = new ArrayList<>();

    private DnsDiscovery start(DnsDiscovery.Builder builder) {
        DnsDiscovery d = builder.scheduler(scheduler).random(RandomSource.seeded(7)).build(lookup);
        d.start(backends -> reports.add(describe(backends)));
        return d;
    }

    private static String describe(List<DiscoveredBackend> backends) {
        return backends.stream().map(DiscoveredBackend::toString).collect(Collectors.joining(" ", "[", "]"));
    }

    @Test
    void reResolvesAfterTheTtlClampedToMinAndMax() {
        lookup.a("api.test.", 7, "10.0.0.1", "10.0.0.2");
        DnsDiscovery d = start(DnsDiscovery.builder("dns://api.test:8080").weight(3));
        scheduler.advance(Duration.ZERO);
        assertThat(reports).containsExactly("[10.0.0.1:8080*3 10.0.0.2:8080*3]");
        assertThat(d.current()).allSatisfy(b -> assertThat(b.backend().source()).isEqualTo("dns://api.test:8080"));
        assertThat(d.nextLookupDelay()).isEqualTo(Duration.ofSeconds(7));

        lookup.a("api.test.", 600, "10.0.0.2", "10.0.0.3");
        scheduler.advance(Duration.ofMillis(6999));
        assertThat(reports).hasSize(1);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(reports).containsExactly("[10.0.0.1:8080*3 10.0.0.2:8080*3]", "[10.0.0.2:8080*3 10.0.0.3:8080*3]");
        assertThat(d.nextLookupDelay()).as("max_ttl 60s").isEqualTo(Duration.ofSeconds(60));

        lookup.a("api.test.", 0, "10.0.0.2", "10.0.0.3");
        scheduler.advance(Duration.ofSeconds(60));
        assertThat(reports).as("an unchanged answer reports nothing").hasSize(2);
        assertThat(d.nextLookupDelay()).as("min_ttl 1s").isEqualTo(Duration.ofSeconds(1));
        assertThat(d.stats().resolutions()).isEqualTo(3);
        assertThat(d.stats().lastSuccessEpochMillis()).isPositive();
        d.close();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(d.stats().resolutions()).as("nothing after close").isEqualTo(3);
    }

    @Test
    void failuresKeepTheLastGoodSetAndBackOffExponentiallyWithJitter() {
        lookup.a("api.test.", 2, "10.0.0.1");
        DnsDiscovery d = start(DnsDiscovery.builder("dns://api.test:80").minTtl(Duration.ofSeconds(1))
                .maxTtl(Duration.ofSeconds(30)));
        scheduler.advance(Duration.ZERO);
        lookup.down();
        List<Long> delays = new ArrayList<>();
        scheduler.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 7; i++) {
            Duration delay = d.nextLookupDelay();
            delays.add(delay.toMillis());
            scheduler.advance(delay);
        }
        assertThat(reports).as("the last good set stays").containsExactly("[10.0.0.1:80]");
        assertThat(d.stats().failures()).isEqualTo(8);
        assertThat(d.stats().lastError()).isEqualTo("TimeoutException: Timed out");
        long[] base = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
        for (int i = 0; i < base.length; i++) {
            assertThat(delays.get(i)).as("back-off %d of %s", i, delays).isBetween((long) (base[i] * 0.8), (long) (base[i] * 1.2));
        }
        assertThat(delays.stream().distinct().count()).as("jittered: %s", delays).isGreaterThan(5);

        lookup.a("api.test.", 2, "10.0.0.9");
        scheduler.advance(d.nextLookupDelay());
        assertThat(reports).containsExactly("[10.0.0.1:80]", "[10.0.0.9:80]");
        assertThat(d.nextLookupDelay()).as("back to the TTL").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void nxdomainEmptiesOnlyAfterEmptyAfterAnswersInARow() {
        lookup.a("api.test.", 1, "10.0.0.1");
        DnsDiscovery d = start(DnsDiscovery.builder("dns://api.test:80").emptyAfter(3));
        scheduler.advance(Duration.ZERO);
        lookup.answers.clear(); // NXDOMAIN, negative TTL 5s
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(d.nextLookupDelay()).as("the negative TTL").isEqualTo(Duration.ofSeconds(5));
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(reports).as("two NXDOMAINs keep the set").containsExactly("[10.0.0.1:80]");
        lookup.a("api.test.", 1, "10.0.0.1");
        scheduler.advance(Duration.ofSeconds(5));
        lookup.answers.clear();
        scheduler.advance(Duration.ofSeconds(1));
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(reports).as("a good answer between resets the count").containsExactly("[10.0.0.1:80]");
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(reports).containsExactly("[10.0.0.1:80]", "[]");
        assertThat(d.current()).isEmpty();

        lookup.a("api.test.", 1);
        assertThat(lookup.answers.get("A api.test.").records()).isEmpty();
    }

    @Test
    void srvRecordsGiveTargetPortWeightAndPriority() {
        lookup.answers.put("SRV _http._tcp.api.test.", new Answer(false, List.of(
                Rec.srv("_http._tcp.api.test.", "b.test.", 8081, 10, 5, 30),
                Rec.srv("_http._tcp.api.test.", "a.test.", 8080, 0, 0, 30),
                Rec.srv("_http._tcp.api.test.", "c.test.", 8082, 0, 70000, 30)), 30,
                List.of(Rec.address(Type.A, "a.test.", "10.0.0.1", 4))));
        lookup.a("b.test.", 20, "10.0.0.2");
        lookup.a("c.test.", 20, "10.0.0.3", "10.0.0.4");
        DnsDiscovery d = start(DnsDiscovery.builder("srv://_http._tcp.api.test"));
        scheduler.advance(Duration.ZERO);
        assertThat(reports).containsExactly("[10.0.0.1:8080 10.0.0.3:8082*10000 10.0.0.4:8082*10000 10.0.0.2:8081*5 p10]");
        assertThat(lookup.asked).as("the additional section saves a lookup").doesNotContain("A a.test.");
        assertThat(d.nextLookupDelay()).as("the smallest TTL of the chain").isEqualTo(Duration.ofSeconds(4));
        assertThat(d.source()).isEqualTo("srv://_http._tcp.api.test");
    }

    @Test
    void anSrvWeightThatAloneChangesIsReported() {
        lookup.answers.put("SRV _http._tcp.api.test.", new Answer(false, List.of(
                Rec.srv("_http._tcp.api.test.", "a.test.", 8080, 0, 5, 30)), 30, List.of()));
        lookup.a("a.test.", 30, "10.0.0.1");
        DnsDiscovery d = start(DnsDiscovery.builder("srv://_http._tcp.api.test"));
        scheduler.advance(Duration.ZERO);
        assertThat(reports).containsExactly("[10.0.0.1:8080*5]");
        lookup.answers.put("SRV _http._tcp.api.test.", new Answer(false, List.of(
                Rec.srv("_http._tcp.api.test.", "a.test.", 8080, 0, 50, 30)), 30, List.of()));
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(reports).as("same backend, new weight").containsExactly("[10.0.0.1:8080*5]", "[10.0.0.1:8080*50]");
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(reports).as("nothing changed").hasSize(2);
        d.close();
    }

    @Test
    void urlsAndOptionsAreJudgedWithTheirNames() {
        assertThatThrownBy(() -> DnsDiscovery.builder("dns://api.test")).hasMessage(
                "url: dns://api.test (expected: a port, as in dns://name:8080)");
        assertThatThrownBy(() -> DnsDiscovery.builder("dns://api.test:0")).hasMessage(
                "url: dns://api.test:0 (expected: a port in 1..65535)");
        assertThatThrownBy(() -> DnsDiscovery.builder("srv://api.test")).hasMessage(
                "url: srv://api.test (expected: srv://_service._proto.name such as srv://_http._tcp.api.internal)");
        assertThatThrownBy(() -> DnsDiscovery.builder("http://api.test")).hasMessage(
                "url: http://api.test (expected: dns://name:port or srv://_service._proto.name)");
        assertThatThrownBy(() -> DnsDiscovery.builder("dns://a b:80")).hasMessageStartingWith("url: dns://a b:80 (expected: a DNS name");
        assertThatThrownBy(() -> DnsDiscovery.builder("dns://a:80").emptyAfter(0)).hasMessage("empty_after: 0 (expected: >= 1)");
        assertThatThrownBy(() -> DnsDiscovery.builder("dns://a:80").minTtl(Duration.ofSeconds(5))
                .maxTtl(Duration.ofSeconds(2)).build(lookup)).hasMessage("max_ttl: 2s (expected: >= min_ttl (5s))");
        assertThatThrownBy(() -> DnsResolverOptions.server("127.0.0.1:x")).hasMessage(
                "server: 127.0.0.1:x (expected: an address with an optional port such as 127.0.0.1:5353)");
        assertThat(DnsResolverOptions.server("[::1]:5353").getPort()).isEqualTo(5353);
        assertThat(DnsResolverOptions.server("127.0.0.1").getPort()).isEqualTo(53);
    }
}
