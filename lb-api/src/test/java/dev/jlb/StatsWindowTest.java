package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsWindowTest {

    private static final Backend A = Backend.of("http://127.0.0.1:8081");
    private static final long MS = 1_000_000;

    private final FakeTicker ticker = new FakeTicker();
    private final LoadBalancer lb = LoadBalancer.builder().name("api").strategy(TestStrategies.first()).ticker(ticker)
            .outlierDetection(OutlierDetection.disabled()).backends(List.of(A)).build();

    private void requests(int ok, int failed, long latencyNanos) {
        for (int i = 0; i < ok; i++) {
            lb.select(RequestContext.empty()).onSuccess(200, latencyNanos);
        }
        for (int i = 0; i < failed; i++) {
            lb.select(RequestContext.empty()).onFailure(503, latencyNanos);
        }
    }

    private static BackendStats a(StatsWindow.Recent recent) {
        return recent.current().backends().get(0);
    }

    @Test
    void ratesAndLatencyOverTheWindow() {
        StatsWindow window = new StatsWindow(lb, Duration.ofSeconds(10));
        // 10 s of 1 ms requests, then 10 s of slower, partly failing ones; one call per second.
        for (int s = 0; s < 10; s++) {
            requests(20, 0, MS);
            ticker.advance(Duration.ofSeconds(1));
            window.recent();
        }
        StatsWindow.Recent first = window.recent();
        assertThat(first.seconds()).isEqualTo(10.0);
        assertThat(first.requestsPerSecond()).isEqualTo(20.0);
        assertThat(first.requestsPerSecond(a(first))).isEqualTo(20.0);
        assertThat(first.errorRate(a(first))).isEqualTo(0.0);
        assertThat(first.latency(a(first)).count()).isEqualTo(200);

        for (int s = 0; s < 10; s++) {
            requests(15, 5, 40 * MS);
            ticker.advance(Duration.ofSeconds(1));
            window.recent();
        }
        StatsWindow.Recent second = window.recent();
        assertThat(second.seconds()).isEqualTo(10.0);
        assertThat(second.requestsPerSecond(a(second))).isEqualTo(20.0);
        assertThat(second.errorRate(a(second))).isEqualTo(0.25);
        assertThat(second.latency(a(second)).count()).isEqualTo(200);
        assertThat(second.latency(a(second)).quantileNanos(0.5)).isBetween(40 * MS - 40 * MS / 16, 40 * MS + 40 * MS / 16);
        assertThat(a(second).latency().quantileNanos(0.5)).as("since start").isLessThan(2 * MS);
    }

    @Test
    void firstCallComparesWithConstructionAndAPauseIsNotAveragedIn() {
        StatsWindow window = new StatsWindow(lb, Duration.ofSeconds(10));
        requests(30, 0, MS);
        ticker.advance(Duration.ofSeconds(3));
        StatsWindow.Recent first = window.recent();
        assertThat(first.seconds()).isEqualTo(3.0);
        assertThat(first.requestsPerSecond()).isEqualTo(10.0);

        // An hour without calls, then two calls 2 s apart: the second looks at those 2 s only.
        ticker.advance(Duration.ofHours(1));
        window.recent();
        requests(8, 2, MS);
        ticker.advance(Duration.ofSeconds(2));
        StatsWindow.Recent later = window.recent();
        assertThat(later.seconds()).isEqualTo(2.0);
        assertThat(later.requestsPerSecond(a(later))).isEqualTo(5.0);
        assertThat(later.errorRate(a(later))).isEqualTo(0.2);
    }

    @Test
    void noTimeNoRateAndNoRequestsNoErrorRate() {
        StatsWindow window = new StatsWindow(lb, Duration.ofSeconds(10));
        StatsWindow.Recent recent = window.recent();
        assertThat(recent.seconds()).isZero();
        assertThat(recent.requestsPerSecond()).isZero();
        assertThat(recent.errorRate(a(recent))).isNaN();
        assertThat(recent.latency(a(recent)).quantileNanos(0.99)).isEqualTo(-1);
    }

    @Test
    void aBackendAddedAgainCountsFromZero() {
        StatsWindow window = new StatsWindow(lb, Duration.ofSeconds(10));
        requests(100, 0, MS);
        ticker.advance(Duration.ofSeconds(10));
        window.recent();
        lb.pool().remove(A);
        lb.pool().add(A);
        requests(10, 0, MS);
        ticker.advance(Duration.ofSeconds(10));
        StatsWindow.Recent recent = window.recent();
        assertThat(recent.requestsPerSecond(a(recent))).isEqualTo(1.0);
        assertThat(recent.latency(a(recent)).count()).isEqualTo(10);
        assertThat(recent.requestsPerSecond()).as("the route's total goes on").isEqualTo(1.0);
    }

    @Test
    void rejectsANonPositiveWindow() {
        assertThatThrownBy(() -> new StatsWindow(lb, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window: 0s (expected: > 0)");
        assertThat(new StatsWindow(lb, Duration.ofSeconds(30)).toString()).isEqualTo("StatsWindow{api, window=30s}");
    }
}
