package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 10, point 4: a request that meets a keep-alive connection the backend just closed is sent
 * again on a new connection, without a failure counted.
 */
@Timeout(30)
class StaleConnectionTest {

    /**
     * Answers the first request of each connection; the second one of a connection is read and the
     * connection closed without a byte: the backend's keep-alive timeout firing as the request arrives.
     */
    private static final ScriptedBackend.Script CLOSES_REUSED = c -> {
        while (c.readRequest() != null) {
            if (c.requests() > 1) {
                return;
            }
            c.write(ScriptedBackend.ok("conn " + c.index));
        }
    };

    private static ProxyOptions.Builder options(RetryPolicy retry) {
        return ProxyOptions.builder().retry(retry).attemptTimeout(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aGetOnAStaleConnectionIsSentAgainOnANewOne(DataPath path) throws Exception {
        // Even with retries off: a stale connection is not an attempt of the policy.
        try (FaultHarness h = new FaultHarness(path, options(RetryPolicy.none()), CLOSES_REUSED)) {
            try (RawClient c = new RawClient(h.port())) {
                c.send("GET /a HTTP/1.1\r\nHost: test\r\n\r\n");
                assertThat(c.read().body()).isEqualTo("conn 1");
                c.send("GET /b HTTP/1.1\r\nHost: test\r\n\r\n");
                RawClient.Reply second = c.read();
                assertThat(second.status()).isEqualTo(200);
                assertThat(second.body()).isEqualTo("conn 2");
            }
            assertThat(h.assertSettled(2)).extracting(FaultHarness.Seen::status).containsExactly(200, 200);
            assertThat(h.backend(0).connections()).isEqualTo(2);
            BackendStats stats = h.loadBalancer.pool().stats().get(0);
            assertThat(stats.failures()).isZero();
            assertThat(stats.successes()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aPostOnAStaleConnectionIsNotSentAgain(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(RetryPolicy.defaults()), CLOSES_REUSED)) {
            try (RawClient c = new RawClient(h.port())) {
                c.send("GET /a HTTP/1.1\r\nHost: test\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
                c.send("POST /b HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi");
                RawClient.Reply second = c.read();
                assertThat(second.status()).isEqualTo(502);
                assertThat(second.body()).contains("closed the connection before a response");
            }
            assertThat(h.assertSettled(2)).extracting(FaultHarness.Seen::outcome)
                    .containsExactly(Outcome.PROXIED, Outcome.FAILED);
            assertThat(h.backend(0).connections()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aCloseOnANewConnectionIsABackendFailure(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(RetryPolicy.none()), c -> c.readRequest())) {
            RawClient.Reply reply = RawClient.get(h.port(), "/a");
            assertThat(reply.status()).isEqualTo(502);
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::outcome)
                    .isEqualTo(Outcome.FAILED);
            assertThat(h.backend(0).connections()).isEqualTo(1);
            assertThat(h.loadBalancer.pool().stats().get(0).failures()).isEqualTo(1);
        }
    }
}
