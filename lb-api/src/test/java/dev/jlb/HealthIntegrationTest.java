package dev.jlb;

import dev.jlb.testing.TestBackend;
import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.LatencyHealth;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.PanicMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Health with real Jetty backends on loopback and the real clock. Intervals are short (200 ms) so
 * the suite takes seconds; every wait is bounded by a deadline. The timeout (500 ms) leaves room for
 * a cold JVM's first {@code java.net.http} request: a first check that times out would (rightly)
 * mark its backend unhealthy at once.
 */
class HealthIntegrationTest {

    static final Duration INTERVAL = Duration.ofMillis(200);
    static final Duration TIMEOUT = Duration.ofMillis(500);
    static final double JITTER = 0.1;
    static final int RISE = 2;
    static final int FALL = 3;
    /** Scheduling noise allowed on a shared 2-core machine on top of the theoretical bounds. */
    static final long SLACK_NANOS = Duration.ofMillis(700).toNanos();

    final List<TestBackend> backends = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final Map<String, Long> eventTimes = new HashMap<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    LoadBalancer lb;

    @BeforeEach
    void startBackends() throws Exception {
        for (int i = 0; i < 3; i++) {
            backends.add(new TestBackend());
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (lb != null) {
            lb.close();
        }
        for (TestBackend backend : backends) {
            backend.close();
        }
    }

    LoadBalancer build(ActiveHealthCheck check) {
        return build(check, LatencyHealth.disabled());
    }

    LoadBalancer build(ActiveHealthCheck check, LatencyHealth latency) {
        lb = LoadBalancer.builder()
                .strategy(TestStrategies.rotate())
                .backends(backends.stream().map(TestBackend::backend).toList())
                .healthCheck(check)
                .latencyHealth(latency)
                .outlierDetection(OutlierDetection.disabled())
                .panic(PanicMode.ROUTE_ALL, 0)
                .listener(event -> {
                    synchronized (events) {
                        events.add(event.toString());
                        eventTimes.putIfAbsent(event.toString(), System.nanoTime());
                    }
                })
                .build();
        return lb;
    }

    static ActiveHealthCheck.HttpBuilder http() {
        return ActiveHealthCheck.http("/health").interval(INTERVAL).timeout(TIMEOUT).jitter(JITTER).rise(RISE).fall(FALL);
    }

    List<String> healthEvents() {
        synchronized (events) {
            return events.stream().filter(e -> e.startsWith("STATE_CHANGED") || e.startsWith("PANIC")).toList();
        }
    }

    /** Waits for an event starting with {@code prefix}; returns when it happened (System.nanoTime). */
    long awaitEvent(String prefix, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (events) {
                for (String e : events) {
                    if (e.startsWith(prefix)) {
                        return eventTimes.get(e);
                    }
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no event " + prefix + " within " + max + "; events: " + healthEvents());
    }

    static void await(String what, Duration max, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + max + ": " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Sends one request the way an adapter does: select, send, measure, complete. Returns the backend. */
    Backend send() throws Exception {
        Selection selection = lb.select(RequestContext.of("GET", "/"));
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create(selection.backend().uri() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long latency = System.nanoTime() - start;
            if (response.statusCode() >= 500) {
                selection.onFailure(response.statusCode(), latency);
            } else {
                selection.onSuccess(response.statusCode(), latency);
            }
            assertThat(response.body()).isEqualTo("hello from " + selection.backend().port());
        } catch (java.io.IOException e) {
            selection.onFailure(e);
            throw e;
        }
        return selection.backend();
    }

    BackendState state(TestBackend backend) {
        return lb.pool().stats(backend.backend()).orElseThrow().state();
    }

    @Test
    void theBalancerServesFromTheFirstRequestAfterStart() throws Exception {
        // Health answers take 3 s: no first result exists while the first requests are served.
        for (TestBackend backend : backends) {
            backend.healthDelayMillis = 3000;
        }
        build(http().timeout(Duration.ofSeconds(5)).build());
        List<Backend> served = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            served.add(send());
        }
        assertThat(backends.stream().mapToInt(b -> b.healthAnswers.get()).sum()).as("no health result had arrived yet")
                .isZero();
        assertThat(served).containsExactlyInAnyOrderElementsOf(backends.stream().map(TestBackend::backend).toList());
        await("every backend's first check started", Duration.ofSeconds(5),
                () -> backends.stream().allMatch(b -> b.healthChecks.get() >= 1));
        assertThat(healthEvents()).isEmpty();
    }

    @Test
    void aStoppedBackendLeavesWithinFallIntervalsAndRejoinsWithinRiseIntervalsAfterRestart() throws Exception {
        build(http().build());
        TestBackend b = backends.get(1);
        await("first checks passed", Duration.ofSeconds(5), () -> b.healthChecks.get() >= 2);

        long stopped = System.nanoTime();
        b.stop();
        long left = awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " HEALTHY -> UNHEALTHY", Duration.ofSeconds(10));
        long leaveNanos = left - stopped;
        long leaveBound = (long) (FALL * INTERVAL.toNanos() * (1 + JITTER)) + TIMEOUT.toNanos();
        assertThat(leaveNanos).as("left after %s ms, bound %s ms + slack", leaveNanos / 1e6, leaveBound / 1e6)
                .isLessThanOrEqualTo(leaveBound + SLACK_NANOS)
                .isGreaterThanOrEqualTo((long) ((FALL - 1) * INTERVAL.toNanos() * (1 - JITTER)));
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason())
                .isEqualTo("health check failed 3 times: connection refused");
        for (int i = 0; i < 6; i++) {
            assertThat(send()).isNotEqualTo(b.backend());
        }

        long restarted = System.nanoTime();
        b.start();
        long rejoined = awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " UNHEALTHY -> HEALTHY", Duration.ofSeconds(10));
        long rejoinNanos = rejoined - restarted;
        long rejoinBound = (long) (RISE * INTERVAL.toNanos() * (1 + JITTER));
        assertThat(rejoinNanos).as("rejoined after %s ms, bound %s ms + slack", rejoinNanos / 1e6, rejoinBound / 1e6)
                .isLessThanOrEqualTo(rejoinBound + SLACK_NANOS);
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason())
                .isEqualTo("health check passed 2 times: status 200");
        System.out.printf("left after %.0f ms (bound %.0f ms), rejoined after %.0f ms (bound %.0f ms)%n",
                leaveNanos / 1e6, leaveBound / 1e6, rejoinNanos / 1e6, rejoinBound / 1e6);
        List<Backend> served = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            served.add(send());
        }
        assertThat(served).contains(b.backend());
    }

    @Test
    void aBackendAnswering500OnItsHealthPathLeaves() throws Exception {
        build(http().build());
        TestBackend b = backends.get(0);
        await("first check passed", Duration.ofSeconds(5), () -> b.healthChecks.get() >= 1);
        b.healthStatus = () -> 500;
        awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " HEALTHY -> UNHEALTHY", Duration.ofSeconds(10));
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason())
                .isEqualTo("health check failed 3 times: status 500");
        for (int i = 0; i < 6; i++) {
            assertThat(send()).isNotEqualTo(b.backend());
        }
    }

    @Test
    void aBackendThatAlternatesUpAndDownEveryCheckDoesNotFlapThePool() throws Exception {
        TestBackend b = backends.get(2);
        AtomicInteger calls = new AtomicInteger();
        b.healthStatus = () -> calls.getAndIncrement() % 2 == 0 ? 200 : 503;
        // A generous timeout: on a loaded machine a 500 ms check can time out, and two of those next
        // to a 503 would be three failures in a row, a real fall rather than a flap.
        build(http().timeout(Duration.ofSeconds(3)).build());
        await("12 alternating checks", Duration.ofSeconds(15), () -> b.healthChecks.get() >= 12);
        assertThat(healthEvents()).isEmpty();
        assertThat(state(b)).isEqualTo(BackendState.HEALTHY);
        List<Backend> served = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            served.add(send());
        }
        assertThat(served).contains(b.backend());
    }

    @Test
    void theExpectedBodyIsChecked() throws Exception {
        backends.forEach(backend -> backend.healthBody = "status: ready");
        TestBackend b = backends.get(0);
        b.healthBody = "status: starting";
        build(http().expectedBody("ready").build());
        awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " HEALTHY -> UNHEALTHY", Duration.ofSeconds(5));
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason())
                .isEqualTo("first health check failed: status 200 without \"ready\" in the body");
        assertThat(state(backends.get(1))).isEqualTo(BackendState.HEALTHY);
    }

    @Test
    void aHealthCheckThatDoesNotAnswerInTimeFails() throws Exception {
        TestBackend b = backends.get(0);
        b.healthDelayMillis = 1000;
        build(http().timeout(Duration.ofMillis(100)).build());
        awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " HEALTHY -> UNHEALTHY", Duration.ofSeconds(5));
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason())
                .isEqualTo("first health check failed: timeout after 100ms");
    }

    @Test
    void tcpChecksSeeAStoppedBackendAndItsReturn() throws Exception {
        build(ActiveHealthCheck.tcp().interval(INTERVAL).timeout(TIMEOUT).jitter(JITTER).rise(RISE).fall(FALL).build());
        TestBackend b = backends.get(1);
        b.stop();
        awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " HEALTHY -> UNHEALTHY", Duration.ofSeconds(10));
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason()).endsWith(": connection refused");
        b.start();
        awaitEvent("STATE_CHANGED 127.0.0.1:" + b.port() + " UNHEALTHY -> HEALTHY", Duration.ofSeconds(10));
        assertThat(lb.pool().stats(b.backend()).orElseThrow().stateReason())
                .isEqualTo("health check passed 2 times: connected");
    }

    @Test
    void aBackendFortyMillisecondsSlowerIsDegradedAndGetsLessTraffic() throws Exception {
        TestBackend slow = backends.get(2);
        slow.delayMillis = 40;
        build(ActiveHealthCheck.disabled(), LatencyHealth.builder().interval(Duration.ofMillis(100)).minimumSamples(5)
                .build());
        for (int i = 0; i < 30; i++) {
            send();
        }
        await("the slow backend degraded", Duration.ofSeconds(5), () -> state(slow) == BackendState.DEGRADED);
        BackendStats stats = lb.pool().stats(slow.backend()).orElseThrow();
        assertThat(stats.latencyEwmaNanos()).as("%s", stats).isGreaterThan(Duration.ofMillis(40).toNanos());
        assertThat(stats.stateReason()).startsWith("latency ").contains(" > max(3.0 x median ");
        assertThat(stats.effectiveWeight()).isEqualTo(10);
        assertThat(state(backends.get(0))).isEqualTo(BackendState.HEALTHY);
        assertThat(state(backends.get(1))).isEqualTo(BackendState.HEALTHY);
        // The rotate strategy ignores weights; the effective weights are what weighted strategies see.
        assertThat(lb.pool().stats(backends.get(0).backend()).orElseThrow().effectiveWeight()).isEqualTo(100);
    }
}
