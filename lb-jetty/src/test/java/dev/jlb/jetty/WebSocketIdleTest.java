package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The WebSocket idle timeout ({@code timeouts.websocket_idle}) through each adapter, with a short one
 * (1 s; Jetty's endpoint idle timeouts run on the real clock): a socket that sends nothing is
 * closed with 1001 "idle timeout", its lease released and its end recorded as such, while one that
 * keeps sending stays open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketIdleTest {

    /**
     * Short, but well above the pauses of a loaded machine: the busy socket must never be silent this
     * long between two round trips.
     */
    private static final Duration IDLE = Duration.ofSeconds(1);

    @RegisterExtension
    final WsEchoExtension echo = new WsEchoExtension();

    @ParameterizedTest
    @EnumSource(value = ProxyFixture.Mode.class, names = {"HANDLER", "SERVLET", "FILTER", "ENGINE"})
    void anIdleSocketIsClosedAndOneThatKeepsSendingIsNot(ProxyFixture.Mode mode) throws Exception {
        BlockingQueue<String> ended = new LinkedBlockingQueue<>();
        echo.start(mode, ProxyOptions.builder().websocketIdleTimeout(IDLE)
                .listener(r -> ended.add(r.path() + " " + r.status() + " " + r.upgradeEnd())).build());
        WsClient busy = echo.connect("/api/busy");
        WsClient idle = echo.connect("/api/idle");
        assertThat(echo.lb.pool().stats().get(0).inFlight()).isEqualTo(2);
        long lastSent = System.nanoTime(); // the idle socket's last traffic is after this
        assertThat(idle.roundTrip("last words")).isEqualTo("last words");

        int n = 0;
        while (!idle.closed.isDone() && System.nanoTime() - lastSent < TimeUnit.SECONDS.toNanos(20)) {
            roundTrip(busy, n++);
        }
        long closedAfter = System.nanoTime() - lastSent;
        assertThat(idle.awaitClose()).isEqualTo("1001 idle timeout");
        assertThat(Duration.ofNanos(closedAfter)).as("closed after").isGreaterThanOrEqualTo(IDLE);
        assertThat(echo.backend.closes.poll(10, TimeUnit.SECONDS)).as("the idle socket's backend side closed")
                .isNotNull();
        assertThat(awaitInFlight(1)).as("in flight once the idle socket is gone").isEqualTo(1);
        assertThat(ended.poll(10, TimeUnit.SECONDS)).isEqualTo("/api/idle 101 IDLE_TIMEOUT");

        // Two more idle timeouts of traffic on the busy socket: still open.
        long closedAt = System.nanoTime();
        while (System.nanoTime() - closedAt < 2 * IDLE.toNanos()) {
            roundTrip(busy, n++);
        }
        assertThat(busy.closed).isNotDone();
        assertThat(WebSocketProxyTest.awaitOpen(echo.lb, 1)).isEqualTo(1);
        busy.session.close(1000, "done", Callback.NOOP);
        assertThat(busy.awaitClose()).isEqualTo("1000 done");
        assertThat(ProxyFixture.awaitIdle(echo.lb)).extracting(BackendStats::inFlight).containsOnly(0);
        assertThat(WebSocketProxyTest.awaitOpen(echo.lb, 0)).isZero();
        assertThat(ended.poll(10, TimeUnit.SECONDS)).isEqualTo("/api/busy 101 CLIENT_CLOSED");
    }

    private static void roundTrip(WsClient ws, int n) throws Exception {
        assertThat(ws.closed).as("the busy socket (closed: %s)", ws.closed.getNow("no")).isNotDone();
        assertThat(ws.roundTrip("m" + n)).isEqualTo("m" + n);
    }

    /** Waits (bounded, 5 s) until the backend has {@code expected} requests in flight; returns the count. */
    private int awaitInFlight(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        while ((n = echo.lb.pool().stats().get(0).inFlight()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return n;
    }
}
