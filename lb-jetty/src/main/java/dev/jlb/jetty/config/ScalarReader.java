package dev.jlb.jetty.config;

import dev.jlb.DurationFormat;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import java.time.Duration;
import java.util.Locale;

/**
 * The syntax layer of {@link MapReader}: the value of a key as the file writes it (an integer, a
 * duration, a percentage, ...). A value of the wrong form is reported and read as absent (null) or
 * as the caller's default. Not thread-safe.
 */
abstract class ScalarReader {

    /** What a duration looks like (see {@link DurationFormat}). */
    static final String DURATION_EXPECTED = "a duration such as 500ms, 2s or 1m";

    /** Marks {@code key} as known and returns its value, or null when absent. */
    abstract Node node(String key);

    /** Reports a problem with the value of {@code key} and remembers that it is invalid. */
    abstract void invalid(String key, Node value, String expected);

    int integer(String key, int defaultValue, long min, long max) {
        Node n = node(key);
        if (n == null) {
            return defaultValue;
        }
        Long v = integerValue(key, n, min, max);
        return v == null ? defaultValue : v.intValue();
    }

    /** An integer that fits an {@code int}, or null when absent or not one (reported). */
    Integer integer(String key) {
        Node n = node(key);
        Long v = n == null ? null : integerValue(key, n, Integer.MIN_VALUE, Integer.MAX_VALUE);
        return v == null ? null : v.intValue();
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

    /** A number, or null when absent or not one (reported). */
    Double decimal(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && (s.kind() == Kind.INTEGER || s.kind() == Kind.DECIMAL)) {
            try {
                double v = Double.parseDouble(s.text());
                if (Double.isFinite(v)) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        invalid(key, n, "a number");
        return null;
    }

    /** A share written as a whole percentage: {@code 50} or {@code "50%"}, in {@code [0, 100]}. */
    int percent(String key, int defaultValue) {
        Integer v = percent(key);
        return v == null ? defaultValue : v;
    }

    /** As {@link #percent(String, int)}; null when absent or not a percentage (reported). */
    Integer percent(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
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
            return null;
        }
        if (v < 0 || v > 100) {
            invalid(key, n, v < 0 ? ">= 0" : "<= 100");
            return null;
        }
        return (int) v;
    }

    boolean bool(String key, boolean defaultValue) {
        Boolean v = bool(key);
        return v == null ? defaultValue : v;
    }

    /** As {@link #bool(String, boolean)}; null when absent or not a boolean (reported). */
    Boolean bool(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof ScalarNode s) || s.kind() != Kind.BOOLEAN) {
            invalid(key, n, "true or false");
            return null;
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
        Duration d = duration(key);
        if (d != null && (positive ? d.isNegative() || d.isZero() : d.isNegative())) {
            invalid(key, node(key), positive ? "> 0" : ">= 0");
            return defaultValue;
        }
        return d == null ? defaultValue : d;
    }

    /** A duration of any sign, or null when absent or not a duration (reported). */
    Duration duration(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && s.kind() == Kind.INTEGER && !s.text().equals("0")) {
            invalid(key, n, "a duration with a unit, such as " + s.text() + "s");
            return null;
        }
        Duration d = n instanceof ScalarNode s && (s.kind() == Kind.STRING || s.kind() == Kind.INTEGER)
                ? DurationFormat.parse(s.text()).orElse(null) : null;
        if (d == null) {
            invalid(key, n, DURATION_EXPECTED);
        }
        return d;
    }

    /** A byte size (see {@link Sizes}), or null when absent or not a size (reported). */
    Long size(String key) {
        Node n = node(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && (s.kind() == Kind.STRING || s.kind() == Kind.INTEGER)) {
            long v = Sizes.parse(s.text());
            if (v >= 0) {
                return v;
            }
            if (s.text().strip().startsWith("-")) {
                invalid(key, n, ">= " + Sizes.format(0));
                return null;
            }
        }
        invalid(key, n, Sizes.EXPECTED);
        return null;
    }
}
