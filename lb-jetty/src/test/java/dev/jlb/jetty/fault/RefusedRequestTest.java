package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord.Outcome;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 10, points 9 and 11 (TRACE): requests jlb answers itself, with a true record of each. */
@Timeout(30)
class RefusedRequestTest {

    private static ProxyOptions.Builder options() {
        return ProxyOptions.builder().retry(RetryPolicy.none());
    }

    private static void assertRefused(FaultHarness h, String raw, int status, String reason) throws Exception {
        RawClient.Reply reply = RawClient.exchange(h.port(), raw);
        assertThat(reply.status()).as(raw).isEqualTo(status);
        assertThat(reply.body()).as(raw).contains(reason);
        assertThat(h.assertSettled(1)).singleElement().satisfies(s -> {
            assertThat(s.status()).isEqualTo(status);
            assertThat(s.outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(s.attempts()).isZero();
        });
        assertThat(h.backend(0).requests()).isZero();
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void connectIs405(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(), ScriptedBackend.always(ScriptedBackend.ok("x")))) {
            assertRefused(h, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n",
                    405, "CONNECT");
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void traceIs405ByDefault(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(), ScriptedBackend.always(ScriptedBackend.ok("x")))) {
            assertRefused(h, "TRACE /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", 405, "allow_trace");
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void traceIsProxiedWhenAllowed(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options().allowTrace(true),
                ScriptedBackend.always(ScriptedBackend.ok("echo")))) {
            RawClient.Reply reply = RawClient.exchange(h.port(),
                    "TRACE /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("echo");
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::outcome)
                    .isEqualTo(Outcome.PROXIED);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void optionsAsteriskIs400(DataPath path) throws Exception {
        String raw = "OPTIONS * HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        try (FaultHarness h = new FaultHarness(path, options(), ScriptedBackend.always(ScriptedBackend.ok("x")))) {
            if (path == DataPath.SERVLET) {
                // The servlet container answers '*' itself (no servlet path matches it): jlb never sees it.
                assertThat(RawClient.exchange(h.port(), raw).status()).isEqualTo(404);
                assertThat(h.backend(0).requests()).isZero();
                return;
            }
            assertRefused(h, raw, 400, "OPTIONS *");
        }
    }
}
