package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import dev.jlb.health.OutlierDetection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The hedge delay: fixed, or a percentile of the route's recent latencies (the fastest backend's), on a fake ticker. */
class HedgeDelayTest {
    private static final Backend A = Backend.of("http://127.0.0.1:9001");
    private static final Backend B = Backend.of("http://127.0.0.1:9002");
    private static final long MS = 1_000_000;
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LoadBalancer lb = LoadBalancer.builder().name("h").ticker(nanos::get)
            .outlierDetection(OutlierDetection.disabled()).backends(List.of(A, B)).build();

    private void record(Backend on, int count, long latencyNanos) {
        for (int i = 0; i < count; i++) {
            Selection s = lb.select(RequestContext.empty(), Set.of(on == A ? B : A));
            s.onSuccess(200, latencyNanos);
        }
    }

    @Test
    void aFixedDelayIsThatDelay() {
        HedgeDelay d = new HedgeDelay(lb, RetryPolicy.builder().hedgeAfter(Duration.ofMillis(40)).build());
        assertThat(d.nanos(nanos.get())).isEqualTo(40 * MS);
    }

    @Test
    void aPercentileIsTheFastestBackendsOverTheLastSecondAndNoneWithoutEnoughLatencies() {
        HedgeDelay d = new HedgeDelay(lb, RetryPolicy.builder().hedgeAfterPercentile(95).build());
        record(A, 50, 10 * MS);
        assertThat(d.nanos(nanos.get())).as("fewer than 100 latencies: no hedge").isEqualTo(-1);

        record(A, 200, 10 * MS);
        record(B, 200, 100 * MS);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        // A's p95 is 10 ms (within the histogram's 1/16), B's 100 ms: the lowest.
        assertThat(d.nanos(nanos.get())).isBetween(10 * MS * 15 / 16, 10 * MS * 17 / 16);

        // Within the second, the delay is not computed again.
        record(A, 300, 50 * MS);
        assertThat(d.nanos(nanos.get())).isBetween(10 * MS * 15 / 16, 10 * MS * 17 / 16);
        // A second later, only the latest second counts: A at 50 ms, B had none (too few): 50 ms.
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(d.nanos(nanos.get())).isBetween(50 * MS * 15 / 16, 50 * MS * 17 / 16);
        // A quiet second keeps the last delay.
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(d.nanos(nanos.get())).isBetween(50 * MS * 15 / 16, 50 * MS * 17 / 16);
    }

    @Test
    void thePolicyJudgesItsHedgingSettings() {
        assertThatThrownBy(() -> RetryPolicy.builder().hedgeAfter(Duration.ZERO)).hasMessage("hedgeAfter: 0s (expected: > 0s)");
        assertThatThrownBy(() -> RetryPolicy.builder().hedgeAfterPercentile(100))
                .hasMessage("hedgeAfter: p100.0 (expected: a percentile such as p95, in (0, 100))");
        RetryPolicy p = RetryPolicy.builder().hedgeAfterPercentile(99.5).build();
        assertThat(p.hedges()).isTrue();
        assertThat(p.hedgePercentile()).isEqualTo(99.5);
        assertThat(p.hedgeAfter()).isNull();
        assertThat(p.toString()).contains("hedgeAfter=p99.5");
        assertThat(p.toBuilder().hedgeAfter(Duration.ofMillis(5)).build().hedgePercentile()).isZero();
        assertThat(RetryPolicy.builder().hedgeAfter(Duration.ofMillis(5)).maxAttempts(1).build().hedges())
                .as("one attempt: nothing to hedge with").isFalse();
        assertThat(RetryPolicy.builder().hedgeAfter(Duration.ofMillis(5)).build())
                .isNotEqualTo(RetryPolicy.defaults()).isEqualTo(RetryPolicy.builder().hedgeAfter(Duration.ofMillis(5)).build());
        assertThat(RetryPolicy.defaults().hedges()).isFalse();
    }
}
