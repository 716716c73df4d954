package dev.jlb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/** Defaults, validation messages, equality and toString of every health option value. */
class HealthOptionsTest {

    @Test
    void activeHealthCheckDefaults() {
        ActiveHealthCheck check = ActiveHealthCheck.http("/health").build();
        assertThat(check.isEnabled()).isTrue();
        assertThat(check.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(check.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(check.jitter()).isEqualTo(0.1);
        assertThat(check.rise()).isEqualTo(2);
        assertThat(check.fall()).isEqualTo(3);
        assertThat(check).hasToString("ActiveHealthCheck{http GET /health expecting 200-299 within 1s, interval=2s, "
                + "timeout=1s, jitter=0.1, rise=2, fall=3}");
        assertThat(ActiveHealthCheck.disabled().isEnabled()).isFalse();
        assertThat(ActiveHealthCheck.disabled().probe()).isEmpty();
        assertThat(ActiveHealthCheck.disabled()).hasToString("ActiveHealthCheck{disabled}");
        assertThat(ActiveHealthCheck.tcp().timeout(Duration.ofMillis(1500)).build())
                .hasToString("ActiveHealthCheck{tcp connect, interval=2s, timeout=1500ms, jitter=0.1, rise=2, fall=3}");
    }

    @Test
    void activeHealthCheckValidation() {
        ActiveHealthCheck.HttpBuilder b = ActiveHealthCheck.http("/health");
        assertThatThrownBy(() -> b.interval(Duration.ZERO)).hasMessage("interval: 0s (expected: > 0)");
        assertThatThrownBy(() -> b.timeout(Duration.ofMillis(-5))).hasMessage("timeout: -5ms (expected: > 0)");
        assertThatThrownBy(() -> b.jitter(-0.1)).hasMessage("jitter: -0.1 (expected: >= 0.0)");
        assertThatThrownBy(() -> b.jitter(1.0)).hasMessage("jitter: 1.0 (expected: < 1.0)");
        assertThatThrownBy(() -> b.jitter(Double.NaN)).hasMessage("jitter: NaN (expected: >= 0.0)");
        assertThatThrownBy(() -> b.rise(0)).hasMessage("rise: 0 (expected: >= 1)");
        assertThatThrownBy(() -> b.fall(-1)).hasMessage("fall: -1 (expected: >= 1)");
        assertThatThrownBy(() -> b.method("GE T"))
                .hasMessage("method: GE T (expected: an HTTP method such as GET or HEAD)");
        assertThatThrownBy(() -> b.expectedBody("")).hasMessage("expectedBody: \"\" (expected: not empty)");
        assertThatThrownBy(() -> b.interval(null)).isInstanceOf(NullPointerException.class).hasMessage("interval");
        assertThatThrownBy(() -> ActiveHealthCheck.http("health"))
                .hasMessage("path: health (expected: a path starting with /, such as /health)");
        assertThatThrownBy(() -> ActiveHealthCheck.http("/a b"))
                .hasMessage("path: /a b (expected: a valid URI path, such as /health)");
        assertThatThrownBy(() -> ActiveHealthCheck.http("/h#x")).hasMessage("path: /h#x (expected: no fragment)");
        assertThatThrownBy(() -> ActiveHealthCheck.http("/health").method("HEAD").expectedBody("ok").build())
                .hasMessage("expectedBody: ok (expected: none with method HEAD, whose responses have no body)");
        assertThatThrownBy(() -> ActiveHealthCheck.of(null)).hasMessage("probe");
    }

    @Test
    void expectedStatuses() {
        StatusRanges ranges = StatusRanges.parse("200-204, 302,418");
        assertThat(ranges.contains(200)).isTrue();
        assertThat(ranges.contains(204)).isTrue();
        assertThat(ranges.contains(205)).isFalse();
        assertThat(ranges.contains(302)).isTrue();
        assertThat(ranges.contains(418)).isTrue();
        assertThat(ranges.contains(99)).isFalse();
        assertThat(ranges.contains(600)).isFalse();
        for (String bad : List.of("", "2xx", "300-200", "99", "200-600", "200,", "-1")) {
            assertThatThrownBy(() -> ActiveHealthCheck.http("/h").expectedStatuses(bad))
                    .hasMessage("expectedStatuses: " + bad
                            + " (expected: comma-separated codes or ranges within 100..599, such as 200-299,302)");
        }
    }

    @Test
    void theHttpProbeJudgesStatusAndBody() {
        HttpHealthCheck probe = new HttpHealthCheck("GET", "/health", StatusRanges.parse("200-299"), "ok",
                Duration.ofSeconds(1));
        assertThat(probe.judge(200, "all ok")).isEqualTo(HealthCheckResult.healthy("status 200"));
        assertThat(probe.judge(503, "ok")).isEqualTo(HealthCheckResult.unhealthy("status 503"));
        assertThat(probe.judge(204, "")).isEqualTo(HealthCheckResult.unhealthy("status 204 without \"ok\" in the body"));
        assertThat(probe.judge(200, null)).isEqualTo(HealthCheckResult.unhealthy("status 200 without \"ok\" in the body"));
    }

    @Test
    void builtInProbesCompareBySettings() {
        ActiveHealthCheck a = ActiveHealthCheck.http("/health").expectedBody("ok").build();
        ActiveHealthCheck b = ActiveHealthCheck.http("/health").expectedBody("ok").build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(ActiveHealthCheck.http("/health").build());
        assertThat(a).isNotEqualTo(ActiveHealthCheck.http("/health").expectedBody("ok").rise(3).build());
        assertThat(ActiveHealthCheck.tcp().build()).isEqualTo(ActiveHealthCheck.tcp().build());
        HealthCheck custom = backend -> CompletableFuture.completedFuture(HealthCheckResult.healthy());
        assertThat(ActiveHealthCheck.of(custom).build()).isEqualTo(ActiveHealthCheck.of(custom).build());
        HealthCheck other = backend -> CompletableFuture.completedFuture(HealthCheckResult.healthy());
        assertThat(ActiveHealthCheck.of(custom).build()).isNotEqualTo(ActiveHealthCheck.of(other).build());
    }

    @Test
    void theBodyReaderStopsAtItsLimit() {
        HttpHealthCheck.LimitedStringSubscriber subscriber = new HttpHealthCheck.LimitedStringSubscriber(8);
        int[] requested = {0};
        boolean[] cancelled = {false};
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                requested[0] += (int) n;
            }

            @Override
            public void cancel() {
                cancelled[0] = true;
            }
        });
        subscriber.onNext(List.of(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8))));
        assertThat(subscriber.getBody().toCompletableFuture()).isNotDone();
        subscriber.onNext(List.of(ByteBuffer.wrap(" world".getBytes(StandardCharsets.UTF_8))));
        assertThat(cancelled[0]).isTrue();
        assertThat(requested[0]).isEqualTo(2);
        assertThat(subscriber.getBody().toCompletableFuture().join()).isEqualTo("hello wo");
    }

    @Test
    void outlierDetectionDefaultsAndValidation() {
        OutlierDetection defaults = OutlierDetection.defaults();
        assertThat(defaults.isEnabled()).isTrue();
        assertThat(defaults.consecutiveFailures()).isEqualTo(5);
        assertThat(defaults.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(defaults.maxEjectionPercent()).isEqualTo(50);
        assertThat(defaults.unejectOnHealthCheckPass()).as("as Envoy's default").isTrue();
        assertThat(defaults).isEqualTo(OutlierDetection.builder().build());
        assertThat(defaults).hasToString("OutlierDetection{consecutiveFailures=5, baseEjectionTime=30s, "
                + "maxEjectionTime=5m, maxEjectionPercent=50, unejectOnHealthCheckPass=true}");
        OutlierDetection kept = OutlierDetection.builder().unejectOnHealthCheckPass(false).build();
        assertThat(kept.unejectOnHealthCheckPass()).isFalse();
        assertThat(kept).isNotEqualTo(defaults).doesNotHaveSameHashCodeAs(defaults)
                .hasToString("OutlierDetection{consecutiveFailures=5, baseEjectionTime=30s, "
                        + "maxEjectionTime=5m, maxEjectionPercent=50, unejectOnHealthCheckPass=false}");
        assertThat(OutlierDetection.disabled()).hasToString("OutlierDetection{disabled}");
        assertThat(OutlierDetection.disabled()).isNotEqualTo(defaults);
        OutlierDetection.Builder b = OutlierDetection.builder();
        assertThatThrownBy(() -> b.consecutiveFailures(0)).hasMessage("consecutiveFailures: 0 (expected: >= 1)");
        assertThatThrownBy(() -> b.baseEjectionTime(Duration.ZERO)).hasMessage("baseEjectionTime: 0s (expected: > 0)");
        assertThatThrownBy(() -> b.maxEjectionTime(Duration.ofSeconds(-1))).hasMessage("maxEjectionTime: -1s (expected: > 0)");
        assertThatThrownBy(() -> b.maxEjectionPercent(-1)).hasMessage("maxEjectionPercent: -1 (expected: >= 0)");
        assertThatThrownBy(() -> b.maxEjectionPercent(101)).hasMessage("maxEjectionPercent: 101 (expected: <= 100)");
        assertThatThrownBy(() -> OutlierDetection.builder().baseEjectionTime(Duration.ofSeconds(60))
                .maxEjectionTime(Duration.ofSeconds(30)).build())
                .hasMessage("maxEjectionTime: 30s (expected: >= baseEjectionTime (1m))");
    }

    @Test
    void latencyHealthDefaultsAndValidation() {
        LatencyHealth defaults = LatencyHealth.builder().build();
        assertThat(defaults.absoluteLimit()).isEmpty();
        assertThat(defaults.relativeFactor()).isEqualTo(3.0);
        assertThat(defaults.relativeFloor()).isEqualTo(Duration.ofMillis(20));
        assertThat(defaults.minimumSamples()).isEqualTo(10);
        assertThat(defaults.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.action()).isEqualTo(LatencyHealth.Action.DEGRADE);
        assertThat(defaults.degradedWeightFactor()).isEqualTo(0.1);
        assertThat(defaults).hasToString("LatencyHealth{relativeFactor=3.0, relativeFloor=20ms, minimumSamples=10, "
                + "interval=1s, action=DEGRADE, degradedWeightFactor=0.1}");
        assertThat(LatencyHealth.builder().absoluteLimit(Duration.ofMillis(250)).withoutRelativeLimit()
                .action(LatencyHealth.Action.EJECT).build())
                .hasToString("LatencyHealth{absoluteLimit=250ms, relative=off, minimumSamples=10, interval=1s, action=EJECT}");
        assertThat(LatencyHealth.disabled().isEnabled()).isFalse();
        assertThat(LatencyHealth.disabled()).hasToString("LatencyHealth{disabled}");
        LatencyHealth.Builder b = LatencyHealth.builder();
        assertThatThrownBy(() -> b.absoluteLimit(Duration.ZERO)).hasMessage("absoluteLimit: 0s (expected: > 0)");
        assertThatThrownBy(() -> b.relativeFactor(1.0)).hasMessage("relativeFactor: 1.0 (expected: > 1.0)");
        assertThatThrownBy(() -> b.relativeFloor(Duration.ofMillis(-1))).hasMessage("relativeFloor: -1ms (expected: >= 0)");
        assertThatThrownBy(() -> b.minimumSamples(0)).hasMessage("minimumSamples: 0 (expected: >= 1)");
        assertThatThrownBy(() -> b.interval(Duration.ZERO)).hasMessage("interval: 0s (expected: > 0)");
        assertThatThrownBy(() -> b.degradedWeightFactor(0)).hasMessage("degradedWeightFactor: 0.0 (expected: > 0.0)");
        assertThatThrownBy(() -> b.degradedWeightFactor(1)).hasMessage("degradedWeightFactor: 1.0 (expected: < 1.0)");
        assertThatThrownBy(() -> b.action(null)).hasMessage("action");
        assertThatThrownBy(() -> LatencyHealth.builder().withoutRelativeLimit().build())
                .hasMessage("absoluteLimit: none (expected: a limit when the relative rule is off)");
    }

    @Test
    void slowStartRampAndValidation() {
        SlowStart s = SlowStart.of(Duration.ofSeconds(30));
        assertThat(s.floor()).isEqualTo(0.1);
        assertThat(s.factor(0)).isEqualTo(0.1);
        assertThat(s.factor(2_999_999_999L)).isEqualTo(0.1);
        assertThat(s.factor(3_000_000_000L)).isEqualTo(0.1 + 0.9 / 10);
        assertThat(s.factor(15_000_000_000L)).isEqualTo(0.1 + 0.9 * 5 / 10);
        assertThat(s.factor(30_000_000_000L)).isEqualTo(1.0);
        assertThat(s.nextStepNanos(0)).isEqualTo(3_000_000_000L);
        assertThat(s.nextStepNanos(3_000_000_000L)).isEqualTo(6_000_000_000L);
        assertThat(s.nextStepNanos(29_000_000_000L)).isEqualTo(30_000_000_000L);
        assertThat(s.nextStepNanos(30_000_000_000L)).isEqualTo(-1);
        SlowStart odd = SlowStart.of(Duration.ofNanos(7), 0.5);
        for (long t = 0; t < 7; t++) {
            long next = odd.nextStepNanos(t);
            assertThat(next).isGreaterThan(t);
            assertThat(odd.factor(next)).isGreaterThan(odd.factor(t));
            assertThat(odd.factor(next - 1)).isEqualTo(odd.factor(t));
        }
        assertThat(SlowStart.disabled().factor(0)).isEqualTo(1.0);
        assertThat(SlowStart.disabled().nextStepNanos(0)).isEqualTo(-1);
        assertThat(SlowStart.disabled().window()).isEqualTo(Duration.ZERO);
        assertThat(s).hasToString("SlowStart{window=30s, floor=0.1}").isEqualTo(SlowStart.of(Duration.ofSeconds(30), 0.1));
        assertThat(SlowStart.disabled()).hasToString("SlowStart{disabled}");
        assertThatThrownBy(() -> SlowStart.of(Duration.ZERO)).hasMessage("window: 0s (expected: > 0)");
        assertThatThrownBy(() -> SlowStart.of(Duration.ofSeconds(1), 0)).hasMessage("floor: 0.0 (expected: > 0.0)");
        assertThatThrownBy(() -> SlowStart.of(Duration.ofSeconds(1), 1)).hasMessage("floor: 1.0 (expected: < 1.0)");
    }

    @Test
    void panicThresholdValidation() {
        assertThat(PanicMode.checkThreshold(0)).isZero();
        assertThat(PanicMode.checkThreshold(1)).isEqualTo(1);
        assertThatThrownBy(() -> PanicMode.checkThreshold(-0.1))
                .hasMessage("panicThreshold: -0.1 (expected: >= 0.0 and <= 1.0)");
        assertThatThrownBy(() -> PanicMode.checkThreshold(Double.NaN))
                .hasMessage("panicThreshold: NaN (expected: >= 0.0 and <= 1.0)");
    }

    @Test
    void resultsAreValues() {
        assertThat(HealthCheckResult.healthy()).hasToString("healthy (ok)");
        assertThat(HealthCheckResult.unhealthy("status 500")).hasToString("unhealthy (status 500)")
                .isEqualTo(HealthCheckResult.unhealthy("status 500"));
        assertThat(HealthCheckResult.healthy("x")).isNotEqualTo(HealthCheckResult.unhealthy("x"));
    }

    @Test
    void thresholdsAndCountsHaveUpperLimits() {
        assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(1001))
                .hasMessage("consecutiveFailures: 1001 (expected: <= 1000)");
        assertThatThrownBy(() -> LatencyHealth.builder().minimumSamples(1_000_001))
                .hasMessage("minimumSamples: 1000001 (expected: <= 1000000)");
        assertThatThrownBy(() -> LatencyHealth.builder().relativeFactor(1000.5))
                .hasMessage("relativeFactor: 1000.5 (expected: <= 1000.0)");
        assertThatThrownBy(() -> LatencyHealth.builder().relativeFactor(Double.POSITIVE_INFINITY))
                .hasMessage("relativeFactor: Infinity (expected: <= 1000.0)");
        assertThat(LatencyHealth.builder().relativeFactor(1000).minimumSamples(1_000_000).build().relativeFactor())
                .isEqualTo(1000.0);
    }

    @Test
    void aSlowStartFloorIsCheckedOnItsOwnAsOfChecksIt() {
        assertThat(SlowStart.checkFloor(0.25)).isEqualTo(0.25);
        assertThatThrownBy(() -> SlowStart.checkFloor(0)).hasMessage("floor: 0.0 (expected: > 0.0)");
        assertThatThrownBy(() -> SlowStart.checkFloor(1)).hasMessage("floor: 1.0 (expected: < 1.0)");
    }
}
