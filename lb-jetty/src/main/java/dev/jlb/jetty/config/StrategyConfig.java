package dev.jlb.jetty.config;

import dev.jlb.Strategy;
import dev.jlb.StrategyRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A strategy by registered name with its options as text ({@code strategy: least-connections}, or
 * {@code strategy: {name: consistent-hash, key: "header:X-User"}}). Immutable; validated against
 * {@link StrategyRegistry} when loaded.
 *
 * @param name the name as written (an alias such as {@code least-connection} is kept as written)
 * @param options the options, sorted by key
 */
public record StrategyConfig(String name, Map<String, String> options) {

    /** Round robin, the default. */
    public static final StrategyConfig DEFAULT = new StrategyConfig("round-robin", Map.of());

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param name the name as written (an alias such as {@code least-connection} is kept as written)
     * @param options the options, sorted by key
     */
    public StrategyConfig {
        Objects.requireNonNull(name, "name");
        options = java.util.Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(options, "options")));
    }

    /** {@return a new strategy instance from the registry} */
    public Strategy create() {
        return StrategyRegistry.create(name, options);
    }

    @Override
    public String toString() {
        return options.isEmpty() ? name : name + options;
    }
}
