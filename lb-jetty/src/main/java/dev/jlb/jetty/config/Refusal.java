package dev.jlb.jetty.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A builder's refusal of a value, taken apart: builders throw {@code IllegalArgumentException}s in
 * the project's one format, {@code "<name>: <value> (expected: <constraint>)"}, and a file's problem
 * shows the value as the file writes it with the builder's own constraint. Where a key is written in
 * another unit than the builder takes (whole percentages for fractions, sizes for bytes), the
 * constraint is restated in the file's unit by one of the functions below.
 *
 * @param name the name the builder gave, such as {@code maxEjectionTime}
 * @param value the value as the builder shows it
 * @param constraint what the builder expected; the whole message when it is not in the format
 */
record Refusal(String name, String value, String constraint) {

    private static final String EXPECTED = " (expected: ";
    /** An operator and a number, such as {@code >= 0.1} or {@code <= 67108864}. */
    private static final Pattern BOUND = Pattern.compile("(>=|<=|>|<) (-?\\d+(?:\\.\\d+)?)");
    private static final Pattern RANGE = Pattern.compile("(-?\\d+)\\.\\.(-?\\d+)");
    private static final Pattern POINT_ZERO = Pattern.compile("(\\d)\\.0\\b");
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    static Refusal of(IllegalArgumentException e) {
        return of(String.valueOf(e.getMessage()));
    }

    static Refusal of(String m) {
        int colon = m.indexOf(": ");
        int expected = m.indexOf(EXPECTED);
        if (colon < 0 || expected < colon || !m.endsWith(")")) {
            return new Refusal("", m, m);
        }
        return new Refusal(m.substring(0, colon), m.substring(colon + 2, expected),
                m.substring(expected + EXPECTED.length(), m.length() - 1));
    }

    /**
     * Bounds on a fraction restated as the whole percentages they allow: {@code > 0.0} becomes
     * {@code >= 1%}, {@code < 1.0} becomes {@code <= 99%}, {@code >= 0.5} becomes {@code >= 50%}.
     */
    static String percent(String constraint) {
        return BOUND.matcher(constraint).replaceAll(m -> {
            BigDecimal p = new BigDecimal(m.group(2)).multiply(HUNDRED);
            long floor = p.setScale(0, RoundingMode.FLOOR).longValueExact();
            long ceiling = p.setScale(0, RoundingMode.CEILING).longValueExact();
            return switch (m.group(1)) {
                case ">" -> ">= " + (floor + 1) + "%";
                case ">=" -> ">= " + ceiling + "%";
                case "<" -> "<= " + (ceiling - 1) + "%";
                default -> "<= " + floor + "%";
            };
        });
    }

    /** Bounds on a byte count restated as sizes: {@code <= 67108864} becomes {@code <= 64MiB}. */
    static String size(String constraint) {
        return BOUND.matcher(constraint).replaceAll(m -> m.group(1) + " "
                + Matcher.quoteReplacement(Sizes.format(new BigDecimal(m.group(2)).longValue())));
    }

    /** Numbers as a file writes them, without a needless {@code .0}: {@code > 1.0} becomes {@code > 1}. */
    static String plain(String constraint) {
        return POINT_ZERO.matcher(constraint).replaceAll("$1");
    }

    /** A range {@code a..b} narrowed to the side {@code value} is on: {@code >= a} or {@code <= b}. */
    static String range(String constraint, long value) {
        Matcher m = RANGE.matcher(constraint);
        if (!m.matches()) {
            return constraint;
        }
        long low = Long.parseLong(m.group(1));
        long high = Long.parseLong(m.group(2));
        return value < low ? ">= " + low : value > high ? "<= " + high : constraint;
    }
}
