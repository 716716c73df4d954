package dev.jlb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.Endpoint;
import dev.jlb.LoadBalancer;
import dev.jlb.health.OutlierDetection;
import dev.jlb.RandomSource;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.Strategy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared test helpers: load balancers over named backends, scripted randomness, fake endpoints. */
final class Fixtures {
    private Fixtures() {
    }

    /** Backend {@code i} is {@code http://127.0.0.1:(8081 + i)}, named {@code (char) ('a' + i)} in sequences. */
    static Backend backend(int i, int weight) {
        return Backend.of("http://127.0.0.1:" + (8081 + i), weight);
    }

    static char name(Backend backend) {
        return (char) ('a' + backend.port() - 8081);
    }

    static LoadBalancer lb(Strategy strategy, RandomSource random, int... weights) {
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            backends.add(backend(i, weights[i]));
        }
        // Passive health is off: these tests are about the strategy, and their scripted failures
        // (e.g. every third request a 503) must not eject a backend and skew the split.
        return LoadBalancer.builder().strategy(strategy).random(random).backends(backends)
                .outlierDetection(OutlierDetection.disabled()).build();
    }

    /** Selects and completes {@code count} times; the backends' names in order. */
    static String sequence(LoadBalancer lb, int count) {
        StringBuilder sb = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            Selection selection = lb.select(RequestContext.empty());
            sb.append(name(selection.backend()));
            selection.onSuccess();
        }
        return sb.toString();
    }

    /** Selects {@code count} times without completing; the selections, held. */
    static List<Selection> hold(LoadBalancer lb, int count) {
        List<Selection> held = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            held.add(lb.select(RequestContext.empty()));
        }
        return held;
    }

    static String names(List<Selection> selections) {
        StringBuilder sb = new StringBuilder();
        for (Selection selection : selections) {
            sb.append(name(selection.backend()));
        }
        return sb.toString();
    }

    /** Selects and completes {@code count} times; how many went to each backend, by index. */
    static long[] counts(LoadBalancer lb, int backends, int count) {
        long[] counts = new long[backends];
        for (int i = 0; i < count; i++) {
            Selection selection = lb.select(RequestContext.empty());
            counts[name(selection.backend()) - 'a']++;
            selection.onSuccess();
        }
        return counts;
    }

    static int inFlight(LoadBalancer lb, int i) {
        return lb.pool().stats(lb.pool().backends().get(i)).orElseThrow().inFlight();
    }

    static int[] inFlight(LoadBalancer lb) {
        List<BackendStats> stats = lb.pool().stats();
        int[] result = new int[stats.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = stats.get(i).inFlight();
        }
        return result;
    }

    static void assertAllInFlightZero(LoadBalancer lb) {
        for (BackendStats stats : lb.pool().stats()) {
            assertThat(stats.inFlight()).as("in flight of %s", stats.backend()).isZero();
        }
    }

    /** One thread's work in {@link #concurrently}: index of the thread, returns when done. */
    interface Work {
        void run(int thread) throws Exception;
    }

    /**
     * Runs {@code work} on {@code threads} threads released together on a latch; fails if they do
     * not all finish within 60 s.
     */
    static void concurrently(int threads, Work work) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    work.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Total requests (completed and in flight) each backend received, by index. */
    static long[] requests(LoadBalancer lb) {
        List<BackendStats> stats = lb.pool().stats();
        long[] result = new long[stats.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = stats.get(i).requests();
        }
        return result;
    }

    /**
     * A random source that replays scripted values (and fails when it runs out), recording the
     * bounds it was asked for.
     */
    static final class ScriptedRandom implements RandomSource {
        private final Deque<Integer> ints = new ArrayDeque<>();
        private final Deque<Long> longs = new ArrayDeque<>();
        final List<Integer> bounds = new ArrayList<>();
        private final Integer repeatInt;

        ScriptedRandom() {
            this.repeatInt = null;
        }

        private ScriptedRandom(int repeat) {
            this.repeatInt = repeat;
        }

        /** nextInt always returns {@code value}, clamped to {@code bound - 1}. */
        static ScriptedRandom alwaysInt(int value) {
            return new ScriptedRandom(value);
        }

        ScriptedRandom ints(int... values) {
            for (int value : values) {
                ints.add(value);
            }
            return this;
        }

        ScriptedRandom longs(long... values) {
            for (long value : values) {
                longs.add(value);
            }
            return this;
        }

        @Override
        public synchronized int nextInt(int bound) {
            bounds.add(bound);
            if (repeatInt != null) {
                return Math.min(repeatInt, bound - 1);
            }
            Integer value = ints.poll();
            if (value == null) {
                throw new AssertionError("no scripted int left (bound " + bound + ")");
            }
            assertThat(value).as("scripted int for bound %s", bound).isBetween(0, bound - 1);
            return value;
        }

        @Override
        public synchronized long nextLong() {
            Long value = longs.poll();
            if (value == null) {
                throw new AssertionError("no scripted long left");
            }
            return value;
        }

        @Override
        public double nextDouble() {
            throw new AssertionError("strategies do not use nextDouble");
        }
    }

    /** 32 random bits that {@link Endpoints#below} maps to {@code i} out of {@code n} (the middle of i's range). */
    static long bitsFor(int i, int n) {
        return ((2L * i + 1) << 32) / (2L * n);
    }

    /** An endpoint outside any load balancer, for picker-level tests. */
    static class FakeEndpoint implements Endpoint {
        final Backend backend;
        final int weight;
        final int index;
        final AtomicInteger inFlight = new AtomicInteger();
        /** Number of upcoming tryAcquire calls that fail as if another thread had won the race. */
        int failTryAcquire;
        int acquires;
        int tryAcquires;
        /** The strategy's tracker, told of every count change; null unless a test sets it. */
        Strategy.Tracker tracker;

        FakeEndpoint(int index, int weight) {
            this.backend = Fixtures.backend(index, weight);
            this.weight = weight;
            this.index = index;
        }

        static List<FakeEndpoint> of(int... weights) {
            List<FakeEndpoint> list = new ArrayList<>();
            for (int i = 0; i < weights.length; i++) {
                list.add(new FakeEndpoint(i, weights[i]));
            }
            return list;
        }

        @Override
        public Backend backend() {
            return backend;
        }

        @Override
        public int weight() {
            return weight;
        }

        @Override
        public int inFlight() {
            return inFlight.get();
        }

        @Override
        public void acquire() {
            acquires++;
            inFlight.incrementAndGet();
            if (tracker != null) {
                tracker.inFlightChanged();
            }
        }

        @Override
        public Strategy.Tracker tracker() {
            return tracker;
        }

        @Override
        public boolean tryAcquire(int expected) {
            tryAcquires++;
            if (failTryAcquire > 0) {
                failTryAcquire--;
                return false;
            }
            return inFlight.compareAndSet(expected, expected + 1);
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public String toString() {
            return "FakeEndpoint{" + name(backend) + ", weight=" + weight + ", inFlight=" + inFlight + '}';
        }
    }

    static String pickNames(Strategy.Picker picker, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(name(picker.pick(RequestContext.empty()).backend()));
        }
        return sb.toString();
    }
}
