package dev.jlb.strategy;

import dev.jlb.Strategy;
import dev.jlb.StrategyProvider;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The {@link StrategyProvider}s that register the bundled strategies by name (listed in
 * {@code META-INF/services/dev.jlb.StrategyProvider}). Public only because
 * {@link java.util.ServiceLoader} needs it: use {@link Strategies} or
 * {@link dev.jlb.StrategyRegistry} instead.
 */
public final class StrategyProviders {

    private StrategyProviders() {
    }

    /** A provider of a strategy without options. */
    private abstract static class NoOptions implements StrategyProvider {
        private final Strategy strategy;
        private final List<String> aliases;

        NoOptions(Strategy strategy, String... aliases) {
            this.strategy = strategy;
            this.aliases = List.of(aliases);
        }

        @Override
        public final String name() {
            return strategy.name();
        }

        @Override
        public final List<String> aliases() {
            return aliases;
        }

        @Override
        public final Strategy create(Map<String, String> options) {
            Objects.requireNonNull(options, "options");
            if (!options.isEmpty()) {
                throw new IllegalArgumentException("option: " + new TreeSet<>(options.keySet()).first()
                        + " (expected: none, " + strategy.name() + " has no options)");
            }
            return strategy;
        }

        @Override
        public final String toString() {
            return "StrategyProvider{" + name() + (aliases.isEmpty() ? "" : ", aliases=" + aliases) + '}';
        }
    }

    /** {@code round-robin}. */
    public static final class RoundRobin extends NoOptions {
        public RoundRobin() {
            super(Strategies.roundRobin());
        }
    }

    /** {@code least-connections}, alias {@code least-connection}. */
    public static final class LeastConnections extends NoOptions {
        public LeastConnections() {
            super(Strategies.leastConnections(), "least-connection");
        }
    }

    /** {@code weighted-round-robin}. */
    public static final class WeightedRoundRobin extends NoOptions {
        public WeightedRoundRobin() {
            super(Strategies.weightedRoundRobin());
        }
    }

    /** {@code random}. */
    public static final class Random extends NoOptions {
        public Random() {
            super(Strategies.random());
        }
    }

    /** {@code p2c}, alias {@code power-of-two-choices}. */
    public static final class PowerOfTwoChoices extends NoOptions {
        public PowerOfTwoChoices() {
            super(Strategies.powerOfTwoChoices(), "power-of-two-choices");
        }
    }

    /**
     * {@code consistent-hash}, options {@code key} ({@code header:<name>}, {@code cookie:<name>},
     * {@code client} or {@code path}; default {@code client}) and {@code factor} (a number
     * {@code >= 1.0}; default 1.25).
     */
    public static final class ConsistentHash implements StrategyProvider {
        /** The option naming the key source, see {@link HashKey#parse(String)}. */
        public static final String KEY = "key";
        /** The option holding the balance factor. */
        public static final String FACTOR = "factor";

        private static final List<String> OPTIONS = List.of(KEY, FACTOR);

        public ConsistentHash() {
        }

        @Override
        public String name() {
            return ConsistentHashStrategy.NAME;
        }

        @Override
        public List<String> options() {
            return OPTIONS;
        }

        @Override
        public Strategy create(Map<String, String> options) {
            Objects.requireNonNull(options, "options");
            for (String option : new TreeSet<>(options.keySet())) {
                if (!OPTIONS.contains(option)) {
                    throw new IllegalArgumentException("option: " + option + " (expected: one of " + OPTIONS + ")");
                }
            }
            String keyText = options.get(KEY);
            HashKey key = keyText == null ? HashKey.clientAddress() : HashKey.parse(keyText);
            String factorText = options.get(FACTOR);
            double factor = Strategies.DEFAULT_HASH_FACTOR;
            if (factorText != null) {
                try {
                    factor = Double.parseDouble(factorText.trim());
                } catch (NumberFormatException e) {
                    factor = Double.NaN;
                }
                if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                    throw new IllegalArgumentException(
                            "factor: " + factorText + " (expected: a finite number >= 1.0)");
                }
            }
            return Strategies.consistentHash(key, factor);
        }

        @Override
        public String toString() {
            return "StrategyProvider{" + name() + ", options=" + OPTIONS + '}';
        }
    }
}
