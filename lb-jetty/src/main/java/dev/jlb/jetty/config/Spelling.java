package dev.jlb.jetty.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" suggestions for misspelled keys and names. */
final class Spelling {

    private Spelling() {
    }

    /**
     * The candidate closest to {@code word}, or null when none is close: at most one edit for words
     * of up to 4 characters, two up to 8, three beyond (an edit is an insertion, deletion,
     * substitution or transposition of adjacent characters; case and {@code -}/{@code _} are ignored).
     * Ties go to the earlier candidate.
     */
    static String suggest(String word, Collection<String> candidates) {
        String w = normalize(word);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            String c = normalize(candidate);
            int limit = c.length() <= 4 ? 1 : c.length() <= 8 ? 2 : 3;
            if (Math.abs(w.length() - c.length()) > limit) {
                continue; // the distance is at least the difference in length
            }
            int d = distance(w, c);
            if (d <= limit && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
