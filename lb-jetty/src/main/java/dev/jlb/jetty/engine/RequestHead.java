package dev.jlb.jetty.engine;

/** A parsed request head: the method and target besides the headers. Not thread-safe. */
final class RequestHead extends Head {

    int methodEnd;
    int targetStart;
    int targetEnd;

    @Override
    void reset(byte[] bytes, int start) {
        super.reset(bytes, start);
        methodEnd = targetStart = targetEnd = start;
    }

    @Override
    void moveTo(byte[] to, int shift) {
        super.moveTo(to, shift);
        methodEnd += shift;
        targetStart += shift;
        targetEnd += shift;
    }

    String method() {
        int n = methodEnd - start;
        if (n == 3 && bytes[start] == 'G' && bytes[start + 1] == 'E' && bytes[start + 2] == 'T') {
            return "GET";
        }
        if (n == 4 && bytes[start] == 'P' && bytes[start + 1] == 'O') {
            return "POST".equals(string(start, methodEnd)) ? "POST" : string(start, methodEnd);
        }
        if (n == 4 && bytes[start] == 'H' && bytes[start + 1] == 'E') {
            return "HEAD".equals(string(start, methodEnd)) ? "HEAD" : string(start, methodEnd);
        }
        return string(start, methodEnd);
    }

    /** Whether the target is origin-form ({@code /path?query}). */
    boolean originForm() {
        return bytes[targetStart] == '/';
    }

    /** The end of the path in the target (the '?' or the target's end). */
    int pathEnd() {
        for (int i = targetStart; i < targetEnd; i++) {
            if (bytes[i] == '?') {
                return i;
            }
        }
        return targetEnd;
    }
}
