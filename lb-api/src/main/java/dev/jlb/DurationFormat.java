package dev.jlb;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How jlb writes and reads durations: in configuration files, in error messages and in logs, the
 * same text for the same setting. The syntax is Go's {@code time.ParseDuration} (the original
 * balancer's {@code health_check_interval: "5s"}): an optional sign and one or more decimal numbers,
 * each with a unit {@code ns}, {@code us} ({@code µs}), {@code ms}, {@code s}, {@code m} or
 * {@code h}, such as {@code 500ms}, {@code 2s}, {@code 1m30s} or {@code 1.5h}; {@code 0} needs no
 * unit. {@link #format(Duration)} writes the largest unit that represents the value exactly, so what
 * it writes parses back to the same duration.
 *
 * <p>Public because the standalone balancer and embedders that log jlb's settings or read their
 * own configuration need the same text. Stateless and thread-safe.
 */
public final class DurationFormat {

    private static final Pattern WHOLE = Pattern.compile("[-+]?((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final long[] UNIT_NANOS = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    private static final String[] UNIT_NAMES = {"h", "m", "s", "ms", "us", "ns"};

    private DurationFormat() {
    }

    /**
     * {@code 2h}, {@code 90m}, {@code 2s}, {@code 1500ms}, {@code 250us} or {@code 7ns}: the largest
     * unit that represents the value exactly ({@code 0s} for zero, a leading {@code -} when negative).
     *
     * @param duration the duration
     * @return the string
     */
    public static String format(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        long seconds = duration.getSeconds();
        if (duration.getNano() == 0) {
            // Whole seconds format without nanoseconds, which could overflow a long.
            return seconds % 3600 == 0 && seconds != 0 ? seconds / 3600 + "h"
                    : seconds % 60 == 0 && seconds != 0 ? seconds / 60 + "m" : seconds + "s";
        }
        if (seconds > Long.MAX_VALUE / 1_000_000_000L - 1 || seconds < Long.MIN_VALUE / 1_000_000_000L + 1) {
            return duration.toString();
        }
        return formatNanos(duration.toNanos());
    }

    /**
     * A nanosecond count written as {@link #format(Duration)} writes it.
     *
     * @param nanos the nanos
     * @return a nanosecond count written as {@link #format(Duration)} writes it
     */
    public static String formatNanos(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        for (int i = 0; i < UNIT_NANOS.length; i++) {
            if (nanos % UNIT_NANOS[i] == 0) {
                return nanos / UNIT_NANOS[i] + UNIT_NAMES[i];
            }
        }
        throw new AssertionError(nanos);
    }

    /**
     * Reads a duration; empty when {@code text} is not one, or does not fit in a {@code long} of
     * nanoseconds. Blanks around the text are ignored; negative durations are read (whether one is
     * allowed is the setting's rule).
     *
     * @param text the text
     * @return the optional
     */
    public static Optional<Duration> parse(String text) {
        String s = Objects.requireNonNull(text, "text").strip();
        if (s.equals("0") || s.equals("-0") || s.equals("+0")) {
            return Optional.of(Duration.ZERO);
        }
        if (!WHOLE.matcher(s).matches()) {
            return Optional.empty();
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher m = PART.matcher(s);
        while (m.find()) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
        }
        if (nanos.compareTo(MAX_NANOS) > 0) {
            return Optional.empty();
        }
        long n = nanos.longValue();
        return Optional.of(Duration.ofNanos(s.startsWith("-") ? -n : n));
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
