package dev.jlb.strategy;

import dev.jlb.Strategy;
import dev.jlb.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * The bundled strategies. Each is also registered by name for configuration files (in brackets),
 * through {@link dev.jlb.StrategyRegistry}:
 *
 * <ul>
 *   <li>{@link #roundRobin()} ({@code round-robin}, the default): each backend in turn.
 *   <li>{@link #weightedRoundRobin()} ({@code weighted-round-robin}): smooth weighted rotation.
 *   <li>{@link #leastConnections()} ({@code least-connections}, alias {@code least-connection}):
 *       the lowest in-flight count per unit of weight.
 *   <li>{@link #random()} ({@code random}): weighted random.
 *   <li>{@link #powerOfTwoChoices()} ({@code p2c}, alias {@code power-of-two-choices}): the less
 *       loaded of two random backends.
 *   <li>{@link #peakEwma()} ({@code peak-ewma}): the cheaper of two random backends, cost being
 *       the peak-EWMA latency times (in flight + 1).
 *   <li>{@link #consistentHash(HashKey, double)} ({@code consistent-hash}): key affinity by
 *       consistent hashing with bounded loads.
 * </ul>
 *
 * <p>Every strategy is immutable, thread-safe, and may be shared by several load balancers. Every
 * picker is lock-free and allocation-free. Only the backends jlb considers eligible (healthy, not
 * drained, not ejected) are ever picked; a weight is the backend's effective weight, always
 * {@code >= 1} (weight 0 means drained: no new requests).
 */
public final class Strategies {

    /** The default balance factor of {@code consistent-hash}: no backend above 125% of its share. */
    public static final double DEFAULT_HASH_FACTOR = 1.25;

    /** The default time constant of {@code peak-ewma}'s latency average. */
    public static final Duration DEFAULT_EWMA_DECAY = Duration.ofSeconds(10);

    /** The latency {@code peak-ewma} assumes for a backend before its first response. */
    public static final Duration DEFAULT_EWMA_LATENCY = Duration.ofMillis(30);

    private Strategies() {
    }

    /**
     * Round robin: each backend in turn, ignoring weights, from a random starting backend. Exactly
     * even: any {@code n} consecutive picks from {@code n} backends visit each once, whatever the
     * number of threads. O(1) per pick.
     *
     * @return the strategy
     */
    public static Strategy roundRobin() {
        return RoundRobinStrategy.INSTANCE;
    }

    /**
     * Weighted least connections: the backend with the lowest {@code inFlight / weight}; ties go to a
     * random one of the tied backends, weighted by weight. The pick and the in-flight increment are
     * one atomic step, so concurrent requests spread instead of piling onto one backend. O(n) per
     * pick: for hundreds of backends or more, prefer {@link #powerOfTwoChoices()}.
     *
     * @return the strategy
     */
    public static Strategy leastConnections() {
        return LeastConnectionsStrategy.INSTANCE;
    }

    /**
     * Smooth weighted round robin, nginx's sequence: weights {@code {5, 1, 1}} give
     * {@code a a b a c a a}. Deterministic shares (each backend gets exactly its weight in every
     * period of {@code sum(weights) / gcd(weights)} picks), from a random starting position. O(1) per
     * pick: the period is precomputed per membership, up to 65,536 slots; beyond that the weights are
     * scaled down to fit (shares then exact to within about one slot in 65,536).
     *
     * @return the strategy
     */
    public static Strategy weightedRoundRobin() {
        return WeightedRoundRobinStrategy.INSTANCE;
    }

    /** {@return weighted random: each pick is independent, with probability {@code weight / total}. O(1) per pick} */
    public static Strategy random() {
        return RandomStrategy.INSTANCE;
    }

    /**
     * Power of two choices: of two distinct random backends (drawn by weight), the one with the lower
     * {@code inFlight / weight}; ties go to the first draw. O(1) per pick, robust to stale counts: a
     * good default for large pools.
     *
     * @return the strategy
     */
    public static Strategy powerOfTwoChoices() {
        return PowerOfTwoChoicesStrategy.INSTANCE;
    }

    /**
     * Peak EWMA with the default decay ({@link #DEFAULT_EWMA_DECAY}) and default latency
     * ({@link #DEFAULT_EWMA_LATENCY}), on the system ticker. See {@link #peakEwma(Duration, Duration, Ticker)}.
     *
     * @return the strategy
     */
    public static Strategy peakEwma() {
        return peakEwma(DEFAULT_EWMA_DECAY, DEFAULT_EWMA_LATENCY, Ticker.systemTicker());
    }

    /**
     * Peak EWMA, Finagle's and Linkerd's default: of two distinct random backends (drawn by
     * weight), the one with the lower {@code latency x (inFlight + 1) / weight}. The latency is a
     * per-backend peak-sensitive moving average of the time to response headers: a slower
     * response replaces it at once, faster ones pull it down over about {@code decay}, and it decays
     * towards 0 while the backend gets no responses (so a backend avoided for being slow is tried
     * again). A failure counts as a response at least twice the current estimate, so a backend that
     * fails fast does not look cheap. O(1) per pick.
     *
     * @param decay the averaging time constant, {@code > 0} (how long a slow response is remembered)
     * @param defaultLatency the estimate of a backend before its first response, {@code > 0}
     * @param ticker the clock of the averages (the pool's, for deterministic tests)
     * @return the strategy
     * @throws IllegalArgumentException {@code decay: <value> (expected: > 0s)}, and the same for
     * {@code default_latency}
     */
    public static Strategy peakEwma(Duration decay, Duration defaultLatency, Ticker ticker) {
        Objects.requireNonNull(decay, "decay");
        Objects.requireNonNull(defaultLatency, "defaultLatency");
        Objects.requireNonNull(ticker, "ticker");
        String problem = peakEwmaProblem("decay", decay);
        if (problem == null) {
            problem = peakEwmaProblem("default_latency", defaultLatency);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new PeakEwmaStrategy(decay, defaultLatency, ticker);
    }

    /** The problem with one of peak-ewma's durations, or null; both must be positive and at most an hour. */
    static String peakEwmaProblem(String name, Duration value) {
        if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofHours(1)) > 0) {
            return name + ": " + dev.jlb.DurationFormat.format(value) + " (expected: > 0s and <= 1h)";
        }
        return null;
    }

    /**
     * {@return consistent hashing of the client address with the default balance factor ({@value #DEFAULT_HASH_FACTOR})}
     */
    public static Strategy consistentHash() {
        return consistentHash(HashKey.clientAddress(), DEFAULT_HASH_FACTOR);
    }

    /**
     * Consistent hashing of {@code key} with the default balance factor ({@value #DEFAULT_HASH_FACTOR}).
     *
     * @param key the key
     * @return the strategy
     */
    public static Strategy consistentHash(HashKey key) {
        return consistentHash(key, DEFAULT_HASH_FACTOR);
    }

    /**
     * Consistent hashing with bounded loads: requests with the same key go to the same backend, on
     * every jlb instance without shared state, as long as that backend carries no more than
     * {@code factor} times its weighted share of the requests in flight; a hot key spills over to
     * the next backends on the ring. Removing one of N backends moves only the keys it had (about
     * 1/N). A non-null {@link dev.jlb.RequestContext#affinityKey()} takes precedence over {@code key};
     * a request with no key goes to a random point of the ring (weighted random, still bounded).
     *
     * @param key where each request's key comes from
     * @param factor the balance factor, {@code >= 1.0}: 1.0 keeps every backend at its exact share
     * (rounded up) and moves keys most often; larger values keep affinity longer under skew
     * @return the strategy
     * @throws IllegalArgumentException {@code factor: <value> (expected: a finite number >= 1.0)}
     */
    public static Strategy consistentHash(HashKey key, double factor) {
        Objects.requireNonNull(key, "key");
        if (!(factor >= 1.0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("factor: " + factor + " (expected: a finite number >= 1.0)");
        }
        return new ConsistentHashStrategy(key, factor);
    }
}
