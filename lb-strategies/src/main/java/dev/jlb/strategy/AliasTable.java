package dev.jlb.strategy;

/**
 * Walker's alias method (Vose's construction): a weighted random draw in O(1) from one random
 * {@code long}, whatever the number of backends.
 *
 * <p>The table has one column per backend. A draw takes a uniform column (from the high 32 bits)
 * and a 31-bit coin (from the low bits): below the column's threshold it returns the column,
 * otherwise the column's alias. The construction is exact in integer arithmetic; only the thresholds
 * are rounded, to 31 bits, so each probability is within {@code n / 2^31} of {@code weight / total}.
 * A column's threshold and alias share one {@code long}, so a draw touches one array slot (one cache
 * miss at most, which matters with thousands of backends). Immutable.
 */
final class AliasTable {

    /** A threshold of {@code 2^31}: the coin is always below it. */
    static final long ALWAYS = 1L << 31;

    /** Per column: the threshold (0 to 2^31) in the high 32 bits, the alias index in the low 32. */
    private final long[] columns;

    AliasTable(int[] weights) {
        int n = weights.length;
        long[] threshold = new long[n];
        int[] alias = new int[n];
        long total = Endpoints.sum(weights);
        // Column i holds weights[i] * n parts of a mass of `total` per column.
        long[] mass = new long[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int smalls = 0;
        int larges = 0;
        for (int i = 0; i < n; i++) {
            mass[i] = (long) weights[i] * n;
            alias[i] = i;
            if (mass[i] < total) {
                small[smalls++] = i;
            } else {
                large[larges++] = i;
            }
        }
        while (smalls > 0 && larges > 0) {
            int s = small[--smalls];
            int l = large[--larges];
            threshold[s] = (long) Math.floor((double) mass[s] / total * ALWAYS);
            alias[s] = l;
            mass[l] -= total - mass[s];
            if (mass[l] < total) {
                small[smalls++] = l;
            } else {
                large[larges++] = l;
            }
        }
        // The arithmetic is exact: the remaining masses always add up to one column's mass per
        // remaining column, so what is left holds exactly one column each and returns itself.
        while (larges > 0) {
            threshold[large[--larges]] = ALWAYS;
        }
        while (smalls > 0) {
            threshold[small[--smalls]] = ALWAYS;
        }
        columns = new long[n];
        for (int i = 0; i < n; i++) {
            columns[i] = threshold[i] << 32 | alias[i];
        }
    }

    /** Draws an index with probability {@code weights[i] / total}, from 63 random bits of {@code random}. */
    int draw(long random) {
        int column = Endpoints.below(random >>> 32, columns.length);
        long entry = columns[column];
        return (random & 0x7FFF_FFFFL) < entry >>> 32 ? column : (int) entry;
    }

    /** The exact probability this table gives index {@code i}; for tests. */
    double probability(int i) {
        double p = 0;
        for (int column = 0; column < columns.length; column++) {
            double own = (double) (columns[column] >>> 32) / ALWAYS;
            int alias = (int) columns[column];
            if (column == i) {
                p += own;
            }
            if (alias == i && alias != column) {
                p += 1 - own;
            }
        }
        return p / columns.length;
    }

    int size() {
        return columns.length;
    }
}
