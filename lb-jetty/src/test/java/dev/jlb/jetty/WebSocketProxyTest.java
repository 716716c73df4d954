package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.upgrade.UpgradedConnections;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * WebSocket through each adapter (handler, servlet, filter) to a real Jetty WebSocket echo backend:
 * messages of 1 byte to 1 MiB both ways, close codes and reasons both ways, ping/pong, the lease
 * held for the socket's life, a backend that dies, a client that goes away, a removed backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketProxyTest {

    @RegisterExtension
    final WsEchoExtension echo = new WsEchoExtension("least-connections");

    private WsClient open(ProxyFixture.Mode mode) throws Exception {
        echo.start(mode, ProxyOptions.defaults());
        return echo.connect("/api/chat?room=1");
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void echoesTextAndBinaryFromOneByteToOneMebibyte(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        Random random = new Random(7);
        for (int size : new int[] {1, 125, 126, 127, 65535, 65536, 300_000, 1024 * 1024}) {
            StringBuilder text = new StringBuilder(size);
            for (int i = 0; i < size; i++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            assertThat(ws.roundTrip(text.toString())).as("text of %d bytes", size).isEqualTo(text.toString());
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            ws.session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
            assertThat(ws.next()).as("binary of %d bytes", size).isEqualTo(ByteBuffer.wrap(bytes));
        }
        ws.session.close(1000, "done", Callback.NOOP);
        assertThat(ws.awaitClose()).isEqualTo("1000 done");
        assertThat(echo.backend.closes.poll(10, TimeUnit.SECONDS)).isEqualTo("1000 done");
        assertThat(ProxyFixture.awaitIdle(echo.lb)).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void handshakeIsRewrittenAsRequestsAre(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        String headers = (String) ws.roundTrip("headers");
        assertThat(headers).contains("via=1.1 jlb").contains("xff=127.0.0.1").contains("path=/api/chat?room=1")
                .contains("host=127.0.0.1:" + echo.proxy.connector.getLocalPort());
        ws.session.close(1000, "", Callback.NOOP);
        ws.awaitClose();
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void closeCodesAndReasonsPassBothWays(ProxyFixture.Mode mode) throws Exception {
        WsClient a = open(mode);
        a.session.close(4001, "client says bye", Callback.NOOP);
        assertThat(echo.backend.closes.poll(10, TimeUnit.SECONDS)).isEqualTo("4001 client says bye");
        assertThat(a.awaitClose()).isEqualTo("4001 client says bye");

        WsClient b = echo.connect("/api/chat");
        b.session.sendText("close 4002 backend says bye", Callback.NOOP);
        assertThat(b.awaitClose()).isEqualTo("4002 backend says bye");
        assertThat(ProxyFixture.awaitIdle(echo.lb)).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void pingGetsTheBackendsPong(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        ws.session.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        ByteBuffer pong = ws.pongs.poll(10, TimeUnit.SECONDS);
        assertThat(pong).isEqualTo(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)));
        assertThat(ws.roundTrip("still here")).isEqualTo("still here");
        ws.session.close(1000, "", Callback.NOOP);
        ws.awaitClose();
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void holdsOneLeaseForTheSocketsLife(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        assertThat(ws.roundTrip("x")).isEqualTo("x");
        assertThat(echo.lb.pool().stats().get(0).inFlight()).isEqualTo(1);
        assertThat(UpgradedConnections.of(echo.lb).count()).isEqualTo(1);
        ws.session.close(1000, "", Callback.NOOP);
        ws.awaitClose();
        assertThat(ProxyFixture.awaitIdle(echo.lb)).extracting(BackendStats::inFlight).containsOnly(0);
        assertThat(awaitOpen(echo.lb, 0)).isZero();
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void backendKilledMidSessionClosesTheClientAndReleasesTheLease(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        assertThat(ws.roundTrip("x")).isEqualTo("x");
        echo.backend.server.stop(); // every connection of the backend closes, without a close frame
        String close = ws.awaitClose();
        assertThat(close).startsWith("1001 backend went away");
        assertThat(ProxyFixture.awaitIdle(echo.lb)).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void clientGoneClosesTheBackendAndReleasesTheLease(ProxyFixture.Mode mode) throws Exception {
        echo.start(mode, ProxyOptions.defaults());
        // A raw client socket that does the handshake, then disappears without a close frame.
        try (Socket socket = new Socket("127.0.0.1", echo.proxy.connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readHead(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: websocket")
                    .contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assertThat(echo.lb.pool().stats().get(0).inFlight()).isEqualTo(1);
        }
        assertThat(echo.backend.closes.poll(10, TimeUnit.SECONDS)).isEqualTo("1001 client went away");
        assertThat(ProxyFixture.awaitIdle(echo.lb)).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void removingTheBackendClosesItsSocketsWith1001(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        assertThat(ws.roundTrip("x")).isEqualTo("x");
        Backend member = echo.lb.pool().backends().get(0);
        echo.lb.pool().remove(member);
        assertThat(ws.awaitClose()).isEqualTo("1001 backend removed");
        assertThat(ProxyFixture.awaitIdle(echo.lb)).isEmpty();
        assertThat(awaitOpen(echo.lb, 0)).isZero();
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void drainingLeavesOpenSocketsAlone(ProxyFixture.Mode mode) throws Exception {
        WsClient ws = open(mode);
        echo.lb.pool().drain(echo.lb.pool().backends().get(0));
        assertThat(ws.roundTrip("still open")).isEqualTo("still open");
        assertThat(echo.lb.pool().stats().get(0).inFlight()).isEqualTo(1);
        ws.session.close(1000, "", Callback.NOOP);
        ws.awaitClose();
    }

    @ParameterizedTest
    @EnumSource(ProxyFixture.Mode.class)
    void anUpgradeTheRouteDoesNotAllowIsRefused(ProxyFixture.Mode mode) throws Exception {
        echo.start(mode, ProxyOptions.defaults());
        try (Socket socket = new Socket("127.0.0.1", echo.proxy.connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/x HTTP/1.1\r\nHost: x\r\nUpgrade: foo/2\r\n"
                    + "Connection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400")
                    .endsWith("bad request: upgrade to foo/2 is not allowed on this route (allowed: websocket)\n");
        }
        assertThat(echo.lb.pool().stats().get(0).requests()).isZero();
    }

    /** Waits (bounded, 5 s) until {@code lb} has {@code expected} upgraded connections open; returns the count. */
    static int awaitOpen(LoadBalancer lb, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        while ((n = UpgradedConnections.of(lb).count()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return n;
    }

    static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        return head.toString();
    }
}
