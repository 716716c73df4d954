package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How a retry picks a backend not tried yet ({@code select(ctx, excluded)}): the strategy's own
 * picker first; in a small pool a picker of the strategy over the others; in a large pool a weighted
 * random pick, never a new picker (for consistent hashing that would be a ring built per retry).
 */
class RetryPickTest {

    /** Always the first endpoint (as a consistent hash does for one key), counting pickers built. */
    private static Strategy firstCounting(AtomicInteger pickersBuilt) {
        return TestStrategies.counting(TestStrategies.first(), pickersBuilt);
    }

    private static List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Backend.of("http://127.0.0." + (1 + i / 250) + ":" + (10_000 + i % 250), 1 + i % 3));
        }
        return list;
    }

    @Test
    void aRotatingPickerFindsAnotherBackendWithoutANewPicker() {
        AtomicInteger built = new AtomicInteger();
        Strategy rotateCounting = TestStrategies.counting(TestStrategies.rotate(), built);
        List<Backend> pool = backends(3);
        try (LoadBalancer lb = LoadBalancer.builder().strategy(rotateCounting).backends(pool).build()) {
            int before = built.get();
            for (int i = 0; i < 30; i++) {
                Selection s = lb.select(RequestContext.empty(), Set.of(pool.get(0)));
                assertThat(s.backend()).isNotEqualTo(pool.get(0));
                s.onSuccess();
            }
            assertThat(built.get()).as("pickers built for retries").isEqualTo(before);
            assertThat(lb.pool().stats(pool.get(0)).orElseThrow().inFlight()).isZero();
        }
    }

    @Test
    void aSmallPoolGetsAPickerOfItsStrategyOverTheOthers() {
        AtomicInteger built = new AtomicInteger();
        List<Backend> pool = backends(10);
        try (LoadBalancer lb = LoadBalancer.builder().strategy(firstCounting(built)).backends(pool).build()) {
            int before = built.get();
            Selection s = lb.select(RequestContext.empty(), Set.of(pool.get(0)));
            // The strategy's semantics hold: "first" of the others.
            assertThat(s.backend()).isEqualTo(pool.get(1));
            s.onSuccess();
            assertThat(built.get()).isEqualTo(before + 1);
        }
    }

    @Test
    void aLargePoolGetsAWeightedRandomPickAndNeverANewPicker() {
        AtomicInteger built = new AtomicInteger();
        List<Backend> pool = backends(1000); // weights 1, 2, 3 in turn
        try (LoadBalancer lb = LoadBalancer.builder().strategy(firstCounting(built)).backends(pool)
                .random(RandomSource.seeded(42)).build()) {
            int before = built.get();
            Set<Backend> tried = Set.of(pool.get(0), pool.get(1));
            Map<Integer, Integer> byWeight = new HashMap<>();
            int n = 60_000;
            for (int i = 0; i < n; i++) {
                Selection s = lb.select(RequestContext.empty(), tried);
                assertThat(tried).doesNotContain(s.backend());
                assertThat(s.isRetry()).isTrue();
                byWeight.merge(s.backend().weight(), 1, Integer::sum);
                s.onSuccess();
            }
            assertThat(built.get()).as("pickers built for retries").isEqualTo(before);
            // Weights 1:2:3 over about a third of the backends each: shares 1/6, 2/6, 3/6, +-1.5 points.
            assertThat(byWeight.get(1) / (double) n).isBetween(1 / 6.0 - 0.015, 1 / 6.0 + 0.015);
            assertThat(byWeight.get(2) / (double) n).isBetween(2 / 6.0 - 0.015, 2 / 6.0 + 0.015);
            assertThat(byWeight.get(3) / (double) n).isBetween(3 / 6.0 - 0.015, 3 / 6.0 + 0.015);
            for (Backend b : pool) {
                assertThat(lb.pool().stats(b).orElseThrow().inFlight()).isZero();
            }
        }
    }

    @Test
    void aLargePoolWithNearlyEveryBackendTriedStillFindsTheLastOne() {
        List<Backend> pool = backends(100);
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.first()).backends(pool).build()) {
            Set<Backend> tried = new java.util.HashSet<>(pool);
            Backend last = pool.get(77);
            tried.remove(last);
            Selection s = lb.select(RequestContext.empty(), tried);
            assertThat(s.backend()).isEqualTo(last);
            s.onSuccess();
        }
    }
}
