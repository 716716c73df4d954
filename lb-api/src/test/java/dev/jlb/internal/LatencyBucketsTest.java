package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.LatencyDistribution;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyBucketsTest {

    @Test
    void layout() {
        assertThat(LatencyBuckets.COUNT).isEqualTo(242);
        assertThat(LatencyBuckets.index(0)).isZero();
        assertThat(LatencyBuckets.index(1023)).isZero();
        assertThat(LatencyBuckets.index(1024)).isEqualTo(1);
        assertThat(LatencyBuckets.index(1024 + 127)).isEqualTo(1);
        assertThat(LatencyBuckets.index(1024 + 128)).isEqualTo(2);
        assertThat(LatencyBuckets.index(2047)).isEqualTo(8);
        assertThat(LatencyBuckets.index(2048)).isEqualTo(9);
        assertThat(LatencyBuckets.index((1L << 40) - 1)).isEqualTo(240);
        assertThat(LatencyBuckets.index(1L << 40)).isEqualTo(241);
        assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(241);
        assertThat(LatencyBuckets.lowerBound(1)).isEqualTo(1024);
        assertThat(LatencyBuckets.lowerBound(2)).isEqualTo(1152);
        assertThat(LatencyBuckets.lowerBound(9)).isEqualTo(2048);
        assertThat(LatencyBuckets.lowerBound(241)).isEqualTo(1L << 40);
        assertThat(LatencyBuckets.value(0)).isEqualTo(512);
        assertThat(LatencyBuckets.value(1)).isEqualTo(1088);
        assertThat(LatencyBuckets.value(241)).isEqualTo(1L << 40);
    }

    @Test
    void everyBucketStartsWhereThePreviousEndsAndMapsBackToItself() {
        for (int i = 1; i < LatencyBuckets.COUNT; i++) {
            long low = LatencyBuckets.lowerBound(i);
            assertThat(low).as("bucket %d", i).isGreaterThan(LatencyBuckets.lowerBound(i - 1));
            assertThat(LatencyBuckets.index(low)).as("lower bound of %d", i).isEqualTo(i);
            assertThat(LatencyBuckets.index(low - 1)).as("below bucket %d", i).isEqualTo(i - 1);
        }
    }

    @Test
    void theValueOfABucketIsWithinOneSixteenthOfEveryLatencyInIt() {
        SplittableRandom random = new SplittableRandom(42);
        for (int n = 0; n < 100_000; n++) {
            // log-uniform from 1 us to 2^40 ns
            long v = (long) Math.pow(2, 10 + random.nextDouble() * 30);
            long value = LatencyBuckets.value(LatencyBuckets.index(v));
            assertThat((double) Math.abs(value - v)).as("latency %d reported as %d", v, value).isLessThanOrEqualTo(v / 16.0);
        }
    }

    @Test
    void quantilesOfAScriptedSequence() {
        int[] live = new int[LatencyBuckets.COUNT];
        // 90 requests at 1 ms, 9 at 10 ms, 1 at 1 s
        for (int i = 0; i < 90; i++) {
            LatencyBuckets.record(live, 1_000_000);
        }
        for (int i = 0; i < 9; i++) {
            LatencyBuckets.record(live, 10_000_000);
        }
        LatencyBuckets.record(live, 1_000_000_000);
        LatencyDistribution d = LatencyBuckets.snapshot(live, null);
        assertThat(d.count()).isEqualTo(100);
        assertThat(d.quantileNanos(0.5)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(1_000_000)));
        assertThat(d.quantileNanos(0.9)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(1_000_000)));
        assertThat(d.quantileNanos(0.91)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(10_000_000)));
        assertThat(d.quantileNanos(0.99)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(10_000_000)));
        assertThat(d.quantileNanos(1)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(1_000_000_000)));
        assertThat(d.quantileNanos(0)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(1_000_000)));
        assertThat(d.quantileNanos(0.5)).isBetween(1_000_000 - 1_000_000 / 16L, 1_000_000 + 1_000_000 / 16L);
        assertThat(d.toString()).isEqualTo("LatencyDistribution{count=100, p50=1.0ms, p90=1.0ms, p99=10.0ms, max=973.1ms}");
    }

    @Test
    void sinceSubtractsAnEarlierView() {
        int[] live = new int[LatencyBuckets.COUNT];
        for (int i = 0; i < 100; i++) {
            LatencyBuckets.record(live, 1_000_000);
        }
        LatencyDistribution before = LatencyBuckets.snapshot(live, null);
        for (int i = 0; i < 10; i++) {
            LatencyBuckets.record(live, 50_000_000);
        }
        LatencyDistribution after = LatencyBuckets.snapshot(live, null);
        LatencyDistribution window = after.since(before);
        assertThat(window.count()).isEqualTo(10);
        assertThat(window.quantileNanos(0.5)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(50_000_000)));
        assertThat(after.quantileNanos(0.5)).isEqualTo(LatencyBuckets.value(LatencyBuckets.index(1_000_000)));
        assertThat(after.since(after).count()).isZero();
        assertThat(after.since(after).quantileNanos(0.99)).isEqualTo(-1);
        assertThat(after.since(DefaultLatencyDistribution.EMPTY)).isEqualTo(after);
    }

    @Test
    void aBucketThatReachesTheFoldMovesToTheLongSideAndKeepsCounting() {
        int[] live = new int[LatencyBuckets.COUNT];
        int i = LatencyBuckets.index(1_000_000);
        live[i] = LatencyBuckets.FOLD - 2;
        assertThat(LatencyBuckets.record(live, 1_000_000)).isEqualTo(-1);
        assertThat(LatencyBuckets.record(live, 1_000_000)).as("the count reaches FOLD").isEqualTo(i);
        long[] folded = LatencyBuckets.fold(live, null, i);
        assertThat(folded[i]).isEqualTo(LatencyBuckets.FOLD);
        assertThat(live[i]).isZero();
        assertThat(LatencyBuckets.record(live, 1_000_000)).isEqualTo(-1);
        LatencyDistribution d = LatencyBuckets.snapshot(live, folded);
        assertThat(d.count()).isEqualTo(LatencyBuckets.FOLD + 1L);
        // The int side at FOLD - 1 again (as if a billion more came): the next one folds into the same long side.
        live[i] = LatencyBuckets.FOLD - 1;
        assertThat(LatencyBuckets.record(live, 1_000_000)).isEqualTo(i);
        assertThat(LatencyBuckets.fold(live, folded, i)).isSameAs(folded);
        assertThat(LatencyBuckets.snapshot(live, folded).count()).isEqualTo(2L * LatencyBuckets.FOLD);
    }

    @Test
    void anEmptyDistributionHasNoQuantile() {
        LatencyDistribution d = LatencyBuckets.snapshot(new int[LatencyBuckets.COUNT], null);
        assertThat(d.count()).isZero();
        assertThat(d.quantileNanos(0.5)).isEqualTo(-1);
        assertThat(d.toString()).isEqualTo("LatencyDistribution{count=0}");
    }

    @Test
    void quantileOutsideZeroToOneIsRejected() {
        LatencyDistribution d = DefaultLatencyDistribution.EMPTY;
        assertThatThrownBy(() -> d.quantileNanos(1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quantile: 1.5 (expected: in [0, 1])");
        assertThatThrownBy(() -> d.quantileNanos(Double.NaN)).hasMessage("quantile: NaN (expected: in [0, 1])");
    }
}
