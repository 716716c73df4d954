package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 10, point 1: a backend's 1xx interim responses never hang the exchange. */
@Timeout(30)
class InterimResponseTest {

    private static ProxyOptions.Builder options() {
        return ProxyOptions.builder().retry(RetryPolicy.none()).attemptTimeout(Duration.ofSeconds(5));
    }

    private static ScriptedBackend.Script interimThenOk(String interim) {
        return c -> {
            while (c.readRequest() != null) {
                c.write(interim);
                c.write(ScriptedBackend.ok("final"));
            }
        };
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void continue100IsConsumed(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(), interimThenOk("HTTP/1.1 100 Continue\r\n\r\n"))) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("final");
            assertThat(h.assertSettled(1)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(200);
                assertThat(s.outcome()).isEqualTo(Outcome.PROXIED);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void processing102IsConsumed(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(),
                interimThenOk("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"))) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("final");
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::status).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void earlyHints103AreDroppedAndTheFinalResponseProxied(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(),
                interimThenOk("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"))) {
            try (RawClient c = new RawClient(h.port())) {
                c.send("GET /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
                RawClient.Reply reply = c.read();
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.header("Link")).isNull();
                assertThat(reply.body()).isEqualTo("final");
            }
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::status).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void continueThenCloseIsA502(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(), c -> {
            c.readRequest();
            c.write("HTTP/1.1 100 Continue\r\n\r\n");
        })) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).contains("closed the connection");
            assertThat(h.assertSettled(1)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(502);
                assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void theAttemptTimeoutRunsUntilTheFinalHeaders(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options().attemptTimeout(Duration.ofMillis(300)), c -> {
            c.readRequest();
            c.write("HTTP/1.1 102 Processing\r\n\r\n");
            c.hang();
        })) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(504);
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::status).isEqualTo(504);
        }
    }
}
