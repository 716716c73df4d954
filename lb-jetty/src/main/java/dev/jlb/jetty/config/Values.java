package dev.jlb.jetty.config;

import java.util.regex.Pattern;

/** How values appear in error messages. */
final class Values {

    private static final int MAX_SHOWN = 80;

    /** Text that YAML would read as something other than a string if it were not quoted. */
    private static final Pattern LOOKS_TYPED = Pattern.compile(
            "[-+]?(\\d[\\d_]*(\\.\\d*)?([eE][-+]?\\d+)?|\\.\\d+)|true|false|null|~|yes|no|on|off",
            Pattern.CASE_INSENSITIVE);

    private Values() {
    }

    /** {@code text} with control characters written as escapes ({@code \n}, {@code \u0000}); unchanged without. */
    static String escapeControls(String text) {
        if (text.chars().noneMatch(Character::isISOControl)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> sb.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb.toString();
    }

    /**
     * A string as the user wrote it; quoted when it would otherwise be unclear (empty, blank
     * around, containing white space, quotes or a colon that would read as the message's own,
     * or looking like a number or boolean), and
     * shortened when long.
     */
    static String displayString(String text) {
        String shown = text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
        boolean quote = shown.isEmpty() || LOOKS_TYPED.matcher(shown).matches()
                || shown.endsWith(":") || shown.contains(": ");
        for (int i = 0; i < shown.length() && !quote; i++) {
            char c = shown.charAt(i);
            quote = Character.isWhitespace(c) || c == '"' || Character.isISOControl(c);
        }
        if (!quote) {
            return shown;
        }
        StringBuilder sb = new StringBuilder(shown.length() + 2).append('"');
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (Character.isISOControl(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
