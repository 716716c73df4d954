package dev.jlb.jetty.engine;

/**
 * Finds where a chunked body ends in bytes that pass through unchanged (RFC 9112 section 7.1):
 * chunk sizes, extensions, data, the last chunk and trailer lines. Strict: a bare LF, a size that
 * is not hex or overflows, data not followed by CRLF, the extensions of one chunk over
 * {@value #MAX_EXTENSION} bytes or trailers over {@value #MAX_TRAILERS} bytes in all is an error
 * (RFC 9112 7.1.1: a server ought to limit chunk extensions as it limits other parts of a message).
 * Not thread-safe.
 */
final class ChunkScanner {

    static final int ERROR = -1;
    /** The longest extension text of one chunk, in bytes (Jetty's own path refuses far less than nginx's). */
    static final int MAX_EXTENSION = 4096;
    /** The longest trailer section, in bytes: the engine's header limit. */
    static final int MAX_TRAILERS = 8192;

    private static final int SIZE = 0;
    private static final int EXTENSION = 1;
    private static final int SIZE_LF = 2;
    private static final int DATA = 3;
    private static final int DATA_CR = 4;
    private static final int DATA_LF = 5;
    private static final int TRAILER = 6;
    private static final int TRAILER_LINE = 7;
    private static final int TRAILER_LF = 8;
    private static final int END_LF = 9;
    private static final int DONE = 10;

    private int state;
    private long size;
    private int digits;
    /** Bytes of the current chunk's extensions, and of the trailers so far. */
    private int extension;
    private int trailers;

    void reset() {
        state = SIZE;
        size = 0;
        digits = 0;
        extension = 0;
        trailers = 0;
    }

    boolean done() {
        return state == DONE;
    }

    /**
     * Scans {@code bytes[from, to)}.
     *
     * @return how many bytes belong to the body (all of them unless it ended), or {@link #ERROR}
     */
    int scan(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && state != DONE) {
            byte b = bytes[i];
            switch (state) {
                case SIZE: {
                    int d = hex(b);
                    if (d >= 0) {
                        if (++digits > 15) {
                            return ERROR;
                        }
                        size = size * 16 + d;
                    } else if (digits == 0) {
                        return ERROR;
                    } else if (b == ';' || b == ' ' || b == '\t') {
                        state = EXTENSION;
                        extension = 1;
                    } else if (b == '\r') {
                        state = SIZE_LF;
                    } else {
                        return ERROR;
                    }
                    i++;
                    break;
                }
                case EXTENSION:
                    if (b == '\r') {
                        state = SIZE_LF;
                    } else if (b == '\n' || (b >= 0 && b < 0x20 && b != '\t') || ++extension > MAX_EXTENSION) {
                        return ERROR;
                    }
                    i++;
                    break;
                case SIZE_LF:
                    if (b != '\n') {
                        return ERROR;
                    }
                    i++;
                    state = size == 0 ? TRAILER : DATA;
                    break;
                case DATA: {
                    long n = Math.min(size, to - i);
                    i += (int) n;
                    size -= n;
                    if (size == 0) {
                        state = DATA_CR;
                    }
                    break;
                }
                case DATA_CR:
                    if (b != '\r') {
                        return ERROR;
                    }
                    i++;
                    state = DATA_LF;
                    break;
                case DATA_LF:
                    if (b != '\n') {
                        return ERROR;
                    }
                    i++;
                    state = SIZE;
                    digits = 0;
                    break;
                case TRAILER:
                    if (++trailers > MAX_TRAILERS) {
                        return ERROR;
                    }
                    if (b == '\r') {
                        state = END_LF;
                    } else if (b == '\n' || b == ' ' || b == '\t') {
                        return ERROR;
                    } else {
                        state = TRAILER_LINE;
                    }
                    i++;
                    break;
                case TRAILER_LINE:
                    if (++trailers > MAX_TRAILERS) {
                        return ERROR;
                    }
                    if (b == '\r') {
                        state = TRAILER_LF;
                    } else if (b == '\n') {
                        return ERROR;
                    }
                    i++;
                    break;
                case TRAILER_LF:
                case END_LF:
                    if (b != '\n') {
                        return ERROR;
                    }
                    i++;
                    state = state == END_LF ? DONE : TRAILER;
                    break;
                default:
                    return ERROR;
            }
        }
        return i - from;
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
