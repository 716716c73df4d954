package dev.jlb;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PoolConcurrencyTest {

    /**
     * While 4 threads select and complete continuously, a writer removes and drains backends one at
     * a time. Once a change is published (the pool method returned), no selection that starts after
     * it may return the removed or drained backend. At the end every in-flight count is 0.
     */
    @Test
    void noRemovedOrDrainedBackendIsHandedOutAfterTheChangeIsPublished() throws Exception {
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            backends.add(Backend.of("http://127.0.0.1:" + (9000 + i)));
        }
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate()).backends(backends).build()) {
            // forbidden[i] is set once backend i has been removed or drained (after the call returned).
            AtomicReference<java.util.Set<Backend>> forbidden = new AtomicReference<>(java.util.Set.of());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> violation = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Long>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    long n = 0;
                    while (!stop.get()) {
                        java.util.Set<Backend> before = forbidden.get();
                        try (Selection s = lb.select(RequestContext.empty())) {
                            if (before.contains(s.backend())) {
                                violation.compareAndSet(null, "selected " + s.backend() + " after it was removed");
                            }
                            s.onSuccess();
                        } catch (NoBackendAvailableException e) {
                            // the last backends may all be gone: fine
                        }
                        n++;
                    }
                    return n;
                }));
            }
            start.countDown();
            for (int i = 0; i < 19; i++) {
                Backend victim = backends.get(i);
                if (i % 2 == 0) {
                    lb.pool().remove(victim);
                } else {
                    lb.pool().drain(victim);
                }
                java.util.Set<Backend> next = new java.util.HashSet<>(forbidden.get());
                next.add(victim);
                forbidden.set(java.util.Set.copyOf(next));
                Thread.onSpinWait();
            }
            // Let the readers run against the final membership for a bounded number of selections.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline && lb.pool().stats(backends.get(19)).orElseThrow().successes() < 10_000) {
                Thread.onSpinWait();
            }
            stop.set(true);
            long total = 0;
            for (Future<Long> f : futures) {
                total += f.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(violation.get()).isNull();
            assertThat(total).isPositive();
            for (BackendStats stats : lb.pool().stats()) {
                assertThat(stats.inFlight()).as("in flight of %s", stats.backend()).isZero();
            }
            assertThat(lb.pool().stats(backends.get(19)).orElseThrow().successes()).isPositive();
        }
    }

    /** 8 threads released together, 100,000 select/complete pairs each, outcomes mixed: counts return to 0. */
    @Test
    void inFlightReturnsToZeroUnderConcurrency() throws Exception {
        try (LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotate())
                .backends("http://127.0.0.1:9001", "http://127.0.0.1:9002", "http://127.0.0.1:9003").build()) {
            int threads = 8;
            int perThread = 100_000;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        Selection s = lb.select(RequestContext.empty());
                        switch (i % 3) {
                            case 0 -> s.onSuccess(200, 10);
                            case 1 -> s.onFailure(502, 10);
                            default -> s.close();
                        }
                        s.close();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long requests = 0;
            for (BackendStats stats : lb.pool().stats()) {
                assertThat(stats.inFlight()).isZero();
                requests += stats.requests();
            }
            assertThat(requests).isEqualTo((long) threads * perThread);
        }
    }
}
