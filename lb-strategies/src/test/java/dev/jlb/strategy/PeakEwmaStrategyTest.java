package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import dev.jlb.StrategyRegistry;
import dev.jlb.Ticker;
import dev.jlb.health.OutlierDetection;
import dev.jlb.health.SlowStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeakEwmaStrategyTest {

    private static final long MS = 1_000_000L;
    private static final Duration DECAY = Duration.ofSeconds(10);
    private static final Duration DEFAULT = Duration.ofMillis(30);

    private final AtomicLong now = new AtomicLong(1_000 * MS);
    private final Ticker ticker = now::get;

    private PeakEwma tracker() {
        return new PeakEwma(ticker, DECAY.toNanos(), DEFAULT.toNanos());
    }

    private void advance(long nanos) {
        now.addAndGet(nanos);
    }

    @Test
    void aBackendWithoutSamplesCostsTheDefaultLatencyAndASlowerSampleIsTakenAtOnce() {
        PeakEwma ewma = tracker();
        assertThat(ewma.estimate(now.get())).isEqualTo(30.0 * MS);

        ewma.completed(80 * MS, false);
        assertThat(ewma.estimate(now.get())).isEqualTo(80.0 * MS);
    }

    @Test
    void aFasterSampleMovesTheEstimateByTheTimeSinceTheLastOneOrAtLeastOneThirtySecond() {
        PeakEwma ewma = tracker();
        ewma.completed(80 * MS, false);
        // One decay later, a 10 ms sample: 80 e^-1 + 10 (1 - e^-1).
        advance(DECAY.toNanos());
        ewma.completed(10 * MS, false);
        double expected = 80.0 * MS * Math.exp(-1) + 10.0 * MS * (1 - Math.exp(-1));
        assertThat(ewma.estimate(now.get())).isCloseTo(expected, within(1.0));
        // A sample right after moves it by the floor of 1/32: with no time elapsed, the count governs.
        ewma.completed(1 * MS, false);
        double afterOne = expected - (expected - 1.0 * MS) / 32;
        assertThat(ewma.estimate(now.get())).isCloseTo(afterOne, within(1.0));
    }

    @Test
    void theFirstResponseReplacesTheDefaultLatency() {
        PeakEwma ewma = tracker();
        ewma.completed(2 * MS, false);
        assertThat(ewma.estimate(now.get())).isEqualTo(2.0 * MS);
        ewma.completed(1 * MS, false);
        assertThat(ewma.estimate(now.get())).isCloseTo(2.0 * MS - 1.0 * MS / 32, within(1.0));
    }

    @Test
    void atHighRatesAJitterPeakIsForgottenAfterAHundredResponsesNotAfterTheDecay() {
        PeakEwma ewma = tracker();
        ewma.completed(1 * MS, false);
        ewma.completed(20 * MS, false); // one hiccup
        for (int i = 0; i < 100; i++) {
            advance(10_000); // 100,000 responses a second: 1 ms of time in all, 1/10,000 of the decay
            ewma.completed(1 * MS, false);
        }
        // 1 + 19 x (31/32)^100 = 1.81 ms: the peak is gone after 100 responses, where by time alone
        // (1 ms of a 10 s decay) the estimate would still be 20 ms.
        assertThat(ewma.estimate(now.get()))
                .isCloseTo(1.0 * MS + 19.0 * MS * Math.pow(31.0 / 32, 100), within(0.01 * MS));
    }

    @Test
    void atLowRatesTheDecayGoverns() {
        PeakEwma ewma = tracker();
        ewma.completed(50 * MS, false);
        advance(DECAY.toNanos() / 10);
        ewma.completed(1 * MS, false);
        // A tenth of a decay since the 50 ms response: 1 - e^-0.1 = 9.5% of the way, more than 1/32.
        double keep = Math.exp(-0.1);
        assertThat(ewma.estimate(now.get())).isCloseTo(50.0 * MS * keep + 1.0 * MS * (1 - keep), within(1.0));
    }

    @Test
    void withoutSamplesTheEstimateDecaysTowardsZero() {
        PeakEwma ewma = tracker();
        ewma.completed(50 * MS, false);
        advance(2 * DECAY.toNanos());
        assertThat(ewma.estimate(now.get())).isCloseTo(50.0 * MS * Math.exp(-2), within(1.0));
    }

    @Test
    void aFailureCountsAsTwiceTheEstimateAtLeastCappedAtAHundredDefaultLatencies() {
        PeakEwma ewma = tracker();
        ewma.completed(1 * MS, true);
        // max(observed 1 ms, 2 x max(estimate 30 ms, default 30 ms)).
        assertThat(ewma.estimate(now.get())).isEqualTo(60.0 * MS);
        ewma.completed(-1, true);
        assertThat(ewma.estimate(now.get())).isEqualTo(120.0 * MS);
        for (int i = 0; i < 20; i++) {
            ewma.completed(0, true);
        }
        assertThat(ewma.estimate(now.get())).isEqualTo(3000.0 * MS);
        // A failure slower than the cap (a timeout) counts as observed.
        ewma.completed(5000 * MS, true);
        assertThat(ewma.estimate(now.get())).isEqualTo(5000.0 * MS);
        // A success without a latency is not a sample.
        ewma.completed(-1, false);
        assertThat(ewma.estimate(now.get())).isEqualTo(5000.0 * MS);
    }

    private LoadBalancer lb(RandomSource random, int... weights) {
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            backends.add(Fixtures.backend(i, weights[i]));
        }
        return LoadBalancer.builder().strategy(Strategies.peakEwma(DECAY, DEFAULT, ticker)).ticker(ticker)
                .random(random).backends(backends).outlierDetection(OutlierDetection.disabled()).build();
    }

    /**
     * {@code count} requests one after the other, each taking 10 us of fake time between picks;
     * backend {@code i} answers in {@code latencies[i]} ns (negative: fails fast in 0.1 ms).
     */
    private long[] run(LoadBalancer lb, int count, long... latencies) {
        long[] counts = new long[latencies.length];
        for (int r = 0; r < count; r++) {
            Selection s = lb.select(RequestContext.empty());
            int i = s.backend().port() - 8081;
            counts[i]++;
            advance(10_000);
            if (latencies[i] < 0) {
                s.onFailure(503, MS / 10);
            } else {
                s.onSuccess(200, latencies[i]);
            }
        }
        return counts;
    }

    @Test
    void aSlowBackendGetsAlmostNothingAndTheOthersShareEvenly() {
        try (LoadBalancer lb = lb(RandomSource.seeded(7), 1, 1, 1, 1, 1)) {
            run(lb, 1_000, MS, MS, MS, MS, 50 * MS);
            long[] counts = run(lb, 20_000, MS, MS, MS, MS, 50 * MS);
            assertThat(counts[4]).as("slow backend of %s", java.util.Arrays.toString(counts)).isLessThanOrEqualTo(2);
            for (int i = 0; i < 4; i++) {
                assertThat(counts[i]).as("backend %d of %s", i, java.util.Arrays.toString(counts))
                        .isBetween(4_700L, 5_300L);
            }
            Fixtures.assertAllInFlightZero(lb);
        }
    }

    @Test
    void aStrategyFromTheRegistryRunsOnTheLoadBalancersTicker() {
        // Created by name, as a configuration file does: on the system ticker until a load balancer
        // built with a fake ticker takes it, and then decaying on fake time only.
        Strategy byName = StrategyRegistry.create("peak-ewma", Map.of("decay", "10s"));
        try (LoadBalancer lb = LoadBalancer.builder().strategy(byName).ticker(ticker).random(RandomSource.seeded(3))
                .backends(List.of(Fixtures.backend(0, 1), Fixtures.backend(1, 1)))
                .outlierDetection(OutlierDetection.disabled()).build()) {
            assertThat(lb.strategy()).isNotSameAs(byName).isNotEqualTo(byName);
            run(lb, 2_000, MS, 500 * MS);
            long[] slow = run(lb, 2_000, MS, 500 * MS);
            assertThat(slow[1]).as("slow backend of %s", java.util.Arrays.toString(slow)).isLessThanOrEqualTo(2);
            // Ten decays of fake time later, with no samples: its estimate fell under its peer's and
            // it gets requests again (on the system clock, almost no time has passed).
            advance(10 * DECAY.toNanos());
            long[] after = run(lb, 2_000, MS, MS);
            assertThat(after[1]).as("recovered backend of %s", java.util.Arrays.toString(after)).isGreaterThan(700);
            // A reload with the same strategy by name lands on the same ticker.
            lb.updateStrategy(StrategyRegistry.create("peak-ewma", Map.of("decay", "10s")));
            assertThat(lb.strategy()).isEqualTo(Strategies.peakEwma(DECAY, DEFAULT, ticker));
            Fixtures.assertAllInFlightZero(lb);
        }
        // A strategy with a ticker of its own keeps it.
        Strategy own = Strategies.peakEwma(DECAY, DEFAULT, ticker);
        assertThat(own.withTicker(Ticker.systemTicker())).isSameAs(own);
    }

    @Test
    void aBackendThatFailsFastDoesNotLookCheap() {
        try (LoadBalancer lb = lb(RandomSource.seeded(11), 1, 1, 1)) {
            long[] counts = run(lb, 10_000, 2 * MS, 2 * MS, -1);
            assertThat(counts[2]).as("failing backend of %s", java.util.Arrays.toString(counts)).isLessThan(50);
        }
    }

    @Test
    void aBackendAvoidedForBeingSlowIsTriedAgainOnceItsEstimateHasDecayed() {
        try (LoadBalancer lb = lb(RandomSource.seeded(3), 1, 1)) {
            run(lb, 200, MS, 50 * MS);
            assertThat(run(lb, 1_000, MS, 50 * MS)[1]).isZero();
            // 50 ms decays below the 1 ms peer after 10 s x ln(50) = 39 s: idle 40 s, then it is tried,
            // answers fast, and its estimate drops at once (the elapsed time weighs the sample).
            advance(40_000 * MS);
            long[] counts = run(lb, 2_000, MS, MS);
            assertThat(counts[1]).as("recovered backend of %s", java.util.Arrays.toString(counts))
                    .isBetween(800L, 1_200L);
        }
    }

    @Test
    void withEqualLatenciesInFlightRequestsSteerPicks() {
        try (LoadBalancer lb = lb(RandomSource.seeded(5), 1, 1, 1)) {
            List<Selection> held = Fixtures.hold(lb, 30);
            int[] inFlight = Fixtures.inFlight(lb);
            for (int i = 0; i < 3; i++) {
                assertThat(inFlight[i]).as("in flight %s", java.util.Arrays.toString(inFlight)).isBetween(7, 13);
            }
            held.forEach(Selection::onSuccess);
        }
    }

    @Test
    void weightsDivideTheCostSoAHeavierBackendCarriesMoreInFlight() {
        // Eight requests in flight at all times, each answering in 1 ms: the weight-3 backend holds
        // (in flight + 1) / 3 = the other's (in flight + 1), about 6.5 of the 8, so it gets about 4x.
        try (LoadBalancer lb = lb(RandomSource.seeded(9), 3, 1)) {
            java.util.ArrayDeque<Selection> window = new java.util.ArrayDeque<>();
            long[] counts = new long[2];
            for (int r = 0; r < 8_000; r++) {
                Selection s = lb.select(RequestContext.empty());
                counts[s.backend().port() - 8081]++;
                window.add(s);
                advance(10_000);
                if (window.size() == 8) {
                    window.poll().onSuccess(200, MS);
                }
            }
            window.forEach(Selection::onSuccess);
            assertThat((double) counts[0] / counts[1]).as("split %s", java.util.Arrays.toString(counts))
                    .isBetween(3.0, 5.5);
        }
    }

    @Test
    void slowStartReducesANewBackendsShare() {
        List<Backend> backends = List.of(Fixtures.backend(0, 1), Fixtures.backend(1, 1));
        try (LoadBalancer lb = LoadBalancer.builder().strategy(Strategies.peakEwma(DECAY, DEFAULT, ticker))
                .ticker(ticker).random(RandomSource.seeded(2)).backends(backends)
                .slowStart(SlowStart.of(Duration.ofSeconds(60))).outlierDetection(OutlierDetection.disabled())
                .build()) {
            run(lb, 2_000, MS, MS);
            lb.pool().add(Fixtures.backend(2, 1));
            long[] counts = run(lb, 3_000, MS, MS, MS);
            assertThat(counts[2]).as("ramping backend of %s", java.util.Arrays.toString(counts))
                    .isLessThan(counts[0] / 3);
        }
    }

    @Test
    void theRegistryReadsDecayAndDefaultLatency() {
        Strategy strategy = StrategyRegistry.create("peak-ewma");
        assertThat(strategy).hasToString("peak-ewma{decay=10s, default_latency=30ms}");
        Map<String, String> options = new LinkedHashMap<>();
        options.put("decay", "2s");
        options.put("default_latency", "5ms");
        assertThat(StrategyRegistry.provider("peak-ewma").create(options))
                .hasToString("peak-ewma{decay=2s, default_latency=5ms}");
    }

    @Test
    void badOptionsAreEachNamed() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("decay", "0s");
        options.put("default_latency", "fast");
        options.put("decai", "1s");
        assertThat(StrategyRegistry.provider("peak-ewma").problems(options)).containsExactly(
                "option: decai (expected: one of [decay, default_latency])",
                "decay: 0s (expected: > 0s and <= 1h)",
                "default_latency: fast (expected: a duration such as 10s or 30ms, > 0s and <= 1h)");
        assertThatThrownBy(() -> Strategies.peakEwma(Duration.ofHours(2), DEFAULT, ticker))
                .hasMessage("decay: 2h (expected: > 0s and <= 1h)");
        assertThatThrownBy(() -> Strategies.peakEwma(DECAY, Duration.ofMillis(-1), ticker))
                .hasMessage("default_latency: -1ms (expected: > 0s and <= 1h)");
    }
}
