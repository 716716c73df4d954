package dev.jlb;

import java.util.List;
import java.util.Map;

/**
 * Registers a {@link Strategy} under a name, so configuration files can say
 * {@code strategy: least-connections}. Implementations are found with {@link java.util.ServiceLoader}
 * (list them in {@code META-INF/services/dev.jlb.StrategyProvider}); {@code lb-strategies} registers
 * the bundled strategies this way.
 */
public interface StrategyProvider {

    /** {@return the canonical name, lower-case with dashes, such as {@code least-connections}} */
    String name();

    /** {@return older or alternative spellings accepted for the same strategy (default none)} */
    default List<String> aliases() {
        return List.of();
    }

    /**
     * The option names {@link #create(Map)} accepts (default none). A configuration file may only
     * use these.
     *
     * @return the option names {@link #create(Map)} accepts (default none)
     */
    default List<String> options() {
        return List.of();
    }

    /**
     * Creates the strategy with the given options (keys from {@link #options()}, values as text).
     *
     * @param options the options
     * @return the strategy
     * @throws IllegalArgumentException naming the option, the value and what was expected
     */
    Strategy create(Map<String, String> options);

    /**
     * Every problem with {@code options}, each as {@code "<option>: <value> (expected: <constraint>)"},
     * without creating the strategy: empty when {@link #create(Map)} accepts them. A configuration
     * file reports all of them at once. The default reports the first problem {@link #create(Map)}
     * finds; a provider with several options overrides it to report each.
     *
     * @param options the options
     * @return the list
     */
    default List<String> problems(Map<String, String> options) {
        try {
            create(options);
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of(String.valueOf(e.getMessage()));
        }
    }

    /**
     * Creates the strategy with its defaults.
     *
     * @return the strategy
     */
    default Strategy create() {
        return create(Map.of());
    }
}
