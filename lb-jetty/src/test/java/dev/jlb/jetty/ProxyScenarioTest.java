package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static dev.jlb.jetty.ServersExtension.refusedUri;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.RetryPolicy;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The proxying scenarios, run against every adapter (the jetty-core handler, the servlet and the
 * filter) with real Jetty backends on loopback ports chosen by the OS.
 */
class ProxyScenarioTest {

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension(c -> c.setFollowRedirects(false));
    @RegisterExtension
    final ServersExtension servers = new ServersExtension();

    private LoadBalancer lb(String... uris) {
        return servers.balancer(LoadBalancer.builder().strategy(TestStrategies.rotation()).backends(uris));
    }

    private static BackendStats stats(LoadBalancer lb, String uri) {
        return lb.pool().stats(Backend.of(uri)).orElseThrow();
    }

    private static ContentResponse get(ProxyFixture proxy, String pathQuery) throws Exception {
        return CLIENT.get().newRequest(proxy.url(pathQuery)).timeout(10, TimeUnit.SECONDS).send();
    }

    private static ContentResponse send(ProxyFixture proxy, String method, String pathQuery, byte[] body)
            throws Exception {
        return CLIENT.get().newRequest(proxy.url(pathQuery)).method(method)
                .body(new BytesRequestContent("application/octet-stream", body)).timeout(10, TimeUnit.SECONDS)
                .send();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    // ---- Headers and paths ----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void forwardsPathQueryAndProxyHeaders(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = servers.proxy(mode, lb(a.uri()), ProxyOptions.defaults());

        ContentResponse response = CLIENT.get().newRequest(proxy.url("/api/users/7?sort=name&q=a%20b"))
                .headers(h -> h.put("X-Forwarded-For", "203.0.113.9")
                        .put("X-Forwarded-Proto", "https")
                        .put("Via", "1.1 edge")
                        .put("Connection", "keep-alive, X-Secret")
                        .put("X-Secret", "hop")
                        .put("Keep-Alive", "timeout=5")
                        .put("Proxy-Authorization", "Basic Zm9vOmJhcg==")
                        .put("X-Custom", "kept"))
                .timeout(10, TimeUnit.SECONDS).send();

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("a");
        TestBackend.Recorded seen = a.requests.get(0);
        assertThat(seen.pathQuery()).isEqualTo("/api/users/7?sort=name&q=a%20b");
        // 127.0.0.1 is no trusted proxy (none is by default): its X-Forwarded-* claims are replaced
        assertThat(seen.headers().getValuesList("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(seen.headers().getValuesList("X-Forwarded-Proto")).containsExactly("http");
        assertThat(seen.headers().getValuesList("X-Forwarded-Host"))
                .containsExactly("127.0.0.1:" + proxy.connector.getLocalPort());
        assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + proxy.connector.getLocalPort());
        assertThat(seen.header("Via")).isEqualTo("1.1 edge, 1.1 jlb");
        assertThat(seen.header("X-Custom")).isEqualTo("kept");
        assertThat(seen.header("X-Secret")).isNull();
        assertThat(seen.header("Keep-Alive")).isNull();
        assertThat(seen.header("Proxy-Authorization")).isNull();
        assertThat(seen.header("User-Agent")).startsWith("Jetty/"); // the test client's, passed through
        assertThat(seen.headers().getValuesList("User-Agent")).hasSize(1);
        assertThat(seen.header("X-Request-Id"))
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aTrustedProxysForwardedHeadersAreKeptAndAppendedTo(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = servers.proxy(mode, lb(a.uri()),
                ProxyOptions.builder().trustedProxies(List.of("127.0.0.0/8")).build());

        CLIENT.get().newRequest(proxy.url("/api/x")).headers(h -> h.put("X-Forwarded-For", "203.0.113.9")
                .put("X-Forwarded-Proto", "https").put("X-Forwarded-Host", "shop.example"))
                .timeout(10, TimeUnit.SECONDS).send();

        TestBackend.Recorded seen = a.requests.get(0);
        assertThat(seen.headers().getValuesList("X-Forwarded-For")).containsExactly("203.0.113.9, 127.0.0.1");
        assertThat(seen.headers().getValuesList("X-Forwarded-Proto")).containsExactly("https");
        assertThat(seen.headers().getValuesList("X-Forwarded-Host")).containsExactly("shop.example");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void propagatesAValidRequestIdAndReplacesAMalformedOne(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = servers.proxy(mode, lb(a.uri()), ProxyOptions.defaults());

        CLIENT.get().newRequest(proxy.url("/api/x")).headers(h -> h.put("X-Request-Id", "abc-123"))
                .timeout(10, TimeUnit.SECONDS).send();
        CLIENT.get().newRequest(proxy.url("/api/x")).headers(h -> h.put("X-Request-Id", "x".repeat(129)))
                .timeout(10, TimeUnit.SECONDS).send();

        assertThat(a.requests.get(0).headers().getValuesList("X-Request-Id")).containsExactly("abc-123");
        assertThat(a.requests.get(1).header("X-Request-Id")).hasSize(36);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void stripsThePrefixWhenAskedAndKeepsTheQuery(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = servers.proxy(mode, lb(a.uri()), ProxyOptions.builder().stripPrefix(true)
                .preserveHost(false).xForwardedHeaders(false).via("edge-1").build());

        get(proxy, "/api/users?id=1&x=%2F");
        get(proxy, "/api");
        CLIENT.get().newRequest(proxy.url("/api/x")).headers(h -> h.put("X-Forwarded-For", "198.51.100.1"))
                .timeout(10, TimeUnit.SECONDS).send();

        assertThat(a.requests).extracting(TestBackend.Recorded::pathQuery)
                .containsExactly("/users?id=1&x=%2F", "/", "/x");
        TestBackend.Recorded first = a.requests.get(0);
        assertThat(first.header("Host")).isEqualTo("127.0.0.1:" + a.port());
        assertThat(first.header("X-Forwarded-For")).isNull();
        assertThat(first.header("X-Forwarded-Proto")).isNull();
        assertThat(first.header("Via")).isEqualTo("1.1 edge-1");
        assertThat(a.requests.get(2).header("X-Forwarded-For")).isEqualTo("198.51.100.1");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void removesHopByHopResponseHeaders(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        a.behaviour = (b, r, req, res, cb) -> {
            res.getHeaders().put("X-Backend", "a").put("Connection", "X-Backend-Secret")
                    .put("X-Backend-Secret", "hop").put("Keep-Alive", "timeout=5");
            b.text(res, cb, 201, "made");
        };
        ProxyFixture proxy = servers.proxy(mode, lb(a.uri()), ProxyOptions.defaults());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(201);
        assertThat(response.getContentAsString()).isEqualTo("made");
        assertThat(response.getHeaders().get("X-Backend")).isEqualTo("a");
        assertThat(response.getHeaders().get("X-Backend-Secret")).isNull();
        assertThat(response.getHeaders().get("Keep-Alive")).isNull();
    }

    // ---- No backend, connect failures, statuses -------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void noBackendAnswers503WithTheReason(Mode mode) throws Exception {
        ProxyFixture proxy = servers.proxy(mode, lb(), ProxyOptions.defaults());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getMediaType()).isEqualTo("text/plain");
        assertThat(response.getContentAsString()).isEqualTo("no backend available: none configured\n");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRefusedConnectionIsRetriedOnAnotherBackend(Mode mode) throws Exception {
        String refused = refusedUri();
        TestBackend b = servers.backend("b");
        LoadBalancer lb = lb(refused, b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        for (int i = 0; i < 4; i++) {
            ContentResponse response = get(proxy, "/api/x" + i);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getContentAsString()).isEqualTo("b");
        }

        proxy.awaitIdle();
        BackendStats down = stats(lb, refused);
        BackendStats up = stats(lb, b.uri());
        // Each request that met the refused backend was retried once on the other: with round robin
        // (whose counter retries advance too) that is every request, unless passive health ejects it.
        assertThat(down.failures()).isBetween(1L, 4L);
        assertThat(down.connectFailures()).isEqualTo(down.failures());
        assertThat(up.retries()).isEqualTo(down.failures());
        assertThat(up.successes()).isEqualTo(4);
        assertThat(up.failures()).isZero();
        assertThat(b.requests).hasSize(4);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void everyBackendRefusingAnswers502AfterEachWasTriedOnce(Mode mode) throws Exception {
        String r1 = refusedUri();
        String r2 = refusedUri();
        LoadBalancer lb = lb(r1, r2);
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString())
                .isEqualTo("bad gateway: could not connect to a backend (2 attempts)\n");
        proxy.awaitIdle();
        assertThat(stats(lb, r1).connectFailures() + stats(lb, r2).connectFailures()).isEqualTo(2);
        assertThat(stats(lb, r1).inFlight() + stats(lb, r2).inFlight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void maxAttemptsBoundsRetries(Mode mode) throws Exception {
        LoadBalancer lb = lb(refusedUri(), refusedUri(), refusedUri(), refusedUri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.builder()
                .retry(RetryPolicy.builder().maxAttempts(3).build()).build());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString())
                .isEqualTo("bad gateway: could not connect to a backend (3 attempts)\n");
        proxy.awaitIdle();
        assertThat(lb.pool().stats()).extracting(BackendStats::failures).containsExactly(1L, 1L, 1L, 0L);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRetryableStatusIsRetriedForIdempotentMethods(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 503, "busy");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("b");
        proxy.awaitIdle();
        assertThat(stats(lb, a.uri()).failures()).isEqualTo(1);
        assertThat(stats(lb, a.uri()).responses(5)).isEqualTo(1);
        assertThat(stats(lb, b.uri()).successes()).isEqualTo(1);
        assertThat(stats(lb, b.uri()).retries()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void whenEveryAttemptAnswersARetryableStatusTheLastResponseIsForwarded(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 503, "a is busy");
        b.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 502, "b is broken");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString()).isEqualTo("b is broken");
        proxy.awaitIdle();
        assertThat(stats(lb, a.uri()).failures()).isEqualTo(1);
        assertThat(stats(lb, b.uri()).failures()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aNonRetryable500IsForwardedAndCountedAsAFailure(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 500, "oops");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getContentAsString()).isEqualTo("oops");
        proxy.awaitIdle();
        assertThat(stats(lb, a.uri()).failures()).isEqualTo(1);
        assertThat(b.requests).isEmpty();
    }

    // ---- Request bodies -------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aPostBodyArrivesIntactAfterAConnectFailure(Mode mode) throws Exception {
        String refused = refusedUri();
        TestBackend b = servers.backend("b");
        LoadBalancer lb = lb(refused, b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());
        byte[] body = randomBytes(10 * 1024, 1);

        ContentResponse response = send(proxy, "POST", "/api/upload", body);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(b.requests).hasSize(1);
        assertThat(b.requests.get(0).body()).isEqualTo(body);
        assertThat(b.requests.get(0).header("Content-Length")).isEqualTo("10240");
        proxy.awaitIdle();
        assertThat(stats(lb, refused).connectFailures()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aPostBodyArrivesIntactAfterA503WhenNonIdempotentRetriesAreOn(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 503, "busy");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.builder()
                .retry(RetryPolicy.builder().retryNonIdempotent(true).build()).build());
        byte[] body = randomBytes(10 * 1024, 2);

        ContentResponse response = send(proxy, "POST", "/api/upload", body);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("b");
        assertThat(a.requests.get(0).body()).isEqualTo(body);
        assertThat(b.requests.get(0).body()).isEqualTo(body);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aPostAnswered503IsNotRetriedByDefault(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 503, "busy");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        ContentResponse response = send(proxy, "POST", "/api/upload", randomBytes(100, 3));

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getContentAsString()).isEqualTo("busy");
        assertThat(b.requests).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aChunkedBodyUnderTheLimitIsReplayed(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 502, "bad");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());
        byte[] part1 = randomBytes(3000, 4);
        byte[] part2 = randomBytes(5000, 5);

        AsyncRequestContent content = new AsyncRequestContent();
        var future = new java.util.concurrent.CompletableFuture<ContentResponse>();
        Request request = CLIENT.get().newRequest(proxy.url("/api/put")).method("PUT").body(content)
                .timeout(10, TimeUnit.SECONDS);
        org.eclipse.jetty.client.CompletableResponseListener listener =
                new org.eclipse.jetty.client.CompletableResponseListener(request);
        listener.send().whenComplete((r, x) -> {
            if (x != null) {
                future.completeExceptionally(x);
            } else {
                future.complete(r);
            }
        });
        content.write(ByteBuffer.wrap(part1), Callback.NOOP);
        content.write(ByteBuffer.wrap(part2), Callback.NOOP);
        content.close();
        ContentResponse response = future.get(10, TimeUnit.SECONDS);

        assertThat(response.getStatus()).isEqualTo(200);
        byte[] expected = new byte[8000];
        System.arraycopy(part1, 0, expected, 0, 3000);
        System.arraycopy(part2, 0, expected, 3000, 5000);
        assertThat(a.requests.get(0).body()).isEqualTo(expected);
        assertThat(b.requests.get(0).body()).isEqualTo(expected);
        if (mode == Mode.ENGINE) {
            // The engine forwards the body as framed, chunks and all, on every attempt; a request it hands
            // to the Jetty path behind it is replayed whole. Either way the body above arrived intact.
            assertThat(b.requests.get(0).header("Transfer-Encoding") != null
                    || "8000".equals(b.requests.get(0).header("Content-Length"))).as("replayed framed or whole").isTrue();
        } else {
            assertThat(b.requests.get(0).header("Content-Length")).as("replayed whole").isEqualTo("8000");
        }
    }

    /**
     * The Go original re-sent a consumed body, failed, and marked the healthy backend dead. Here a
     * 1 MiB body (over the 64 KiB limit) is never re-sent once it streamed: the client gets the
     * first backend's answer and the other backend sees nothing.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aLargeBodyIsNotResentAfterStreamingStarted(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 503, "busy after reading");
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.builder()
                .retry(RetryPolicy.builder().retryNonIdempotent(true).build()).build());
        byte[] body = randomBytes(1024 * 1024, 6);

        ContentResponse response = send(proxy, "POST", "/api/upload", body);

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getContentAsString()).isEqualTo("busy after reading");
        assertThat(a.requests.get(0).body()).isEqualTo(body);
        assertThat(b.arrivals.get()).isZero();
        proxy.awaitIdle();
        BackendStats healthy = stats(lb, b.uri());
        assertThat(healthy.requests()).isZero();
        assertThat(healthy.failures()).isZero();
        assertThat(stats(lb, a.uri()).failures()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void aLargeBodyCutByABackendResetIsNotResent(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.readBody = false;
        a.behaviour = (be, r, req, res, cb) -> {
            // Read a little of the body, then drop the connection.
            Content.Chunk chunk = req.read();
            if (chunk != null) {
                chunk.release();
            }
            req.getConnectionMetaData().getConnection().getEndPoint().close();
            cb.failed(new IOException("backend a drops the connection"));
        };
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());
        byte[] body = randomBytes(1024 * 1024, 7);

        int status;
        try {
            status = send(proxy, "PUT", "/api/upload", body).getStatus();
        } catch (ExecutionException e) {
            status = -1; // the proxy may close while the client is still uploading
        }

        assertThat(status).isIn(502, -1);
        assertThat(b.arrivals.get()).isZero();
        proxy.awaitIdle();
        assertThat(stats(lb, b.uri()).requests()).isZero();
        assertThat(stats(lb, a.uri()).failures()).isEqualTo(1);
        assertThat(stats(lb, a.uri()).inFlight()).isZero();
    }

    // ---- Timeouts -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aSlowBackendTimesOutWith504AndTheRetryAlsoTimesOut(Mode mode) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TestBackend.Behaviour hang = (be, r, req, res, cb) -> {
            release.await(5, TimeUnit.SECONDS);
            be.text(res, cb, 200, be.name);
        };
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = hang;
        b.behaviour = hang;
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb,
                ProxyOptions.builder().attemptTimeout(Duration.ofMillis(300)).build());

        try {
            ContentResponse response = get(proxy, "/api/slow");
            assertThat(response.getStatus()).isEqualTo(504);
            assertThat(response.getContentAsString())
                    .isEqualTo("gateway timeout: no response from a backend in time (2 attempts)\n");
            List<BackendStats> stats = proxy.awaitIdle();
            assertThat(stats).extracting(BackendStats::inFlight).containsOnly(0);
            assertThat(stats).extracting(BackendStats::timeouts).containsExactly(1L, 1L);
        } finally {
            release.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void theTotalTimeoutStopsRetries(Mode mode) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> {
            release.await(5, TimeUnit.SECONDS);
            be.text(res, cb, 200, be.name);
        };
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.builder().attemptTimeout(Duration.ofSeconds(5))
                .totalTimeout(Duration.ofMillis(300)).build());

        try {
            ContentResponse response = get(proxy, "/api/slow");
            assertThat(response.getStatus()).isEqualTo(504);
            assertThat(response.getContentAsString())
                    .isEqualTo("gateway timeout: no response from a backend in time\n");
            assertThat(b.arrivals.get()).isZero();
            assertThat(proxy.awaitIdle()).extracting(BackendStats::inFlight).containsOnly(0);
        } finally {
            release.countDown();
        }
    }

    // ---- Broken connections ---------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aClientAbortMidResponseCancelsTheSelection(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        CountDownLatch backendDone = new CountDownLatch(1);
        a.behaviour = (be, r, req, res, cb) -> {
            // Stream up to 64 MiB until the proxy stops reading.
            res.setStatus(200);
            ByteBuffer chunk = ByteBuffer.wrap(new byte[64 * 1024]);
            new Object() {
                int left = 1024;

                void next() {
                    if (left-- == 0) {
                        res.write(true, null, Callback.from(cb, backendDone::countDown));
                        return;
                    }
                    res.write(false, chunk.slice(), Callback.from(this::next, x -> {
                        backendDone.countDown();
                        cb.failed(x);
                    }));
                }
            }.next();
        };
        LoadBalancer lb = lb(a.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        CountDownLatch gotContent = new CountDownLatch(1);
        AtomicReference<Result> result = new AtomicReference<>();
        CountDownLatch completed = new CountDownLatch(1);
        Request request = CLIENT.get().newRequest(proxy.url("/api/big")).timeout(10, TimeUnit.SECONDS);
        request.onResponseContent((response, content) -> gotContent.countDown());
        request.send(r -> {
            result.set(r);
            completed.countDown();
        });
        assertThat(gotContent.await(5, TimeUnit.SECONDS)).isTrue();
        request.abort(new IOException("client gives up"));
        assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(result.get().isFailed()).isTrue();

        assertThat(backendDone.await(5, TimeUnit.SECONDS)).isTrue();
        BackendStats stats = proxy.awaitIdle().get(0);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.cancelled()).isEqualTo(1);
        assertThat(stats.failures()).isZero();
        assertThat(stats.successes()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aBackendClosingMidResponseBreaksTheResponseWithoutRetry(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        a.behaviour = (be, r, req, res, cb) -> {
            res.setStatus(200);
            res.getHeaders().put(HttpHeader.CONTENT_LENGTH, 1_000_000);
            res.write(false, ByteBuffer.wrap(new byte[100_000]), Callback.from(() -> {
                req.getConnectionMetaData().getConnection().getEndPoint().close();
                cb.failed(new IOException("backend a dies mid-response"));
            }, cb::failed));
        };
        LoadBalancer lb = lb(a.uri(), b.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        AtomicLong received = new AtomicLong();
        CountDownLatch completed = new CountDownLatch(1);
        AtomicReference<Result> result = new AtomicReference<>();
        CLIENT.get().newRequest(proxy.url("/api/x")).timeout(10, TimeUnit.SECONDS)
                .onResponseContent((response, content) -> received.addAndGet(content.remaining()))
                .send(r -> {
                    result.set(r);
                    completed.countDown();
                });
        assertThat(completed.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(result.get().isFailed()).as("the client sees a broken response").isTrue();
        assertThat(result.get().getResponse().getStatus()).isEqualTo(200);
        assertThat(received.get()).isLessThan(1_000_000);
        assertThat(b.arrivals.get()).as("no retry").isZero();
        List<BackendStats> stats = proxy.awaitIdle();
        assertThat(stats).extracting(BackendStats::inFlight).containsOnly(0);
        assertThat(stats(lb, a.uri()).failures()).isEqualTo(1);
    }

    // ---- Streaming ------------------------------------------------------------------------------

    /**
     * 50 MiB stream through with bounded memory: the backend never runs more than 8 MiB ahead of
     * what the client has received, which only holds if the proxy streams instead of buffering.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void a50MiBResponseStreamsWithBoundedMemory(Mode mode) throws Exception {
        long total = 50L * 1024 * 1024;
        long window = 8L * 1024 * 1024;
        AtomicLong clientReceived = new AtomicLong();
        AtomicReference<String> backendProblem = new AtomicReference<>();
        TestBackend a = servers.backend("a");
        a.behaviour = (be, r, req, res, cb) -> {
            res.setStatus(200);
            res.getHeaders().put(HttpHeader.CONTENT_LENGTH, total);
            byte[] block = new byte[64 * 1024];
            Arrays.fill(block, (byte) 'x');
            org.eclipse.jetty.io.Content.Sink sink = res;
            Thread writer = new Thread(() -> {
                try (var out = Content.Sink.asOutputStream(sink)) {
                    long sent = 0;
                    while (sent < total) {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (sent - clientReceived.get() > window) {
                            if (System.nanoTime() > deadline) {
                                backendProblem.set("client stuck at " + clientReceived.get() + " of " + sent);
                                throw new IOException("stalled");
                            }
                            Thread.sleep(1);
                        }
                        out.write(block);
                        sent += block.length;
                    }
                    out.close();
                    cb.succeeded();
                } catch (Throwable x) {
                    cb.failed(x);
                }
            }, "backend-writer");
            writer.start();
        };
        LoadBalancer lb = lb(a.uri());
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.defaults());

        CountDownLatch completed = new CountDownLatch(1);
        AtomicReference<Result> result = new AtomicReference<>();
        CLIENT.get().newRequest(proxy.url("/api/big")).timeout(60, TimeUnit.SECONDS)
                .onResponseContent((response, content) -> clientReceived.addAndGet(content.remaining()))
                .send(r -> {
                    result.set(r);
                    completed.countDown();
                });
        assertThat(completed.await(60, TimeUnit.SECONDS)).isTrue();

        assertThat(backendProblem.get()).isNull();
        assertThat(result.get().isSucceeded()).as(String.valueOf(result.get())).isTrue();
        assertThat(clientReceived.get()).isEqualTo(total);
        assertThat(proxy.awaitIdle().get(0).successes()).isEqualTo(1);
    }

    // ---- Internal failures ----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"HANDLER", "SERVLET", "ENGINE"})
    void anExceptionInAListenerStillAnswersAndCompletesTheSelection(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        LoadBalancer lb = lb(a.uri());
        ProxyFixture proxy;
        if (mode == Mode.HANDLER) {
            proxy = servers.closeLater(ProxyFixture.handler(lb, new LoadBalancingHandler(lb) {
                @Override
                protected org.eclipse.jetty.http.HttpField filterResponseHeader(org.eclipse.jetty.http.HttpField f) {
                    throw new IllegalStateException("boom in a hook");
                }
            }));
        } else {
            proxy = servers.closeLater(ProxyFixture.servlet(lb, new LoadBalancingProxyServlet(lb) {
                private static final long serialVersionUID = 1L;

                @Override
                protected org.eclipse.jetty.http.HttpField filterServerResponseHeader(
                        jakarta.servlet.http.HttpServletRequest request, Response response,
                        org.eclipse.jetty.http.HttpField field) {
                    throw new IllegalStateException("boom in a hook");
                }
            }));
        }

        ContentResponse response = get(proxy, "/api/x");

        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString())
                .isEqualTo("bad gateway: the proxy failed to handle the backend response\n");
        BackendStats stats = proxy.awaitIdle().get(0);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.cancelled()).as("not the backend's fault").isEqualTo(1);
        assertThat(stats.failures()).isZero();
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
