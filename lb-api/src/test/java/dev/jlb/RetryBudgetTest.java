package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The retry budget's arithmetic, driven by explicit times (nanoseconds of a fake clock). */
class RetryBudgetTest {

    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private static RetryBudget budget(int percent, int minPerSecond, Duration window) {
        return RetryPolicy.builder().retryBudget(percent, minPerSecond, window).build().newRetryBudget();
    }

    private static int retriesGranted(RetryBudget budget, long now, int tries) {
        int granted = 0;
        for (int i = 0; i < tries; i++) {
            if (budget.tryRetry(now)) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void withoutTrafficTheReserveAllowsMinPerSecondTimesTheWindow() {
        RetryBudget budget = budget(20, 10, Duration.ofSeconds(10));
        long t0 = 123 * S;
        assertThat(budget.available(t0)).isEqualTo(100);
        assertThat(retriesGranted(budget, t0, 150)).isEqualTo(100);
        assertThat(budget.tryRetry(t0 + 5 * S)).isFalse();
        // The withdrawals leave the window after it has passed: the reserve is whole again.
        assertThat(budget.available(t0 + 10 * S)).isEqualTo(100);
    }

    @Test
    void theLargestReserveDoesNotOverflow() {
        RetryBudget budget = budget(100, 1_000_000, Duration.ofHours(1));
        assertThat(budget.available(0)).isEqualTo(3_600_000_000L);
        assertThat(budget(20, 10, Duration.ofMillis(1500)).available(0)).isEqualTo(15);
    }

    @Test
    void requestsDepositTheirPercentOfARetry() {
        RetryBudget budget = budget(20, 0, Duration.ofSeconds(10));
        long t0 = 5 * S;
        assertThat(budget.tryRetry(t0)).isFalse();
        for (int i = 0; i < 1000; i++) {
            budget.onRequest(t0 + i * MS);
        }
        // 1000 requests x 20% = 200 retries.
        assertThat(budget.available(t0 + S)).isEqualTo(200);
        assertThat(retriesGranted(budget, t0 + S, 300)).isEqualTo(200);
        assertThat(budget.available(t0 + S)).isZero();
    }

    @Test
    void aBurstOfFailuresIsPaidForByRecentTraffic() {
        // The fault that motivated the design: 100 requests in flight, one of five backends crashes
        // and its 20 fail at once. A budget over the requests in flight (20% of 100 = 20, fewer once
        // a few are done) refuses some of them; this one was filled by the last seconds of traffic.
        RetryBudget budget = budget(20, 10, Duration.ofSeconds(10));
        long t = 0;
        for (int i = 0; i < 50_000; i++) { // 5 s at 10k requests per second
            budget.onRequest(t);
            t += 100_000;
        }
        assertThat(retriesGranted(budget, t, 40)).isEqualTo(40);
    }

    @Test
    void aSustainedStormIsHeldToThePercent() {
        // Every request fails and wants a retry: over a minute, retries stay at 20% of the requests
        // plus the reserve of 10 per second.
        RetryBudget budget = budget(20, 10, Duration.ofSeconds(10));
        long t = 0;
        int requests = 0;
        int retries = 0;
        for (int i = 0; i < 60_000; i++) { // 60 s at 1000 requests per second
            budget.onRequest(t);
            requests++;
            if (budget.tryRetry(t)) {
                retries++;
            }
            t += MS;
        }
        // 20% of 60,000 = 12,000, plus 10/s over 60 s = 600 (the reserve renews as withdrawals age out).
        assertThat(retries).isBetween(12_000, 12_600 + 100);
        assertThat(requests).isEqualTo(60_000);
    }

    @Test
    void depositsOlderThanTheWindowNoLongerCount() {
        RetryBudget budget = budget(100, 0, Duration.ofSeconds(10));
        long t0 = 0;
        for (int i = 0; i < 10; i++) {
            budget.onRequest(t0);
        }
        assertThat(budget.available(t0 + 9 * S)).isEqualTo(10);
        // The window slides by tenths: the slice of t0 is dropped when the slice 10 s later begins.
        assertThat(budget.available(t0 + 10 * S - 1)).isEqualTo(10);
        assertThat(budget.available(t0 + 10 * S)).isZero();
        // A long silence clears everything, and the budget starts again.
        budget.onRequest(t0 + 1000 * S);
        assertThat(budget.available(t0 + 1000 * S)).isEqualTo(1);
    }

    @Test
    void negativeClockReadingsWork() {
        RetryBudget budget = budget(100, 0, Duration.ofSeconds(10));
        long t0 = -7 * S - 3;
        budget.onRequest(t0);
        budget.onRequest(t0 + S);
        assertThat(budget.available(t0 + 2 * S)).isEqualTo(2);
        assertThat(budget.tryRetry(t0 + 2 * S)).isTrue();
        assertThat(budget.available(t0 + 2 * S)).isEqualTo(1);
        assertThat(budget.available(t0 + 20 * S)).isZero();
    }

    @Test
    void aLateClockReadingCountsInTheCurrentSlice() {
        RetryBudget budget = budget(100, 0, Duration.ofSeconds(10));
        budget.onRequest(20 * S);
        budget.onRequest(5 * S); // read before the other, added after: still counts
        assertThat(budget.available(20 * S)).isEqualTo(2);
        assertThat(budget.available(30 * S)).isZero();
    }

    @Test
    void withoutABudgetEveryRetryGoes() {
        RetryBudget budget = RetryPolicy.builder().noRetryBudget().build().newRetryBudget();
        assertThat(budget.isUnlimited()).isTrue();
        assertThat(retriesGranted(budget, 0, 10_000)).isEqualTo(10_000);
        assertThat(budget.available(0)).isEqualTo(Long.MAX_VALUE);
        assertThat(RetryBudget.of(RetryPolicy.defaults()).isUnlimited()).isFalse();
    }

    @Test
    void concurrentRequestsAndRetriesNeverOverdraw() throws Exception {
        RetryBudget budget = budget(10, 0, Duration.ofSeconds(10));
        int threads = 8;
        int perThread = 100_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger granted = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    long now = i * 1_000L; // 100 ms in total: all within one window
                    budget.onRequest(now);
                    if (i % 5 == 0 && budget.tryRetry(now)) {
                        granted.incrementAndGet();
                    }
                }
            });
            workers.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : workers) {
            thread.join(30_000);
        }
        // 800,000 requests x 10% = 80,000 retries at most; 160,000 were asked for.
        assertThat(granted.get()).isLessThanOrEqualTo(80_000).isGreaterThan(70_000);
        assertThat(budget.available(100 * MS) + granted.get()).isEqualTo(80_000);
    }
}
