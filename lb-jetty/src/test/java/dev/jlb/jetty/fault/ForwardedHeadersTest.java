package dev.jlb.jetty.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 10, point 11: a client's {@code X-Forwarded-*} claims reach backends only when its address
 * is one of the {@code trusted_proxies}; otherwise jlb's own values from the connection replace them.
 * The client here is 127.0.0.1, trusted or not, on every data path; the backend records the heads it
 * received.
 */
@Timeout(30)
class ForwardedHeadersTest {

    private static final String SPOOFED = "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\n"
            + "X-Forwarded-For: 1.2.3.4\r\n";

    private final List<String> heads = new CopyOnWriteArrayList<>();

    private static ProxyOptions.Builder options(String... trusted) {
        return ProxyOptions.builder().retry(RetryPolicy.none()).trustedProxies(List.of(trusted));
    }

    /** Every value of {@code name} in a request head, one per header line, in order. */
    private static List<String> values(String head, String name) {
        List<String> values = new ArrayList<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(
                    name.toLowerCase(Locale.ROOT))) {
                values.add(line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    private String onlyHead() {
        assertThat(heads).as("requests the backend received").hasSize(1);
        return heads.get(0);
    }

    private static String get(String extraHeaders) {
        return "GET /x HTTP/1.1\r\nHost: test\r\n" + extraHeaders + "Connection: close\r\n\r\n";
    }

    /**
     * One GET with {@code extraHeaders} on {@code path}, through jlb trusting {@code trusted}: checks the
     * client's 200 and that the listener recorded {@code client} as the client; returns the only head
     * the backend received.
     */
    private String forwardedHead(DataPath path, String extraHeaders, String client, String... trusted)
            throws Exception {
        try (FaultHarness h = new FaultHarness(path, options(trusted), ScriptedBackend.recording(heads))) {
            assertThat(RawClient.exchange(h.port(), get(extraHeaders)).status()).isEqualTo(200);
            String head = onlyHead();
            assertThat(h.assertSettled(1)).singleElement().extracting(FaultHarness.Seen::client)
                    .as("the client a strategy and the access log see").isEqualTo(client);
            return head;
        }
    }

    /** {@code head} carries jlb's own values from the connection: the peer, plain HTTP, the client's Host. */
    private static void assertTheConnectionsValues(String head) {
        assertThat(values(head, "X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(values(head, "X-Forwarded-Proto")).containsExactly("http");
        assertThat(values(head, "X-Forwarded-Host")).containsExactly("test");
    }

    /** {@code head} carries the claims of {@link #SPOOFED}, the peer added to {@code X-Forwarded-For}. */
    private static void assertTheSpoofedClaimsPassedOn(String head) {
        assertThat(values(head, "X-Forwarded-For")).containsExactly("1.2.3.4, 127.0.0.1");
        assertThat(values(head, "X-Forwarded-Proto")).containsExactly("https");
        assertThat(values(head, "X-Forwarded-Host")).containsExactly("evil");
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void anUntrustedClientsClaimsAreReplacedByTheConnections(DataPath path) throws Exception {
        String head = forwardedHead(path, SPOOFED, "127.0.0.1");
        assertTheConnectionsValues(head);
        assertThat(head).doesNotContain("1.2.3.4").doesNotContain("evil").doesNotContain("https");
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aListThatDoesNotHoldThePeerTrustsNoOne(DataPath path) throws Exception {
        assertTheConnectionsValues(forwardedHead(path, SPOOFED, "127.0.0.1", "10.0.0.0/8", "::1/128"));
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aTrustedProxysClaimsArePassedOnAndItsClientIsTheClient(DataPath path) throws Exception {
        assertTheSpoofedClaimsPassedOn(forwardedHead(path, SPOOFED, "1.2.3.4", "127.0.0.0/8"));
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void theClientIsTheRightMostUntrustedHopOfEveryForwardedForLine(DataPath path) throws Exception {
        String headers = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4, 10.1.1.1\r\n";
        String head = forwardedHead(path, headers, "1.2.3.4", "127.0.0.0/8", "10.0.0.0/8");
        assertThat(values(head, "X-Forwarded-For")).containsExactly("6.6.6.6, 1.2.3.4, 10.1.1.1, 127.0.0.1");
    }

    @ParameterizedTest
    @EnumSource(DataPath.class)
    void aTrustedProxyThatSentNothingGetsTheConnectionsValues(DataPath path) throws Exception {
        assertTheConnectionsValues(forwardedHead(path, "", "127.0.0.1", "127.0.0.0/8"));
    }

    /** The handshake of an upgrade is written apart from other requests (every data path hands it to the same code). */
    @ParameterizedTest
    @EnumSource(DataPath.class)
    void anUpgradeHandshakeFollowsTheSameRules(DataPath path) throws Exception {
        for (boolean trusted : new boolean[] {false, true}) {
            heads.clear();
            ScriptedBackend.Script switching = c -> {
                String head = c.readRequest();
                if (head != null) {
                    heads.add(head);
                    c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
                }
            };
            try (FaultHarness h = new FaultHarness(path, trusted ? options("127.0.0.0/8") : options(), switching)) {
                RawClient.Reply reply = RawClient.exchange(h.port(), "GET /ws HTTP/1.1\r\nHost: test\r\n"
                        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + SPOOFED + "\r\n");
                assertThat(reply.status()).as("trusted=%s", trusted).isEqualTo(101);
                String head = onlyHead();
                if (trusted) {
                    assertTheSpoofedClaimsPassedOn(head);
                } else {
                    assertTheConnectionsValues(head);
                }
                awaitNoneInFlight(h);
            }
        }
    }

    private static void awaitNoneInFlight(FaultHarness h) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (h.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(h.inFlight()).as("requests in flight once the tunnel closed").isZero();
    }
}
