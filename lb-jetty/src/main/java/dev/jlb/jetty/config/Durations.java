package dev.jlb.jetty.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations written as in Go's {@code time.ParseDuration} (the original balancer's
 * {@code health_check_interval: "5s"}): an optional sign and one or more decimal numbers, each
 * with a unit {@code ns}, {@code us} ({@code µs}), {@code ms}, {@code s}, {@code m} or {@code h},
 * such as {@code 500ms}, {@code 2s}, {@code 1m30s} or {@code 1.5h}. {@code 0} needs no unit.
 */
final class Durations {

    static final String EXPECTED = "a duration such as 500ms, 2s or 1m";

    private static final Pattern WHOLE = Pattern.compile("[-+]?((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private Durations() {
    }

    /** The duration, or null when {@code text} is not one (or does not fit in a {@code long} of nanoseconds). */
    static Duration parse(String text) {
        String s = text.strip();
        if (s.equals("0") || s.equals("-0") || s.equals("+0")) {
            return Duration.ZERO;
        }
        if (!WHOLE.matcher(s).matches()) {
            return null;
        }
        boolean negative = s.startsWith("-");
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher m = PART.matcher(s);
        while (m.find()) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
        }
        if (nanos.compareTo(MAX_NANOS) > 0) {
            return null;
        }
        long n = nanos.longValue();
        return Duration.ofNanos(negative ? -n : n);
    }

    /** How a duration is written back in messages and logs: the largest exact unit, such as {@code 1500ms} or {@code 2s}. */
    static String format(Duration d) {
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            return d.toString();
        }
        if (nanos == 0) {
            return "0s";
        }
        long[] units = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
        String[] names = {"h", "m", "s", "ms", "us", "ns"};
        for (int i = 0; i < units.length; i++) {
            if (nanos % units[i] == 0) {
                return (nanos / units[i]) + names[i];
            }
        }
        return nanos + "ns";
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> throw new IllegalArgumentException(unit);
        };
    }
}
