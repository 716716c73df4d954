package dev.jlb.strategy;

import java.nio.charset.StandardCharsets;

/**
 * xxHash64 (Yann Collet's XXH64) of the UTF-8 bytes of a character sequence. A fixed function:
 * every jlb instance, JVM and version maps a key to the same value, unlike {@link String#hashCode()}
 * based schemes, and any other XXH64 implementation (such as {@code xxhsum -H1}) gives the same
 * result for the same UTF-8 bytes and seed.
 *
 * <p>ASCII text is hashed in place, without allocation; other text is encoded to UTF-8 first.
 */
final class XxHash64 {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private XxHash64() {
    }

    /** The hash of the whole sequence. */
    static long hash(CharSequence text, long seed) {
        return hash(text, 0, text.length(), seed);
    }

    /** The hash of {@code text[from, to)}. */
    static long hash(CharSequence text, int from, int to, long seed) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) >= 0x80) {
                byte[] utf8 = text.subSequence(from, to).toString().getBytes(StandardCharsets.UTF_8);
                // Each byte becomes one char below 256, so the byte-wise code below applies.
                String bytes = new String(utf8, StandardCharsets.ISO_8859_1);
                return hashBytes(bytes, 0, bytes.length(), seed);
            }
        }
        return hashBytes(text, from, to, seed);
    }

    /** XXH64 of a sequence whose chars are bytes (each below 256). */
    private static long hashBytes(CharSequence b, int from, int to, long seed) {
        int p = from;
        int length = to - from;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            int limit = to - 32;
            do {
                v1 = round(v1, long64(b, p));
                v2 = round(v2, long64(b, p + 8));
                v3 = round(v3, long64(b, p + 16));
                v4 = round(v4, long64(b, p + 24));
                p += 32;
            } while (p <= limit);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        while (p + 8 <= to) {
            h ^= round(0, long64(b, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            p += 8;
        }
        if (p + 4 <= to) {
            h ^= int32(b, p) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        while (p < to) {
            h ^= (b.charAt(p) & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            p++;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long acc, long value) {
        acc ^= round(0, value);
        return acc * P1 + P4;
    }

    /** 8 bytes, little-endian. */
    private static long long64(CharSequence b, int p) {
        return (b.charAt(p) & 0xFFL)
                | (b.charAt(p + 1) & 0xFFL) << 8
                | (b.charAt(p + 2) & 0xFFL) << 16
                | (b.charAt(p + 3) & 0xFFL) << 24
                | (b.charAt(p + 4) & 0xFFL) << 32
                | (b.charAt(p + 5) & 0xFFL) << 40
                | (b.charAt(p + 6) & 0xFFL) << 48
                | (b.charAt(p + 7) & 0xFFL) << 56;
    }

    /** 4 bytes, little-endian, unsigned. */
    private static long int32(CharSequence b, int p) {
        return (b.charAt(p) & 0xFFL)
                | (b.charAt(p + 1) & 0xFFL) << 8
                | (b.charAt(p + 2) & 0xFFL) << 16
                | (b.charAt(p + 3) & 0xFFL) << 24;
    }
}
