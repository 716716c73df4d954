package dev.jlb.internal;

/**
 * Reads a {@code Cookie} request header ({@code a=1; b="2"}, RFC 6265 section 4.2.1) in place:
 * pairs are separated by {@code ;}, blanks (space and tab) around names and values are ignored,
 * names compare case-sensitively, and a value in double quotes is taken without them. Pairs
 * without {@code =} and empty pairs are skipped. Positions are indexes into the header, so finding
 * a cookie allocates nothing (the {@code consistent-hash} strategy hashes the value where it
 * stands). Internal; stateless and thread-safe.
 */
public final class Cookies {

    private Cookies() {
    }

    /**
     * Where the value of the first cookie named {@code name} at or after index {@code from} starts
     * (just after its {@code =}), or -1 when there is none. To visit every cookie of that name,
     * continue from {@code pairEnd(header, valueStart) + 1}.
     */
    public static int find(String header, String name, int from) {
        int n = header.length();
        int i = from;
        while (i < n) {
            int end = pairEnd(header, i);
            int valueStart = valueStart(header, i, end, name);
            if (valueStart >= 0) {
                return valueStart;
            }
            i = end + 1;
        }
        return -1;
    }

    /** The end (exclusive) of the pair that holds index {@code i}: the next {@code ;}, or the end of the header. */
    public static int pairEnd(String header, int i) {
        int end = header.indexOf(';', i);
        return end < 0 ? header.length() : end;
    }

    /** The first index of the value that starts at {@code valueStart} (from {@link #find}), blanks and an opening quote skipped. */
    public static int valueFrom(String header, int valueStart) {
        int to = trimBlanks(header, valueStart, pairEnd(header, valueStart));
        int from = skipBlanks(header, valueStart, to);
        return isQuoted(header, from, to) ? from + 1 : from;
    }

    /** The end (exclusive) of the value that starts at {@code valueStart}, blanks and a closing quote left out. */
    public static int valueTo(String header, int valueStart) {
        int to = trimBlanks(header, valueStart, pairEnd(header, valueStart));
        int from = skipBlanks(header, valueStart, to);
        return isQuoted(header, from, to) ? to - 1 : to;
    }

    /** The value that starts at {@code valueStart}, as {@link #valueFrom} and {@link #valueTo} delimit it. */
    public static String value(String header, int valueStart) {
        return header.substring(valueFrom(header, valueStart), valueTo(header, valueStart));
    }

    /**
     * {@code header} without the cookies named {@code name}: the same instance when it has none,
     * null when nothing else is left, else the other pairs, each trimmed, joined by {@code "; "}.
     */
    public static String without(String header, String name) {
        int first = find(header, name, 0);
        if (first < 0) {
            return header;
        }
        StringBuilder kept = new StringBuilder(header.length());
        int n = header.length();
        int i = 0;
        while (i < n) {
            int end = pairEnd(header, i);
            if (valueStart(header, i, end, name) < 0) {
                int s = skipBlanks(header, i, end);
                int e = trimBlanks(header, s, end);
                if (e > s) {
                    kept.append(kept.length() > 0 ? "; " : "").append(header, s, e);
                }
            }
            i = end + 1;
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    /** Where the value starts when {@code header[from, to)} is a pair named {@code name}, else -1. */
    private static int valueStart(String header, int from, int to, String name) {
        int s = skipBlanks(header, from, to);
        int eq = s + name.length();
        if (eq > to || !header.regionMatches(s, name, 0, name.length())) {
            return -1;
        }
        eq = skipBlanks(header, eq, to);
        return eq < to && header.charAt(eq) == '=' ? eq + 1 : -1;
    }

    private static boolean isQuoted(String header, int from, int to) {
        return to - from >= 2 && header.charAt(from) == '"' && header.charAt(to - 1) == '"';
    }

    private static int skipBlanks(String s, int from, int to) {
        while (from < to && isBlank(s.charAt(from))) {
            from++;
        }
        return from;
    }

    private static int trimBlanks(String s, int from, int to) {
        while (to > from && isBlank(s.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
