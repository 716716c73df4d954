package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord.Outcome;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue 10, points 6 and 8: response heads a proxy must not relay get a 502 with a reason. */
@Timeout(30)
class BadResponseTest {

    private static ProxyOptions.Builder options() {
        return ProxyOptions.builder().retry(RetryPolicy.none()).attemptTimeout(Duration.ofSeconds(5));
    }

    private static String headers(int bytes) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
        int i = 0;
        while (sb.length() < bytes) {
            sb.append("X-Filler-").append(i++).append(": ").append("v".repeat(200)).append("\r\n");
        }
        return sb.append("\r\nok").toString();
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void responseHeadersOverTheLimitAreA502(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options().maxResponseHeaderSize(4096),
                ScriptedBackend.always(headers(8 * 1024)))) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).contains("response headers exceed 4096 bytes");
            assertThat(h.assertSettled(1)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(502);
                assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void responseHeadersUnderTheLimitPass(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options().maxResponseHeaderSize(16 * 1024),
                ScriptedBackend.always(headers(12 * 1024)))) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("ok");
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::status).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aTenMebibyteHeaderIsA502(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(), c -> {
            c.readRequest();
            c.write("HTTP/1.1 200 OK\r\nX-Huge: ");
            byte[] block = "a".repeat(64 * 1024).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 160; i++) {
                c.write(block); // stops when jlb closes the connection
            }
        })) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).contains("response headers exceed " + ProxyOptions.DEFAULT_MAX_RESPONSE_HEADER_SIZE);
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::status).isEqualTo(502);
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void anUnasked101IsA502(DataPath path) throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(), c -> {
            c.readRequest();
            c.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            c.write("garbage after the switch");
            c.hang();
        })) {
            RawClient.Reply reply = RawClient.get(h.port(), "/x");
            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.body()).contains("switched protocols (101) without being asked");
            assertThat(h.assertSettled(1)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(502);
                assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
            });
        }
    }
}
