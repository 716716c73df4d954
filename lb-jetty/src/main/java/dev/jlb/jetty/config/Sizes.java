package dev.jlb.jetty.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte sizes: a whole number of bytes ({@code 65536}) or a whole number with a binary unit
 * ({@code 64KiB}, {@code 1MiB}, {@code 1GiB}; {@code K}/{@code KB}, {@code M}/{@code MB},
 * {@code G}/{@code GB} mean the same, as in nginx and {@code -Xmx}; {@code B} is bytes). Units are
 * case-insensitive.
 */
final class Sizes {

    static final String EXPECTED = "a size such as 65536, 64KiB or 1MiB";

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-z]*)");

    private Sizes() {
    }

    /** The size in bytes, or -1 when {@code text} is not a size or exceeds {@code Long.MAX_VALUE}. */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        long multiplier = switch (m.group(2)) {
            case "", "b" -> 1L;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            default -> -1L;
        };
        if (multiplier < 0) {
            return -1;
        }
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
        } catch (ArithmeticException | NumberFormatException e) {
            return -1;
        }
    }

    /** A size written back: the largest exact binary unit, such as {@code 64KiB}. */
    static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }
}
