package dev.jlb.jetty.engine;

import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The parsed head of one HTTP/1.1 message, kept as offsets into the bytes it was parsed from (the
 * connection's input buffer), so that header lines can be copied verbatim, in their order and
 * spelling. Reused for every message of a connection; not thread-safe.
 *
 * <p>Only the fields that framing and routing need are interpreted: {@code Content-Length},
 * {@code Transfer-Encoding}, {@code Connection}, {@code Host}, {@code Upgrade}, {@code Expect}; the
 * others are checked for syntax and located.
 */
class Head {

    /** No body, a {@code Content-Length} body, a chunked body, or (responses) until the connection closes. */
    static final int NONE = 0;
    static final int LENGTH = 1;
    static final int CHUNKED = 2;
    static final int UNTIL_CLOSE = 3;

    byte[] bytes;
    /** Where the head starts in {@link #bytes} and where it ends (after its blank line). */
    int start;
    int end;
    /** Header count and, per header: name start/end, value start/end (trimmed), the known header or null. */
    int count;
    int[] nameStart = new int[32];
    int[] nameEnd = new int[32];
    int[] valueStart = new int[32];
    int[] valueEnd = new int[32];
    HttpHeader[] known = new HttpHeader[32];
    /** Where the first header line starts (the end of the start line's CRLF). */
    int headersStart;

    int version; // 10 or 11
    int framing;
    long contentLength;
    boolean close;
    boolean keepAlive;
    /** The names listed by {@code Connection} (other than close/keep-alive), as {@code ",a,b,"}, or null. */
    String connectionTokens;
    int hostCount;
    boolean upgrade;
    boolean expect;
    /** A response's transfer coding other than one {@code chunked}. */
    boolean badTransferEncoding;

    void reset(byte[] bytes, int start) {
        this.bytes = bytes;
        this.start = start;
        this.end = start;
        count = 0;
        version = 11;
        framing = NONE;
        contentLength = -1;
        close = false;
        keepAlive = false;
        connectionTokens = null;
        hostCount = 0;
        upgrade = false;
        expect = false;
        badTransferEncoding = false;
    }

    /** Points the head at {@code to}, where its bytes now are, {@code shift} places on from where they were. */
    void moveTo(byte[] to, int shift) {
        bytes = to;
        start += shift;
        end += shift;
        headersStart += shift;
        for (int i = 0; i < count; i++) {
            nameStart[i] += shift;
            nameEnd[i] += shift;
            valueStart[i] += shift;
            valueEnd[i] += shift;
        }
    }

    final String string(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    final String value(int i) {
        return string(valueStart[i], valueEnd[i]);
    }

    /** The first value of a header by name (case-insensitive), or null. */
    final String header(String name) {
        int n = name.length();
        for (int i = 0; i < count; i++) {
            if (nameEnd[i] - nameStart[i] == n && regionMatches(nameStart[i], name)) {
                return value(i);
            }
        }
        return null;
    }

    /** The index of the first header that is {@code h}, or -1. */
    final int indexOf(HttpHeader h) {
        for (int i = 0; i < count; i++) {
            if (known[i] == h) {
                return i;
            }
        }
        return -1;
    }

    private boolean regionMatches(int at, String lowerOrAny) {
        for (int k = 0; k < lowerOrAny.length(); k++) {
            int a = bytes[at + k] | 0x20;
            int b = lowerOrAny.charAt(k) | 0x20;
            if (a != b) {
                return false;
            }
        }
        return true;
    }

    /** Whether the header name at {@code i} is {@code lowerCaseName} when lower-cased. */
    final boolean nameIs(int i, String lowerCaseName) {
        return nameEnd[i] - nameStart[i] == lowerCaseName.length() && regionMatches(nameStart[i], lowerCaseName);
    }

    final String lowerCaseName(int i) {
        HttpHeader h = known[i];
        return h != null ? h.lowerCaseName() : string(nameStart[i], nameEnd[i]).toLowerCase(java.util.Locale.ROOT);
    }

    void addHeader(int ns, int ne, int vs, int ve, HttpHeader h) {
        if (count == nameStart.length) {
            int n = count * 2;
            nameStart = java.util.Arrays.copyOf(nameStart, n);
            nameEnd = java.util.Arrays.copyOf(nameEnd, n);
            valueStart = java.util.Arrays.copyOf(valueStart, n);
            valueEnd = java.util.Arrays.copyOf(valueEnd, n);
            known = java.util.Arrays.copyOf(known, n);
        }
        nameStart[count] = ns;
        nameEnd[count] = ne;
        valueStart[count] = vs;
        valueEnd[count] = ve;
        known[count] = h;
        count++;
    }
}
