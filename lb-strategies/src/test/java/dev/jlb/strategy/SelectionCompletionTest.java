package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The engine's exactly-once completion (lb-api {@code DefaultSelection}, which completes under its
 * monitor so that escape analysis can remove it) under concurrent completion: two spinning threads
 * (one per core) complete the same selection at the same moment, in different ways, 50,000 times.
 * A check-then-set without the monitor fails this test (verified by breaking it on purpose).
 */
class SelectionCompletionTest {

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void concurrentCompletionsOfOneSelectionCountOnce() throws Exception {
        int rounds = 50_000;
        try (LoadBalancer lb = Fixtures.lb(Strategies.roundRobin(), RandomSource.seeded(1), 1, 1)) {
            Selection[] selections = new Selection[rounds + 1];
            AtomicInteger published = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            long start = System.nanoTime();
            Fixtures.concurrently(2, thread -> {
                for (int i = 1; i <= rounds; i++) {
                    if (thread == 0) {
                        spinUntil(completed, 2 * (i - 1), start);
                        selections[i] = lb.select(RequestContext.empty());
                        published.set(i); // publishes selections[i]
                    }
                    spinUntil(published, i, start);
                    Selection selection = selections[i];
                    if (thread == 0) {
                        selection.onSuccess(200, 1_000);
                    } else if (i % 2 == 0) {
                        selection.onFailure(503, 1_000);
                    } else {
                        selection.close();
                    }
                    assertThat(selection.isDone()).isTrue();
                    completed.incrementAndGet();
                }
            });
            long completions = 0;
            for (BackendStats stats : lb.pool().stats()) {
                assertThat(stats.inFlight()).as("in flight of %s", stats.backend()).isZero();
                completions += stats.successes() + stats.failures() + stats.cancelled();
            }
            assertThat(completions).isEqualTo(rounds);
        }
    }

    private static void spinUntil(AtomicInteger counter, int value, long start) {
        int spins = 0;
        while (counter.get() < value) {
            Thread.onSpinWait();
            if (++spins % 1_024 == 0 && System.nanoTime() - start > DEADLINE_NANOS) {
                throw new AssertionError("stuck waiting for " + value + ", at " + counter.get());
            }
        }
    }
}
