package dev.jlb.jetty.config;

import dev.jlb.jetty.config.Node.Entry;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the keys of one mapping, reporting each problem to {@link Problems} and going on, so that
 * one pass finds every problem. Two layers:
 * <ul>
 *   <li><b>Syntax</b> ({@link ScalarReader}): a key's value as the file writes it (an integer, a
 *       duration, a percentage, ...); a value of the wrong form is reported and read as absent.</li>
 *   <li><b>Builders</b>: {@link #set} gives a value to a builder's setter, the judge of what the
 *       value may be; a refusal becomes a problem at the key (the value as written, the builder's
 *       constraint in the file's unit), see {@link Refusal}. {@link #build} runs a builder's
 *       {@code build()}, whose rules involve several keys, once every key of the mapping is good.</li>
 * </ul>
 * Every key the caller asks about, present or not, is a known key; {@link #finish()} reports the
 * others as unknown, with a suggestion when one known key is close. Not thread-safe.
 */
final class MapReader extends ScalarReader {

    private static final Pattern SNAKE_HUMP = Pattern.compile("_([a-z])");
    private static final Pattern CAPITAL = Pattern.compile("[A-Z]");
    /** A builder's rule that compares two settings: {@code >= baseEjectionTime (1m)}. */
    private static final Pattern COMPARISON = Pattern.compile("(>=|<=|>|<) (\\w+) \\((.+)\\)");
    private static final Map<String, String> INVERSE = Map.of(">=", "<=", "<=", ">=", ">", "<", "<", ">");

    private final MapNode map;
    private final String path;
    private final Problems problems;
    private final Set<String> known = new LinkedHashSet<>();
    private final Set<String> invalid = new HashSet<>();
    /** How the constraints of a builder's refusals are restated for keys read in another unit. */
    private final Map<String, UnaryOperator<String>> units = new HashMap<>();

    MapReader(MapNode map, String path, Problems problems) {
        this.map = map;
        this.path = path;
        this.problems = problems;
    }

    Problems problems() {
        return problems;
    }

    String path() {
        return path;
    }

    int line() {
        return map.line();
    }

    /** The path of a key of this mapping. */
    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    @Override
    Node node(String key) {
        known.add(key);
        Entry e = map.get(key);
        return e == null ? null : e.value();
    }

    boolean has(String key) {
        known.add(key);
        return map.get(key) != null;
    }

    /** True when {@code key} is absent or its value was valid. */
    boolean valid(String key) {
        return !invalid.contains(key);
    }

    @Override
    void invalid(String key, Node value, String expected) {
        invalid.add(key);
        problems.invalid(value, path(key), expected);
    }

    /** Reports a problem with the value of {@code key}, with a message of the caller's own. */
    void problem(String key, Node value, String message) {
        invalid.add(key);
        problems.add(value.line(), path(key), message);
    }

    // ---- values given to builders -----------------------------------------------------------

    /**
     * Runs {@code factory}, a builder's or a value type's, with the value of {@code key} (in
     * {@code value}); a refusal is reported at the key as {@code message} makes it from the refusal.
     *
     * @return what the factory made, or null when it refused
     */
    <T> T call(String key, Node value, Supplier<T> factory, Function<Refusal, String> message) {
        try {
            return factory.get();
        } catch (IllegalArgumentException e) {
            problem(key, value, message.apply(Refusal.of(e)));
            return null;
        }
    }

    /** As {@link #call(String, Node, Supplier, Function)}: the value as written, with the refusal's constraint. */
    <T> T call(String key, Node value, Supplier<T> factory) {
        return call(key, value, factory, r -> value.display() + " (expected: " + r.constraint() + ")");
    }

    /**
     * Runs {@code setter}, which gives the value of {@code key} (in {@code value}) to a builder; a
     * refusal is reported as the value as written with the builder's constraint, restated by
     * {@code unit} for a key written in another unit than the builder takes.
     *
     * @return whether the builder took the value
     */
    boolean set(String key, Node value, Runnable setter, UnaryOperator<String> unit) {
        units.put(key, unit);
        return call(key, value, () -> {
            setter.run();
            return Boolean.TRUE;
        }, r -> value.display() + " (expected: " + unit.apply(r.constraint()) + ")") != null;
    }

    /** Gives an integer to a builder; returns the value it took, or null. */
    Integer integer(String key, IntConsumer setter) {
        Integer v = integer(key);
        return v != null && set(key, node(key), () -> setter.accept(v), c -> Refusal.range(c, v)) ? v : null;
    }

    /** Gives a duration to a builder; returns the value it took, or null. */
    Duration duration(String key, Consumer<Duration> setter) {
        Duration v = duration(key);
        return v != null && set(key, node(key), () -> setter.accept(v), UnaryOperator.identity()) ? v : null;
    }

    /** Gives a boolean to a builder. */
    void bool(String key, Consumer<Boolean> setter) {
        Boolean v = bool(key);
        if (v != null) {
            setter.accept(v);
        }
    }

    /** Gives a whole percentage to a builder that takes one. */
    void percent(String key, IntConsumer setter) {
        Integer v = percent(key);
        if (v != null) {
            set(key, node(key), () -> setter.accept(v), UnaryOperator.identity());
        }
    }

    /** Gives a whole percentage to a builder that takes a fraction ({@code 25%} as 0.25); returns the fraction it took, or null. */
    Double share(String key, DoubleConsumer setter) {
        Integer v = percent(key);
        return v != null && set(key, node(key), () -> setter.accept(v / 100.0), Refusal::percent) ? v / 100.0 : null;
    }

    /** Gives a string to a builder; a value of another type is reported with {@code expected}. */
    void string(String key, String expected, Consumer<String> setter) {
        String v = string(key, null, expected);
        if (v != null) {
            set(key, node(key), () -> setter.accept(v), UnaryOperator.identity());
        }
    }

    /** As {@link #string(String, String, Consumer)}, but a refusal is also reported as {@code refused}: the key's own words. */
    void string(String key, String expected, String refused, Consumer<String> setter) {
        String v = string(key, null, expected);
        if (v != null) {
            set(key, node(key), () -> setter.accept(v), constraint -> refused);
        }
    }

    /**
     * Runs a builder's {@code build()}, whose rules involve several keys; keys that were refused
     * hold the builder's defaults. A refusal names a setting; it is reported at the key of that
     * name ({@code maxEjectionTime} is {@code max_ejection_time}), with the other keys it mentions
     * written as the file writes them, or on the mapping when the key is absent; it is dropped when
     * one of those keys was bad already (reported).
     *
     * @return what the builder built, or null when it refused
     */
    <T> T build(Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            refused(Refusal.of(e));
            return null;
        }
    }

    /** Reports a refusal of a builder's {@code build()}, as {@link #build(Supplier)} says. */
    private void refused(Refusal r) {
        String key = snake(r.name());
        if (!valid(key) || invalid.stream().anyMatch(k -> mentions(r.constraint(), camel(k)))) {
            return;
        }
        String constraint = units.getOrDefault(key, UnaryOperator.identity()).apply(inFileTerms(r.constraint()));
        Entry entry = map.get(key);
        Matcher compared = COMPARISON.matcher(r.constraint());
        Entry other = compared.matches() ? map.get(snake(compared.group(2))) : null;
        if (entry != null) {
            problem(key, entry.value(), entry.value().display() + " (expected: " + constraint + ")");
        } else if (other != null) {
            // The key left at its default is compared with one the file gives: the problem is told there.
            problem(other.key(), other.value(), other.value().display() + " (expected: "
                    + INVERSE.get(compared.group(1)) + " " + key + " (" + r.value() + "))");
        } else if (known.contains(key)) {
            problems.add(line(), path(key), r.value() + ", the default (expected: " + constraint + ")");
        } else {
            problems.add(line(), path(), r.name() + ": " + r.value() + " (expected: " + constraint + ")");
        }
    }

    /** As {@link #build(Supplier)}, but a refusal is reported on the mapping as {@code message}: for a rule no single key breaks. */
    <T> T build(Supplier<T> build, String message) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            problems.add(line(), path(), message);
            return null;
        }
    }

    /** The builder's names of this mapping's keys ({@code baseEjectionTime}) written as keys ({@code base_ejection_time}). */
    private String inFileTerms(String text) {
        String result = text;
        for (String key : known) {
            String camel = camel(key);
            if (!camel.equals(key)) {
                result = word(camel).matcher(result).replaceAll(Matcher.quoteReplacement(key));
            }
        }
        return result;
    }

    private static boolean mentions(String text, String word) {
        return word(word).matcher(text).find();
    }

    private static Pattern word(String word) {
        return Pattern.compile("\\b" + Pattern.quote(word) + "\\b");
    }

    /** A builder's name as a key: {@code baseEjectionTime} is {@code base_ejection_time}. */
    private static String snake(String name) {
        return CAPITAL.matcher(name).replaceAll(m -> "_" + m.group().toLowerCase(Locale.ROOT));
    }

    /** A key as a builder names it: {@code base_ejection_time} is {@code baseEjectionTime}. */
    private static String camel(String key) {
        return SNAKE_HUMP.matcher(key).replaceAll(m -> m.group(1).toUpperCase(Locale.ROOT));
    }

    /** A nested mapping, or null when absent (or not a mapping: reported). */
    MapReader map(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof MapNode m)) {
            invalid(key, n, "a mapping");
            return null;
        }
        return new MapReader(m, path(key), problems);
    }

    /** A list, or null when absent (or not a list: reported). */
    ListNode list(String key, String expected) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof ListNode l)) {
            invalid(key, n, expected);
            return null;
        }
        return l;
    }

    /** Reports every key that no one asked about, with a "did you mean" when one known key is close. */
    void finish() {
        for (Entry e : map.entries()) {
            if (known.contains(e.key())) {
                continue;
            }
            String suggestion = Spelling.suggest(e.key(), known);
            problems.add(e.line(), path(e.key()), suggestion != null
                    ? "unknown key (did you mean " + suggestion + "?)"
                    : "unknown key (expected: one of " + String.join(", ", new TreeSet<>(known)) + ")");
        }
    }
}
