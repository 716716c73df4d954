package dev.jlb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Resolves strategy names to strategies, through the {@link StrategyProvider}s on the class path.
 *
 * <p>Names are case-insensitive. Thread-safe; providers are loaded once, on first use, with the
 * class loader of this class.
 */
public final class StrategyRegistry {

    private StrategyRegistry() {
    }

    private static final class Holder {
        static final Map<String, StrategyProvider> BY_NAME;
        static final List<String> NAMES;

        static {
            Map<String, StrategyProvider> byName = new TreeMap<>();
            List<String> names = new ArrayList<>();
            for (StrategyProvider provider : ServiceLoader.load(StrategyProvider.class,
                    StrategyRegistry.class.getClassLoader())) {
                if (byName.putIfAbsent(provider.name().toLowerCase(java.util.Locale.ROOT), provider) == null) {
                    names.add(provider.name());
                }
                for (String alias : provider.aliases()) {
                    byName.putIfAbsent(alias.toLowerCase(java.util.Locale.ROOT), provider);
                }
            }
            Collections.sort(names);
            BY_NAME = Collections.unmodifiableMap(byName);
            NAMES = List.copyOf(names);
        }
    }

    /** {@return the canonical names of every registered strategy, sorted} */
    public static List<String> names() {
        return Holder.NAMES;
    }

    /**
     * The provider registered under {@code name} (or one of its aliases).
     *
     * @param name the name
     * @return the provider registered under {@code name} (or one of its aliases)
     * @throws IllegalArgumentException {@code strategy: <name> (expected: one of [...])} when no
     * provider has that name
     */
    public static StrategyProvider provider(String name) {
        Objects.requireNonNull(name, "name");
        StrategyProvider provider = Holder.BY_NAME.get(name.trim().toLowerCase(java.util.Locale.ROOT));
        if (provider == null) {
            throw new IllegalArgumentException("strategy: " + name + " (expected: one of " + Holder.NAMES
                    + (Holder.NAMES.isEmpty() ? "; add the lb-strategies module to the class path" : "") + ")");
        }
        return provider;
    }

    /**
     * Creates the strategy registered under {@code name} with its defaults.
     *
     * @param name the name
     * @return the strategy
     */
    public static Strategy create(String name) {
        return provider(name).create();
    }

    /**
     * Creates the strategy registered under {@code name} with the given options.
     *
     * @param name the name
     * @param options the options
     * @return the strategy
     */
    public static Strategy create(String name, Map<String, String> options) {
        return provider(name).create(options);
    }
}
