package dev.jlb.internal;

/**
 * The HTTP token syntax (RFC 9110, section 5.6.2) that methods, header names, cookie names and
 * {@code Via} pseudonyms share: one or more visible ASCII characters other than the delimiters
 * {@code "(),/:;<=>?@[\]{}}. Internal; stateless and thread-safe.
 */
public final class HttpTokens {

    private static final String DELIMITERS = "\"(),/:;<=>?@[\\]{}";
    /** tchar, by character code. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = 0x21; c < 0x7f; c++) {
            TCHAR[c] = DELIMITERS.indexOf(c) < 0;
        }
    }

    private HttpTokens() {
    }

    /** Whether {@code c} may appear in a token (RFC 9110 {@code tchar}). */
    public static boolean isTokenChar(int c) {
        return c >= 0 && c < 128 && TCHAR[c];
    }

    /** Whether {@code s} is a token: not empty, every character a {@code tchar}. */
    public static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTokenChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
