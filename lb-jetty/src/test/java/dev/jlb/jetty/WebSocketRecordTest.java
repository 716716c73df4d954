package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the route's {@link ProxyListener} learns of upgrades: one record per upgraded connection once it
 * has ended (status 101, outcome {@code UPGRADED}, how it ended, the bytes relayed each way, the whole
 * session's duration), and one per refused handshake.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketRecordTest {

    /** One record, read during the call as the listener's contract asks. */
    record Seen(String method, String path, String query, int status, ProxyRecord.Outcome outcome,
            ProxyRecord.UpgradeEnd end, String upgrade, String backend, int attempts, long toClient, long fromClient,
            long latencyNanos) {
        static Seen of(ProxyRecord r) {
            return new Seen(r.method(), r.path(), r.query(), r.status(), r.outcome(), r.upgradeEnd(), r.upgrade(),
                    r.backend() == null ? null : r.backend().id(), r.attempts(), r.responseBytes(), r.requestBytes(),
                    r.latencyNanos());
        }
    }

    private final BlockingQueue<Seen> records = new LinkedBlockingQueue<>();
    @RegisterExtension
    final WsEchoExtension echo = new WsEchoExtension();

    private void start(ProxyFixture.Mode mode) throws Exception {
        echo.start(mode, ProxyOptions.builder().listener(r -> records.add(Seen.of(r))).build());
    }

    private Seen next() throws InterruptedException {
        Seen seen = records.poll(10, TimeUnit.SECONDS);
        assertThat(seen).as("a record within 10 s").isNotNull();
        return seen;
    }

    @ParameterizedTest
    @EnumSource(value = ProxyFixture.Mode.class, names = {"HANDLER", "SERVLET", "FILTER", "ENGINE"})
    void aSocketTheClientClosesIsRecordedOnceItEnded(ProxyFixture.Mode mode) throws Exception {
        start(mode);
        long beforeConnect = System.nanoTime();
        WsClient ws = echo.connect("/api/chat?room=1");
        long connected = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertThat(ws.roundTrip("hello")).isEqualTo("hello");
        }
        assertThat(records).as("nothing recorded while the socket is open").isEmpty();
        long beforeClose = System.nanoTime();
        ws.session.close(1000, "bye", Callback.NOOP);
        assertThat(ws.awaitClose()).isEqualTo("1000 bye");
        Seen seen = next();
        long after = System.nanoTime();
        assertThat(seen.status()).isEqualTo(101);
        assertThat(seen.outcome()).isEqualTo(ProxyRecord.Outcome.UPGRADED);
        assertThat(seen.end()).isEqualTo(ProxyRecord.UpgradeEnd.CLIENT_CLOSED);
        assertThat(seen.upgrade()).isEqualTo("websocket");
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.path()).isEqualTo("/api/chat");
        assertThat(seen.query()).isEqualTo("room=1");
        assertThat(seen.backend()).isEqualTo(echo.lb.pool().backends().get(0).id());
        assertThat(seen.attempts()).isEqualTo(1);
        // 20 masked "hello" frames (2 + 4 + 5 bytes) and a masked close 1000 "bye" (2 + 4 + 5) from the
        // client; 20 echoes (2 + 5) and the backend's close (2 + 5) to it.
        assertThat(seen.fromClient()).isEqualTo(20 * 11 + 11);
        assertThat(seen.toClient()).isEqualTo(20 * 7 + 7);
        assertThat(seen.latencyNanos()).as("the whole session").isGreaterThanOrEqualTo(beforeClose - connected)
                .isLessThanOrEqualTo(after - beforeConnect);
        assertThat(records).as("one record per socket").isEmpty();
    }

    @Test
    void aSocketTheBackendClosesIsRecordedAsBackendClosed() throws Exception {
        start(ProxyFixture.Mode.HANDLER);
        WsClient ws = echo.connect("/api/chat");
        ws.session.sendText("close 4002 backend says bye", Callback.NOOP);
        assertThat(ws.awaitClose()).isEqualTo("4002 backend says bye");
        Seen seen = next();
        assertThat(seen.outcome()).isEqualTo(ProxyRecord.Outcome.UPGRADED);
        assertThat(seen.end()).isEqualTo(ProxyRecord.UpgradeEnd.BACKEND_CLOSED);
    }

    @Test
    void aSocketOfARemovedBackendIsRecordedAsBackendRemoved() throws Exception {
        start(ProxyFixture.Mode.HANDLER);
        WsClient ws = echo.connect("/api/chat");
        assertThat(ws.roundTrip("x")).isEqualTo("x");
        echo.lb.pool().remove(echo.lb.pool().backends().get(0));
        assertThat(ws.awaitClose()).isEqualTo("1001 backend removed");
        assertThat(next().end()).isEqualTo(ProxyRecord.UpgradeEnd.BACKEND_REMOVED);
    }

    @Test
    void aRefusedUpgradeIsRecordedWhenAnswered() throws Exception {
        start(ProxyFixture.Mode.HANDLER);
        try (Socket socket = new Socket("127.0.0.1", echo.proxy.connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/x HTTP/1.1\r\nHost: x\r\nUpgrade: foo/2\r\n"
                    + "Connection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 400");
        }
        Seen seen = next();
        assertThat(seen.status()).isEqualTo(400);
        assertThat(seen.outcome()).isEqualTo(ProxyRecord.Outcome.REFUSED);
        assertThat(seen.upgrade()).isEqualTo("foo");
        assertThat(seen.end()).isNull();
        assertThat(seen.backend()).isNull();
        assertThat(seen.attempts()).isZero();
    }
}
