package dev.jlb.jetty.config;

import dev.jlb.DurationFormat;
import dev.jlb.jetty.config.Node.Entry;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the keys of one mapping with types, ranges and defaults, reporting each bad value to
 * {@link Problems} (and returning the default, so that reading goes on and every problem is found).
 * Every key the caller asks about, present or not, is a known key; {@link #finish()} reports the
 * others as unknown, with a suggestion when one known key is close. Not thread-safe.
 */
final class MapReader {

    /** What a duration looks like (see {@link DurationFormat}). */
    static final String DURATION_EXPECTED = "a duration such as 500ms, 2s or 1m";

    private final MapNode map;
    private final String path;
    private final Problems problems;
    private final Set<String> known = new LinkedHashSet<>();
    private final Set<String> invalid = new HashSet<>();

    MapReader(MapNode map, String path, Problems problems) {
        this.map = map;
        this.path = path;
        this.problems = problems;
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

    /** Marks {@code key} as known and returns its value, or null when absent. */
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

    /** Reports a problem with the value of {@code key} and remembers that it is invalid. */
    void invalid(String key, Node value, String expected) {
        invalid.add(key);
        problems.invalid(value, path(key), expected);
    }

    /** Reports a problem with the value of {@code key}, with a message of the caller's own. */
    void problem(String key, Node value, String message) {
        invalid.add(key);
        problems.add(value.line(), path(key), message);
    }

    // ---- typed values ------------------------------------------------------------------------

    int integer(String key, int defaultValue, long min, long max) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        Long v = integerValue(key, n, min, max);
        return v == null ? defaultValue : v.intValue();
    }

    /** The integer value of {@code n} in {@code [min, max]}, or null after reporting why not. */
    Long integerValue(String key, Node n, long min, long max) {
        if (!(n instanceof ScalarNode s) || s.kind() != Kind.INTEGER) {
            invalid(key, n, "an integer");
            return null;
        }
        long v;
        try {
            v = Long.parseLong(s.text());
        } catch (NumberFormatException e) {
            invalid(key, n, s.text().startsWith("-") ? ">= " + min : "<= " + max);
            return null;
        }
        if (v < min) {
            invalid(key, n, ">= " + min);
            return null;
        }
        if (v > max) {
            invalid(key, n, "<= " + max);
            return null;
        }
        return v;
    }

    double decimal(String key, double defaultValue, double min, double max) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (!(n instanceof ScalarNode s) || (s.kind() != Kind.INTEGER && s.kind() != Kind.DECIMAL)) {
            invalid(key, n, "a number");
            return defaultValue;
        }
        double v;
        try {
            v = Double.parseDouble(s.text());
        } catch (NumberFormatException e) {
            invalid(key, n, "a number");
            return defaultValue;
        }
        if (!(v >= min)) {
            invalid(key, n, ">= " + number(min));
            return defaultValue;
        }
        if (!(v <= max)) {
            invalid(key, n, "<= " + number(max));
            return defaultValue;
        }
        return v;
    }

    /** A share written as a whole percentage: {@code 50} or {@code "50%"}, in {@code [0, 100]}. */
    int percent(String key, int defaultValue) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        String digits = null;
        if (n instanceof ScalarNode s && s.kind() == Kind.INTEGER) {
            digits = s.text();
        } else if (n instanceof ScalarNode s && s.kind() == Kind.STRING && s.text().strip().endsWith("%")) {
            String t = s.text().strip();
            digits = t.substring(0, t.length() - 1).strip();
        }
        long v;
        try {
            v = digits == null ? Long.MIN_VALUE : Long.parseLong(digits);
        } catch (NumberFormatException e) {
            v = Long.MIN_VALUE;
        }
        if (v == Long.MIN_VALUE) {
            invalid(key, n, "a percentage such as 50 or 50%");
            return defaultValue;
        }
        if (v < 0) {
            invalid(key, n, ">= 0");
            return defaultValue;
        }
        if (v > 100) {
            invalid(key, n, "<= 100");
            return defaultValue;
        }
        return (int) v;
    }

    boolean bool(String key, boolean defaultValue) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (!(n instanceof ScalarNode s) || s.kind() != Kind.BOOLEAN) {
            invalid(key, n, "true or false");
            return defaultValue;
        }
        return Boolean.parseBoolean(s.text());
    }

    /** A string value (strictly: a number or boolean is reported as the wrong type). */
    String string(String key, String defaultValue, String expected) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        String v = stringValue(key, n, expected);
        return v == null ? defaultValue : v;
    }

    /** The text of a string scalar, or null after reporting {@code expected}. */
    String stringValue(String key, Node n, String expected) {
        if (!(n instanceof ScalarNode s) || s.kind() != Kind.STRING) {
            invalid(key, n, expected);
            return null;
        }
        return s.text();
    }

    /** Free text: any scalar but null is taken as written. */
    String text(String key, String defaultValue) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        if (!(n instanceof ScalarNode s) || s.kind() == Kind.NULL) {
            invalid(key, n, "text");
            return defaultValue;
        }
        return s.text();
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    String choice(String key, String defaultValue, String... choices) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        String expected = "one of " + String.join(", ", choices);
        String v = stringValue(key, n, expected);
        if (v == null) {
            return defaultValue;
        }
        String lower = v.strip().toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(lower)) {
                return c;
            }
        }
        invalid(key, n, expected);
        return defaultValue;
    }

    /**
     * A duration (see {@link DurationFormat}); {@code positive} requires {@code > 0}, otherwise
     * {@code >= 0} is required.
     */
    Duration duration(String key, Duration defaultValue, boolean positive) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        Duration d = durationValue(key, n, positive);
        return d == null ? defaultValue : d;
    }

    Duration durationValue(String key, Node n, boolean positive) {
        Duration d = null;
        if (n instanceof ScalarNode s && s.kind() == Kind.STRING) {
            d = DurationFormat.parse(s.text()).orElse(null);
        } else if (n instanceof ScalarNode s && s.kind() == Kind.INTEGER) {
            if (s.text().equals("0")) {
                d = Duration.ZERO;
            } else {
                invalid(key, n, "a duration with a unit, such as " + s.text() + "s");
                return null;
            }
        }
        if (d == null) {
            invalid(key, n, DURATION_EXPECTED);
            return null;
        }
        if (positive ? d.isNegative() || d.isZero() : d.isNegative()) {
            invalid(key, n, positive ? "> 0" : ">= 0");
            return null;
        }
        return d;
    }

    /** A byte size (see {@link Sizes}) in {@code [min, max]}. */
    long size(String key, long defaultValue, long min, long max) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        long v = -1;
        if (n instanceof ScalarNode s && (s.kind() == Kind.STRING || s.kind() == Kind.INTEGER)) {
            v = Sizes.parse(s.text());
            if (v < 0 && s.text().strip().startsWith("-")) {
                invalid(key, n, ">= " + Sizes.format(min));
                return defaultValue;
            }
        }
        if (v < 0) {
            invalid(key, n, Sizes.EXPECTED);
            return defaultValue;
        }
        if (v < min) {
            invalid(key, n, ">= " + Sizes.format(min));
            return defaultValue;
        }
        if (v > max) {
            invalid(key, n, "<= " + Sizes.format(max));
            return defaultValue;
        }
        return v;
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

    /** A number without a needless {@code .0}. */
    static String number(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
