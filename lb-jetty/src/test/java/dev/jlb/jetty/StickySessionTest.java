package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.HealthCheckResult;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sticky sessions through every adapter (the jetty-core handler, the servlet and the filter), with
 * real Jetty backends on loopback. The balancer rotates from the first backend, so every request
 * without a (valid) cookie goes to a known backend; the test client keeps no cookies of its own and
 * sends the {@code Cookie} header each test chooses.
 */
class StickySessionTest {

    static final String SECRET = "0123456789abcdef-sticky-test";
    static final StickyCookie STICKY = StickyCookie.builder().secret(SECRET).build();

    @RegisterExtension
    static final ClientExtension CLIENT = new ClientExtension(c -> {
        c.setFollowRedirects(false);
        c.setHttpCookieStore(new HttpCookieStore.Empty());
    });
    @RegisterExtension
    final ServersExtension servers = new ServersExtension();

    private LoadBalancer lb(TestBackend... backends) {
        LoadBalancer.Builder builder = LoadBalancer.builder().strategy(TestStrategies.rotation());
        for (TestBackend b : backends) {
            builder.backend(b.uri());
        }
        return servers.balancer(builder);
    }

    private ProxyFixture proxy(Mode mode, LoadBalancer lb, StickyCookie sticky) throws Exception {
        ProxyFixture proxy = servers.proxy(mode, lb, ProxyOptions.builder().stickyCookie(sticky).build());
        // Jetty's per-connection header cache matches values case-insensitively by default: on a
        // kept-alive connection, "Cookie: jlb_sticky=X" after "Cookie: JLB_STICKY=X" reaches the
        // application as the earlier "JLB_STICKY=X". A proxy should see exactly what was sent.
        proxy.connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
                .setHeaderCacheCaseSensitive(true);
        return proxy;
    }

    /** What the client got: status, body and the sticky {@code Set-Cookie} (null when none). */
    record Reply(int status, String body, String setCookie) {
        /** The token of the sticky cookie that was set. */
        String token() {
            assertThat(setCookie).as("a sticky cookie was set").isNotNull();
            return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
        }
    }

    private static Reply get(ProxyFixture proxy, String cookieHeader) throws Exception {
        return get(proxy, "/api/x", cookieHeader, null);
    }

    private static Reply get(ProxyFixture proxy, String path, String cookieHeader, String forwardedProto)
            throws Exception {
        ContentResponse response = CLIENT.get().newRequest(proxy.url(path))
                .headers(h -> {
                    if (cookieHeader != null) {
                        h.put("Cookie", cookieHeader);
                    }
                    if (forwardedProto != null) {
                        h.put("X-Forwarded-Proto", forwardedProto);
                    }
                })
                .timeout(10, TimeUnit.SECONDS).send();
        List<String> setCookies = response.getHeaders().getValuesList("Set-Cookie");
        assertThat(setCookies).as("at most one Set-Cookie").hasSizeLessThanOrEqualTo(1);
        return new Reply(response.getStatus(), response.getContentAsString(), setCookies.isEmpty() ? null
                : setCookies.get(0));
    }

    static String token(TestBackend backend) throws Exception {
        return StickyTokensTest.expectedToken(SECRET, Backend.of(backend.uri()));
    }

    static String cookie(TestBackend backend) throws Exception {
        return "JLB_STICKY=" + token(backend);
    }

    static String setCookie(TestBackend backend) throws Exception {
        return cookie(backend) + "; Path=/api; HttpOnly; SameSite=Lax";
    }

    private static BackendStats stats(LoadBalancer lb, TestBackend backend) {
        return lb.pool().stats(Backend.of(backend.uri())).orElseThrow();
    }

    // ---- Round trips ----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theFirstResponseSetsTheCookieAndLaterRequestsStickWithoutItBeingSetAgain(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        TestBackend c = servers.backend("c");
        LoadBalancer lb = lb(a, b, c);
        ProxyFixture proxy = proxy(mode, lb, STICKY);

        Reply first = get(proxy, "SESSION=s1");
        assertThat(first.body()).isEqualTo("a");
        assertThat(first.setCookie()).isEqualTo(setCookie(a));

        String cookie = "SESSION=s1; " + cookie(b);
        for (int i = 0; i < 6; i++) {
            Reply sticky = get(proxy, cookie);
            assertThat(sticky.status()).isEqualTo(200);
            assertThat(sticky.body()).isEqualTo("b");
            assertThat(sticky.setCookie()).as("the client holds the right cookie").isNull();
        }
        // Requests without the cookie are still balanced by the strategy (its rotation went on at b).
        assertThat(get(proxy, null).body()).isEqualTo("b");
        assertThat(get(proxy, null).body()).isEqualTo("c");
        assertThat(b.requests).hasSize(7);
        // The sticky cookie is jlb's: backends get the other cookies only.
        assertThat(b.requests).extracting(r -> r.header("Cookie")).containsOnly("SESSION=s1", null);
        assertThat(a.requests.get(0).header("Cookie")).isEqualTo("SESSION=s1");
        assertThat(proxy.awaitIdle()).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void tamperedUnknownAndForeignCookiesAreIgnoredAndReplaced(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        TestBackend c = servers.backend("c");
        LoadBalancer lb = lb(a, b, c);
        ProxyFixture proxy = proxy(mode, lb, STICKY);
        String bToken = token(b);
        String foreign = new StickyTokens(StickyCookie.builder().secret(SECRET + "-other").build())
                .token(Backend.of(b.uri()));
        List<String> attempts = List.of(
                "JLB_STICKY=" + bToken.substring(0, 21) + (bToken.charAt(21) == 'A' ? 'B' : 'A'), // last char changed
                "JLB_STICKY=" + bToken + "x",
                "JLB_STICKY=" + b.uri().substring("http://".length()), // the address itself
                "JLB_STICKY=" + b.uri(),
                "JLB_STICKY=" + foreign, // b's token under another secret
                "JLB_STICKY=" + StickyTokensTest.expectedToken(SECRET, Backend.of("http://127.0.0.1:9")), // not a member
                "JLB_STICKY=",
                "jlb_sticky=" + bToken); // another cookie name
        List<String> expected = List.of("a", "b", "c", "a", "b", "c", "a", "b");
        for (int i = 0; i < attempts.size(); i++) {
            Reply reply = get(proxy, attempts.get(i));
            assertThat(reply.status()).as(attempts.get(i)).isEqualTo(200);
            assertThat(reply.body()).as("balanced as without a cookie: " + attempts.get(i)).isEqualTo(expected.get(i));
            TestBackend answered = reply.body().equals("a") ? a : reply.body().equals("b") ? b : c;
            assertThat(reply.setCookie()).as("replaced: " + attempts.get(i)).isEqualTo(setCookie(answered));
        }
    }

    // ---- Failover -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aStoppedStickyBackendFailsOverAndTheCookieIsReissued(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        TestBackend c = servers.backend("c");
        LoadBalancer lb = lb(a, b, c);
        ProxyFixture proxy = proxy(mode, lb, STICKY);
        String bCookie = cookie(b);
        assertThat(get(proxy, bCookie).body()).isEqualTo("b");

        b.close();
        Reply failover = get(proxy, bCookie);

        assertThat(failover.status()).isEqualTo(200);
        assertThat(failover.body()).isIn("a", "c");
        TestBackend answered = failover.body().equals("a") ? a : c;
        assertThat(failover.setCookie()).isEqualTo(setCookie(answered));
        Reply next = get(proxy, cookie(answered));
        assertThat(next.body()).isEqualTo(answered.name);
        assertThat(next.setCookie()).isNull();
        proxy.awaitIdle();
        assertThat(lb.pool().stats().get(1).connectFailures()).as("b").isEqualTo(1);
        assertThat(stats(lb, answered).retries()).isEqualTo(1);
        assertThat(lb.pool().stats()).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aDrainedStickyBackendIsLeftAtOnceAndTheCookieReissued(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        LoadBalancer lb = lb(a, b);
        ProxyFixture proxy = proxy(mode, lb, STICKY);
        assertThat(get(proxy, cookie(b)).body()).isEqualTo("b");

        lb.pool().drain(Backend.of(b.uri()));
        Reply moved = get(proxy, cookie(b));

        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.body()).isEqualTo("a");
        assertThat(moved.setCookie()).isEqualTo(setCookie(a));
        assertThat(b.requests).hasSize(1);
        lb.pool().update(Backend.of(b.uri(), 1));
        Reply back = get(proxy, cookie(b));
        assertThat(back.body()).as("eligible again: an old cookie for b sticks again").isEqualTo("b");
        assertThat(back.setCookie()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anUnhealthyStickyBackendIsLeftAndTheCookieReissued(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        Set<String> down = ConcurrentHashMap.newKeySet();
        down.add(b.uri());
        LoadBalancer lb = servers.balancer(LoadBalancer.builder().strategy(TestStrategies.rotation())
                .backends(a.uri(), b.uri())
                .healthCheck(ActiveHealthCheck.of(backend -> CompletableFuture.completedFuture(
                        down.contains(backend.uri().toString()) ? HealthCheckResult.unhealthy("scripted")
                                : HealthCheckResult.healthy("scripted")))
                        .interval(Duration.ofHours(1)).fall(1).rise(1).build()));
        awaitState(lb, b, BackendState.UNHEALTHY);
        ProxyFixture proxy = proxy(mode, lb, STICKY);

        for (int i = 0; i < 3; i++) {
            Reply moved = get(proxy, cookie(b));
            assertThat(moved.status()).isEqualTo(200);
            assertThat(moved.body()).isEqualTo("a");
            assertThat(moved.setCookie()).isEqualTo(setCookie(a));
        }
        assertThat(b.arrivals.get()).isZero();
        lb.updateHealthCheck(ActiveHealthCheck.disabled()); // nothing judges b any more: healthy
        assertThat(get(proxy, cookie(b)).body()).isEqualTo("b");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRemovedStickyBackendIsLeftAndItsCookieWorksAgainWhenItReturns(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        LoadBalancer lb = lb(a, b);
        ProxyFixture proxy = proxy(mode, lb, STICKY);

        lb.pool().remove(Backend.of(b.uri()));
        Reply moved = get(proxy, cookie(b));
        assertThat(moved.body()).isEqualTo("a");
        assertThat(moved.setCookie()).isEqualTo(setCookie(a));

        lb.pool().add(Backend.of(b.uri()));
        Reply back = get(proxy, cookie(b));
        assertThat(back.body()).as("same backend id, same token").isEqualTo("b");
        assertThat(back.setCookie()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRetryOfAStickyRequestExcludesTheTriedBackendAndReissuesTheCookieForTheOneThatAnswered(Mode mode)
            throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        TestBackend c = servers.backend("c");
        b.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 503, "b is busy");
        LoadBalancer lb = lb(a, b, c);
        ProxyFixture proxy = proxy(mode, lb, STICKY);

        Reply reply = get(proxy, cookie(b));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isIn("a", "c");
        TestBackend answered = reply.body().equals("a") ? a : c;
        assertThat(reply.setCookie()).isEqualTo(setCookie(answered));
        assertThat(b.requests).hasSize(1);
        proxy.awaitIdle();
        assertThat(stats(lb, b).failures()).isEqualTo(1);
        assertThat(stats(lb, b).responses(5)).isEqualTo(1);
        assertThat(stats(lb, answered).retries()).isEqualTo(1);
        assertThat(lb.pool().stats()).extracting(BackendStats::inFlight).containsOnly(0);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void whenTheStickyBackendAnswersAnErrorThatIsNotRetriedTheCookieStays(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        b.behaviour = (be, r, req, res, cb) -> be.text(res, cb, 500, "b failed");
        LoadBalancer lb = lb(a, b);
        ProxyFixture proxy = proxy(mode, lb, STICKY);

        Reply reply = get(proxy, cookie(b));

        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.body()).isEqualTo("b failed");
        assertThat(reply.setCookie()).isNull();
        assertThat(a.requests).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void noEligibleBackendAnswers503AndSetsNoCookie(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        LoadBalancer lb = lb(a);
        ProxyFixture proxy = proxy(mode, lb, STICKY);
        lb.pool().drain(Backend.of(a.uri()));

        Reply reply = get(proxy, cookie(a));

        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.body()).isEqualTo("no backend available: all 1 backends are drained (weight 0)\n");
        assertThat(reply.setCookie()).isNull();
    }

    // ---- Attributes and forwarding --------------------------------------------------------------

    @ParameterizedTest
    // Not on the engine: the engine serves cleartext listeners only, so it never sees an https request.
    @EnumSource(value = Mode.class, mode = org.junit.jupiter.params.provider.EnumSource.Mode.EXCLUDE, names = "ENGINE")
    void theCookieIsSecureWhenTheClientRequestWasHttps(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = proxy(mode, lb(a), StickyCookie.builder().secret(SECRET)
                .maxAge(Duration.ofDays(1)).sameSite(HttpCookie.SameSite.STRICT).build());
        // The proxy learns the client's scheme from a TLS-terminating front, as deployments behind one do.
        proxy.connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
                .addCustomizer(new ForwardedRequestCustomizer());

        Reply https = get(proxy, "/api/x", null, "https");
        Reply http = get(proxy, "/api/x", null, null);

        assertThat(https.setCookie())
                .isEqualTo(cookie(a) + "; Path=/api; Max-Age=86400; Secure; HttpOnly; SameSite=Strict");
        assertThat(http.setCookie()).isEqualTo(cookie(a) + "; Path=/api; Max-Age=86400; HttpOnly; SameSite=Strict");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void withForwardToBackendsTheBackendSeesTheCookie(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        ProxyFixture proxy = proxy(mode, lb(a), StickyCookie.builder().secret(SECRET).forwardToBackends(true).build());

        Reply reply = get(proxy, "theme=dark; " + cookie(a));

        assertThat(reply.setCookie()).isNull();
        assertThat(a.requests.get(0).header("Cookie")).isEqualTo("theme=dark; " + cookie(a));
    }

    @Test
    void withoutAPrefixThePathIsTheContextPathOrSlash() throws Exception {
        TestBackend a = servers.backend("a");
        LoadBalancer lb = lb(a);
        ProxyOptions options = ProxyOptions.builder().stickyCookie(STICKY).build();
        ProxyFixture everything = servers.closeLater(ProxyFixture.handler(lb, new LoadBalancingHandler(lb, options)));
        ContextHandler context = new ContextHandler("/app");
        context.setHandler(new LoadBalancingHandler(lb, options.toBuilder().prefix("/api").build()));
        ProxyFixture inContext = servers.closeLater(ProxyFixture.handler(lb, context));

        assertThat(get(everything, "/anything", null, null).setCookie())
                .isEqualTo(cookie(a) + "; Path=/; HttpOnly; SameSite=Lax");
        assertThat(get(inContext, "/app/api/x", null, null).setCookie())
                .isEqualTo(cookie(a) + "; Path=/app/api; HttpOnly; SameSite=Lax");
    }

    // ---- Several instances ----------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void instancesSharingTheSecretShareCookiesAndAFallbackSecretRotatesThem(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        TestBackend c = servers.backend("c");
        ProxyFixture first = proxy(mode, lb(a, b, c), STICKY);
        ProxyFixture second = proxy(mode, lb(a, b, c), STICKY);
        String newSecret = "a-brand-new-secret-2026";
        ProxyFixture rotated = proxy(mode, lb(a, b, c),
                StickyCookie.builder().secret(newSecret).fallbackSecrets(SECRET).build());
        ProxyFixture stranger = proxy(mode, lb(a, b, c), StickyCookie.builder().secret(newSecret).build());
        get(first, null);
        Reply issued = get(first, null); // b, by rotation
        assertThat(issued.body()).isEqualTo("b");

        Reply elsewhere = get(second, "JLB_STICKY=" + issued.token());
        assertThat(elsewhere.body()).isEqualTo("b");
        assertThat(elsewhere.setCookie()).isNull();

        Reply afterRotation = get(rotated, "JLB_STICKY=" + issued.token());
        assertThat(afterRotation.body()).as("the old secret's cookie still sticks").isEqualTo("b");
        assertThat(afterRotation.token()).isEqualTo(StickyTokensTest.expectedToken(newSecret, Backend.of(b.uri())));

        Reply unknown = get(stranger, "JLB_STICKY=" + issued.token());
        assertThat(unknown.body()).as("another secret: balanced as new").isEqualTo("a");
        assertThat(unknown.token()).isEqualTo(StickyTokensTest.expectedToken(newSecret, Backend.of(a.uri())));
    }

    // ---- Under concurrent membership changes --------------------------------------------------

    /**
     * 3 client threads send 100 requests each, with the cookie of a backend chosen in turn (or none),
     * while the test drains, restores, removes and re-adds backends one at a time (2 of 3 always
     * eligible). Every request succeeds; every response either comes from the cookie's backend without
     * a Set-Cookie or sets the cookie of the backend that answered it; every in-flight count ends at 0.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyResponseNamesTheBackendThatAnsweredWhileThePoolChanges(Mode mode) throws Exception {
        TestBackend a = servers.backend("a");
        TestBackend b = servers.backend("b");
        TestBackend c = servers.backend("c");
        List<TestBackend> all = List.of(a, b, c);
        LoadBalancer lb = lb(a, b, c);
        ProxyFixture proxy = proxy(mode, lb, STICKY);
        Map<String, String> tokens = new HashMap<>();
        for (TestBackend t : all) {
            tokens.put(t.name, token(t));
        }
        AtomicBoolean done = new AtomicBoolean();
        List<String> problems = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int thread = t;
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        int pick = (i + thread) % 4;
                        String held = pick == 3 ? null : tokens.get(all.get(pick).name);
                        Reply reply = get(proxy, held == null ? null : "JLB_STICKY=" + held);
                        String answered = tokens.get(reply.body());
                        if (reply.status() != 200 || answered == null) {
                            problems.add("request " + i + ": " + reply);
                        } else if (reply.setCookie() == null ? !answered.equals(held)
                                // A held cookie names a member only while it is one: when the pool
                                // removed and re-added its backend between the lookup and the pick,
                                // the same cookie is set again, which is still right.
                                : !setCookie(all.get("abc".indexOf(reply.body()))).equals(reply.setCookie())) {
                            problems.add("request " + i + " held " + held + ": " + reply);
                        }
                    }
                    return null;
                }));
            }
            for (int round = 0; round < 20 && !done.get(); round++) {
                Backend victim = Backend.of(all.get(round % 3).uri());
                if (round % 2 == 0) {
                    lb.pool().drain(victim);
                    Thread.sleep(2);
                    lb.pool().update(victim.withWeight(1));
                } else {
                    lb.pool().remove(victim);
                    Thread.sleep(2);
                    lb.pool().add(victim);
                }
            }
            for (Future<?> f : clients) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        assertThat(problems).isEmpty();
        assertThat(proxy.awaitIdle()).extracting(BackendStats::inFlight).containsOnly(0);
    }

    private static void awaitState(LoadBalancer lb, TestBackend backend, BackendState state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (stats(lb, backend).state() != state) {
            assertThat(System.nanoTime()).as("%s reaches %s within 5 s", backend, state).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
