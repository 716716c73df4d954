package dev.jlb.health;

import java.util.Arrays;

/** A set of HTTP status codes written as {@code "200-299,302"}. Immutable. */
final class StatusRanges {
    private final String text;
    /** Bit i set when status i is in the set; statuses 100..599. */
    private final long[] bits = new long[10];

    private StatusRanges(String text) {
        this.text = text;
    }

    static StatusRanges parse(String text) {
        String normalized = text.replace(" ", "");
        StatusRanges ranges = new StatusRanges(normalized);
        if (normalized.isEmpty()) {
            throw invalid(text);
        }
        for (String part : normalized.split(",", -1)) {
            int dash = part.indexOf('-');
            int from;
            int to;
            try {
                if (dash < 0) {
                    from = Integer.parseInt(part);
                    to = from;
                } else {
                    from = Integer.parseInt(part.substring(0, dash));
                    to = Integer.parseInt(part.substring(dash + 1));
                }
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
            if (from < 100 || to > 599 || from > to) {
                throw invalid(text);
            }
            for (int s = from; s <= to; s++) {
                ranges.bits[s >>> 6] |= 1L << s;
            }
        }
        return ranges;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("expectedStatuses: " + text
                + " (expected: comma-separated codes or ranges within 100..599, such as 200-299,302)");
    }

    boolean contains(int status) {
        return status >= 100 && status <= 599 && (bits[status >>> 6] & (1L << status)) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatusRanges && Arrays.equals(bits, ((StatusRanges) o).bits);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        return text;
    }
}
