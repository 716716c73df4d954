package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord.Outcome;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 10, point 14: methods are case-sensitive (RFC 9110 9.1), so a backend gets the method
 * exactly as the client spelled it, on every data path; {@code trace} and {@code connect} are refused
 * as {@code TRACE} and {@code CONNECT} are (a backend that upper-cases methods must not get them).
 */
@Timeout(30)
class MethodCaseTest {

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void methodIsForwardedAsSent(DataPath path) throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (FaultHarness h = new FaultHarness(path, ProxyOptions.builder().retry(RetryPolicy.none()),
                ScriptedBackend.recording(heads))) {
            List<String> methods = List.of("get", "Get", "post", "PURGE", "GET");
            for (String method : methods) {
                RawClient.Reply reply = RawClient.exchange(h.port(),
                        method + " /m HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                assertThat(reply.status()).as(method + ": " + reply).isEqualTo(200);
                assertThat(heads.get(heads.size() - 1)).as(method).startsWith(method + " /m HTTP/1.1\r\n");
            }
            assertThat(heads).hasSize(methods.size());
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void lowerCaseTraceAndConnectAreRefused(DataPath path) throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (FaultHarness h = new FaultHarness(path, ProxyOptions.builder().retry(RetryPolicy.none()),
                ScriptedBackend.recording(heads))) {
            RawClient.Reply trace = RawClient.exchange(h.port(),
                    "trace /m HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            RawClient.Reply connect = RawClient.exchange(h.port(),
                    "connect /m HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            assertThat(trace.status()).as(trace.toString()).isEqualTo(405);
            assertThat(trace.body()).contains("TRACE");
            assertThat(connect.status()).as(connect.toString()).isEqualTo(405);
            assertThat(connect.body()).contains("CONNECT");
            assertThat(heads).isEmpty();
            assertThat(h.assertSettled(2)).extracting(FaultHarness.Seen::outcome)
                    .containsExactly(Outcome.REFUSED, Outcome.REFUSED);
        }
    }
}
