package dev.jlb.strategy;

import dev.jlb.DurationFormat;
import dev.jlb.Strategy;
import dev.jlb.StrategyProvider;
import dev.jlb.Ticker;
import java.time.Duration;
import java.util.ArrayList;
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
            List<String> problems = problems(options);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(problems.get(0));
            }
            return strategy;
        }

        @Override
        public final List<String> problems(Map<String, String> options) {
            Objects.requireNonNull(options, "options");
            List<String> problems = new ArrayList<>();
            for (String option : new TreeSet<>(options.keySet())) {
                problems.add("option: " + option + " (expected: none, " + strategy.name() + " has no options)");
            }
            return problems;
        }

        @Override
        public final String toString() {
            return "StrategyProvider{" + name() + (aliases.isEmpty() ? "" : ", aliases=" + aliases) + '}';
        }
    }

    /** {@code round-robin}. */
    public static final class RoundRobin extends NoOptions {
        /** The provider {@link java.util.ServiceLoader} creates. */
        public RoundRobin() {
            super(Strategies.roundRobin());
        }
    }

    /** {@code least-connections}, alias {@code least-connection}. */
    public static final class LeastConnections extends NoOptions {
        /** The provider {@link java.util.ServiceLoader} creates. */
        public LeastConnections() {
            super(Strategies.leastConnections(), "least-connection");
        }
    }

    /** {@code weighted-round-robin}. */
    public static final class WeightedRoundRobin extends NoOptions {
        /** The provider {@link java.util.ServiceLoader} creates. */
        public WeightedRoundRobin() {
            super(Strategies.weightedRoundRobin());
        }
    }

    /** {@code random}. */
    public static final class Random extends NoOptions {
        /** The provider {@link java.util.ServiceLoader} creates. */
        public Random() {
            super(Strategies.random());
        }
    }

    /** {@code p2c}, alias {@code power-of-two-choices}. */
    public static final class PowerOfTwoChoices extends NoOptions {
        /** The provider {@link java.util.ServiceLoader} creates. */
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

        /** The provider {@link java.util.ServiceLoader} creates. */
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
            List<String> problems = new ArrayList<>();
            Strategy strategy = read(options, problems);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(problems.get(0));
            }
            return strategy;
        }

        @Override
        public List<String> problems(Map<String, String> options) {
            List<String> problems = new ArrayList<>();
            read(options, problems);
            return problems;
        }

        /** The strategy, or null after adding every problem of {@code options} to {@code problems}. */
        private static Strategy read(Map<String, String> options, List<String> problems) {
            Objects.requireNonNull(options, "options");
            for (String option : new TreeSet<>(options.keySet())) {
                if (!OPTIONS.contains(option)) {
                    problems.add("option: " + option + " (expected: one of " + OPTIONS + ")");
                }
            }
            HashKey key = HashKey.clientAddress();
            String keyText = options.get(KEY);
            if (keyText != null) {
                try {
                    key = HashKey.parse(keyText);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
            double factor = Strategies.DEFAULT_HASH_FACTOR;
            String factorText = options.get(FACTOR);
            if (factorText != null) {
                try {
                    factor = Double.parseDouble(factorText.trim());
                } catch (NumberFormatException e) {
                    factor = Double.NaN;
                }
                if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                    problems.add("factor: " + factorText + " (expected: a finite number >= 1.0)");
                }
            }
            return problems.isEmpty() ? Strategies.consistentHash(key, factor) : null;
        }

        @Override
        public String toString() {
            return "StrategyProvider{" + name() + ", options=" + OPTIONS + '}';
        }
    }

    /**
     * {@code peak-ewma}, options {@code decay} (a duration {@code > 0s}, default 10s) and
     * {@code default_latency} (a duration {@code > 0s}, default 30ms).
     */
    public static final class PeakEwma implements StrategyProvider {
        /** The option holding the averaging time constant. */
        public static final String DECAY = "decay";
        /** The option holding the latency assumed before the first response. */
        public static final String DEFAULT_LATENCY = "default_latency";

        private static final List<String> OPTIONS = List.of(DECAY, DEFAULT_LATENCY);

        /** The provider {@link java.util.ServiceLoader} creates. */
        public PeakEwma() {
        }

        @Override
        public String name() {
            return PeakEwmaStrategy.NAME;
        }

        @Override
        public List<String> options() {
            return OPTIONS;
        }

        @Override
        public Strategy create(Map<String, String> options) {
            List<String> problems = new ArrayList<>();
            Strategy strategy = read(options, problems);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(problems.get(0));
            }
            return strategy;
        }

        @Override
        public List<String> problems(Map<String, String> options) {
            List<String> problems = new ArrayList<>();
            read(options, problems);
            return problems;
        }

        private static Strategy read(Map<String, String> options, List<String> problems) {
            Objects.requireNonNull(options, "options");
            for (String option : new TreeSet<>(options.keySet())) {
                if (!OPTIONS.contains(option)) {
                    problems.add("option: " + option + " (expected: one of " + OPTIONS + ")");
                }
            }
            Duration decay = duration(options, DECAY, Strategies.DEFAULT_EWMA_DECAY, problems);
            Duration latency = duration(options, DEFAULT_LATENCY, Strategies.DEFAULT_EWMA_LATENCY, problems);
            return problems.isEmpty() ? Strategies.peakEwma(decay, latency, Ticker.systemTicker()) : null;
        }

        private static Duration duration(Map<String, String> options, String name, Duration fallback,
                List<String> problems) {
            String text = options.get(name);
            if (text == null) {
                return fallback;
            }
            Duration value = DurationFormat.parse(text).orElse(null);
            if (value == null) {
                problems.add(name + ": " + text + " (expected: a duration such as 10s or 30ms, > 0s and <= 1h)");
                return fallback;
            }
            String problem = Strategies.peakEwmaProblem(name, value);
            if (problem != null) {
                problems.add(name + ": " + text.strip() + " (expected: > 0s and <= 1h)");
            }
            return value;
        }

        @Override
        public String toString() {
            return "StrategyProvider{" + name() + ", options=" + OPTIONS + '}';
        }
    }
}
