package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many WebSockets at once: least-connections sees each as one request in flight; sticky cookies pin them. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketSpreadTest {

    @Test
    void twoHundredConcurrentSocketsAreSpreadByLeastConnections() throws Exception {
        try (WsEchoBackend a = new WsEchoBackend("a"); WsEchoBackend b = new WsEchoBackend("b")) {
            LoadBalancer lb = LoadBalancer.builder().strategy("least-connections").backends(a.uri(), b.uri()).build();
            WebSocketClient client = WsClient.newClient();
            try (ProxyFixture proxy = ProxyFixture.start(ProxyFixture.Mode.HANDLER, lb, ProxyOptions.defaults())) {
                List<WsClient> sockets = new ArrayList<>();
                List<CompletableFuture<Session>> opening = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    WsClient ws = new WsClient();
                    sockets.add(ws);
                    opening.add(client.connect(ws, URI.create(proxy.url("/api/s" + i).replaceFirst("^http", "ws"))));
                }
                CompletableFuture.allOf(opening.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
                for (WsClient ws : sockets) {
                    assertThat(ws.roundTrip("ping")).isEqualTo("ping");
                }
                List<BackendStats> stats = lb.pool().stats();
                assertThat(stats).extracting(BackendStats::inFlight).allSatisfy(n -> assertThat(n).isBetween(80, 120));
                assertThat(stats.get(0).inFlight() + stats.get(1).inFlight()).isEqualTo(200);
                assertThat(a.open.get() + b.open.get()).isEqualTo(200);
                for (WsClient ws : sockets) {
                    ws.session.close(1000, "bye", Callback.NOOP);
                }
                for (WsClient ws : sockets) {
                    assertThat(ws.awaitClose()).isEqualTo("1000 bye");
                }
                assertThat(ProxyFixture.awaitIdle(lb)).extracting(BackendStats::inFlight).containsOnly(0);
                assertThat(WebSocketProxyTest.awaitOpen(lb, 0)).isZero();
            } finally {
                client.stop();
            }
        }
    }

    @Test
    void theStickyCookieOfTheHandshakePinsLaterSockets() throws Exception {
        try (WsEchoBackend a = new WsEchoBackend("a"); WsEchoBackend b = new WsEchoBackend("b");
                WsEchoBackend c = new WsEchoBackend("c")) {
            LoadBalancer lb = LoadBalancer.builder().strategy("round-robin").backends(a.uri(), b.uri(), c.uri())
                    .build();
            ProxyOptions options = ProxyOptions.builder().stickyCookie(StickySessionTest.STICKY).build();
            WebSocketClient client = WsClient.newClient();
            try (ProxyFixture proxy = ProxyFixture.start(ProxyFixture.Mode.HANDLER, lb, options)) {
                WsClient first = WsClient.connect(client, proxy.url("/api/chat"));
                String pinned = (String) first.roundTrip("who");
                List<String> setCookie = first.session.getUpgradeResponse().getHeaders("Set-Cookie");
                assertThat(setCookie).hasSize(1);
                String cookie = setCookie.get(0).split(";", 2)[0];
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 6; i++) {
                    ClientUpgradeRequest request = WsClient.request(proxy.url("/api/chat"));
                    request.setHeader("Cookie", cookie);
                    WsClient again = WsClient.connect(client, request);
                    seen.add((String) again.roundTrip("who"));
                    again.session.close(1000, "", Callback.NOOP);
                    again.awaitClose();
                }
                assertThat(seen).containsExactly(pinned);
                first.session.close(1000, "", Callback.NOOP);
            } finally {
                client.stop();
            }
        }
    }
}
