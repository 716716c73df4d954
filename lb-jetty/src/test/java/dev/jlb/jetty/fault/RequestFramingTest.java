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

/** Issue 10, point 7: framing jlb does not trust is refused on every data path, and the connection closed. */
@Timeout(30)
class RequestFramingTest {

    private static ProxyOptions.Builder options() {
        return ProxyOptions.builder().retry(RetryPolicy.none());
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void chunkedHttp10IsRefusedAndTheConnectionClosed(DataPath path) throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (FaultHarness h = new FaultHarness(path, options(), ScriptedBackend.recording(heads));
                RawClient client = new RawClient(h.port())) {
            // RFC 9112 6.1: chunked on HTTP/1.0 means the framing cannot be trusted; close after responding.
            client.send("POST /x HTTP/1.0\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n"
                    + "GET /second HTTP/1.1\r\nHost: test\r\n\r\n");
            RawClient.Reply reply = client.read();
            assertThat(reply).isNotNull();
            assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
            assertThat(reply.body()).contains("chunked").contains("HTTP/1.0");
            assertThat(client.closedByServer()).as("connection closed after the 400").isTrue();
            assertThat(heads).as("requests the backend saw").isEmpty();
            assertThat(h.backend(0).requests()).isZero();
            assertThat(h.assertSettled(1)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(400);
                assertThat(s.outcome()).isEqualTo(Outcome.REFUSED);
            });
        }
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void chunkedHttp11IsStillProxied(DataPath path) throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (FaultHarness h = new FaultHarness(path, options(), ScriptedBackend.recording(heads))) {
            RawClient.Reply reply = RawClient.exchange(h.port(), "POST /x HTTP/1.1\r\nHost: test\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
            assertThat(heads).hasSize(1);
        }
    }
}
