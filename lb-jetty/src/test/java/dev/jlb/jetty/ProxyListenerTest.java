package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static dev.jlb.jetty.ServersExtension.refusedUri;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.ProxyFixture.Mode;
import dev.jlb.jetty.ProxyRecord.Outcome;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link ProxyListener} sees each ended request once, with what the client got. Real servers on loopback. */
class ProxyListenerTest {

    /** What the listener copied out of a record during the call (the record is only valid then). */
    record Seen(String method, String path, String query, String client, String prefix, int status, long bytes,
            Backend backend, int attempts, long latencyNanos, Outcome outcome, boolean exhausted) {
        static Seen of(ProxyRecord r) {
            return new Seen(r.method(), r.path(), r.query(), r.clientAddress(), r.prefix(), r.status(),
                    r.responseBytes(), r.backend(), r.attempts(), r.latencyNanos(), r.outcome(), r.retriesExhausted());
        }
    }

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension();
    @RegisterExtension
    final ServersExtension servers = new ServersExtension();
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    private ProxyFixture proxy(Mode mode, String... backends) throws Exception {
        LoadBalancer lb = servers.balancer(LoadBalancer.builder().strategy(TestStrategies.rotation()).backends(backends)
                .outlierDetection(OutlierDetection.disabled()));
        ProxyOptions options = ProxyOptions.builder().listener(r -> seen.add(Seen.of(r)))
                .retry(RetryPolicy.builder().maxAttempts(2).build()).build();
        return servers.proxy(mode, lb, options);
    }

    private ContentResponse get(ProxyFixture proxy, String pathQuery) throws Exception {
        return CLIENT.get().newRequest(proxy.url(pathQuery)).timeout(10, TimeUnit.SECONDS).send();
    }

    private Seen next() throws InterruptedException {
        Seen s = seen.poll(5, TimeUnit.SECONDS);
        assertThat(s).as("a record within 5 s").isNotNull();
        return s;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aProxiedRequestIsRecordedOnceWithWhatTheClientGot(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = proxy(mode, a.uri());

        ContentResponse response = get(proxy, "/api/x?q=1");

        assertThat(response.getStatus()).isEqualTo(200);
        Seen s = next();
        assertThat(s.method()).isEqualTo("GET");
        assertThat(s.path()).isEqualTo("/api/x");
        assertThat(s.query()).isEqualTo("q=1");
        assertThat(s.client()).isEqualTo("127.0.0.1");
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.bytes()).isEqualTo(response.getContent().length);
        assertThat(s.backend()).isEqualTo(Backend.of(a.uri()));
        assertThat(s.attempts()).isEqualTo(1);
        assertThat(s.latencyNanos()).isPositive();
        assertThat(s.outcome()).isEqualTo(Outcome.PROXIED);
        assertThat(s.exhausted()).isFalse();
        assertThat(seen.poll(200, TimeUnit.MILLISECONDS)).as("only one record").isNull();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRetriedRequestNamesTheLastBackendAndCountsAttempts(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = proxy(mode, refusedUri(), a.uri());

        assertThat(get(proxy, "/api/y").getStatus()).isEqualTo(200);

        Seen s = next();
        assertThat(s.backend()).isEqualTo(Backend.of(a.uri()));
        assertThat(s.attempts()).isEqualTo(2);
        assertThat(s.outcome()).isEqualTo(Outcome.PROXIED);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void retriesThatRunOutAreFailedAndExhausted(Mode mode) throws Exception {
        String second = refusedUri();
        ProxyFixture proxy = proxy(mode, refusedUri(), second);

        ContentResponse response = get(proxy, "/api/z");

        assertThat(response.getStatus()).isEqualTo(502);
        Seen s = next();
        assertThat(s.status()).isEqualTo(502);
        assertThat(s.bytes()).isEqualTo(response.getContent().length);
        assertThat(s.attempts()).isEqualTo(2);
        assertThat(s.backend()).isEqualTo(Backend.of(second));
        assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(s.exhausted()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void noEligibleBackendIsRecordedWithoutABackend(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = proxy(mode, a.uri());
        proxy.loadBalancer.pool().drain(Backend.of(a.uri()));

        assertThat(get(proxy, "/api/w").getStatus()).isEqualTo(503);

        Seen s = next();
        assertThat(s.status()).isEqualTo(503);
        assertThat(s.backend()).isNull();
        assertThat(s.attempts()).isZero();
        assertThat(s.outcome()).isEqualTo(Outcome.NO_BACKEND);
        assertThat(s.exhausted()).isFalse();
    }
}
