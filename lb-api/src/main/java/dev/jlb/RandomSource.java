package dev.jlb;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The randomness jlb's strategies and schedulers draw on (random start positions, tie breaks,
 * random picks, health-check jitter). Injected through
 * {@link LoadBalancer.Builder#random(RandomSource)} so tests can use a fixed seed.
 *
 * <p>Implementations must be thread-safe and must not allocate per call: they sit on the pick path.
 */
public interface RandomSource {

    /**
     * Returns a uniformly distributed int in {@code [0, bound)}; {@code bound} is positive.
     *
     * @param bound the bound
     * @return a uniformly distributed int in {@code [0, bound)}
     */
    int nextInt(int bound);

    /** {@return a uniformly distributed long} */
    long nextLong();

    /** {@return a uniformly distributed double in {@code [0, 1)}} */
    double nextDouble();

    /** {@return the default: {@link ThreadLocalRandom}, contention-free and allocation-free} */
    static RandomSource threadLocal() {
        return ThreadLocalRandomSource.INSTANCE;
    }

    /**
     * A deterministic source for tests: the same seed gives the same sequence when called from one
     * thread. Thread-safe (backed by {@link Random}), but contended under concurrency.
     *
     * @param seed the seed
     * @return the random source
     */
    static RandomSource seeded(long seed) {
        Random random = new Random(seed);
        return new RandomSource() {
            @Override
            public int nextInt(int bound) {
                return random.nextInt(bound);
            }

            @Override
            public long nextLong() {
                return random.nextLong();
            }

            @Override
            public double nextDouble() {
                return random.nextDouble();
            }

            @Override
            public String toString() {
                return "RandomSource.seeded(" + seed + ")";
            }
        };
    }
}

enum ThreadLocalRandomSource implements RandomSource {
    INSTANCE;

    @Override
    public int nextInt(int bound) {
        return ThreadLocalRandom.current().nextInt(bound);
    }

    @Override
    public long nextLong() {
        return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public double nextDouble() {
        return ThreadLocalRandom.current().nextDouble();
    }

    @Override
    public String toString() {
        return "RandomSource.threadLocal()";
    }
}
