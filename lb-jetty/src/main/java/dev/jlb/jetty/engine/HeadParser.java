package dev.jlb.jetty.engine;

import org.eclipse.jetty.http.HttpHeader;

/**
 * A strict HTTP/1.1 head parser, as HAProxy is strict: it parses the start line and every header
 * line, interprets only what framing and routing need, and refuses what request smuggling feeds
 * on. For requests it answers 400 for both {@code Content-Length} and {@code Transfer-Encoding},
 * differing or malformed {@code Content-Length}s, any transfer coding but a single {@code chunked},
 * obs-fold, a bare LF, a CR not followed by LF, invalid header-name characters, a space before the
 * colon, control characters in values, a missing or repeated {@code Host}; 414 for a request line
 * longer than its limit; 431 for a head longer than its limit. Stateless and thread-safe.
 */
final class HeadParser {

    /** The head is not complete yet. */
    static final int INCOMPLETE = -1;
    /** Parsed. */
    static final int OK = 0;
    /** The connection is HTTP/2 with prior knowledge, or another protocol the engine leaves to Jetty. */
    static final int NOT_HTTP1 = 1;

    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private HeadParser() {
    }

    /**
     * Parses a request head from {@code bytes[from, to)}.
     *
     * @return {@link #INCOMPLETE}, {@link #OK}, {@link #NOT_HTTP1}, or the error status (400, 414, 431)
     */
    static int parseRequest(RequestHead head, byte[] bytes, int from, int to, int maxLine, int maxHead) {
        head.reset(bytes, from);
        int limit = Math.min(to, from + maxHead);
        // Request line: method SP target SP version CRLF
        int i = from;
        int lineLimit = Math.min(limit, from + maxLine);
        while (i < lineLimit && TCHAR[bytes[i] & 0xff]) {
            i++;
        }
        if (i == lineLimit) {
            return i == to ? INCOMPLETE : i - from >= maxLine ? 414 : 431;
        }
        if (i == from || bytes[i] != ' ') {
            return 400;
        }
        head.methodEnd = i;
        int ts = ++i;
        while (i < lineLimit && bytes[i] > 0x20 && bytes[i] < 0x7f) {
            i++;
        }
        if (i == lineLimit) {
            return i == to ? INCOMPLETE : i - from >= maxLine ? 414 : 431;
        }
        if (i == ts || bytes[i] != ' ') {
            return 400;
        }
        head.targetStart = ts;
        head.targetEnd = i;
        int vs = ++i;
        if (lineLimit - vs < 10) {
            return lineLimit == to ? INCOMPLETE : lineLimit - from >= maxLine ? 414 : 431;
        }
        if (!startsWith(bytes, vs, "HTTP/") || bytes[vs + 6] != '.' || bytes[vs + 8] != '\r') {
            return 400;
        }
        int major = bytes[vs + 5] - '0';
        int minor = bytes[vs + 7] - '0';
        if (major == 2 && minor == 0) {
            return NOT_HTTP1; // "PRI * HTTP/2.0": h2c with prior knowledge
        }
        if (major != 1 || (minor != 0 && minor != 1)) {
            return major >= 0 && major <= 9 && minor >= 0 && minor <= 9 ? 505 : 400;
        }
        if (bytes[vs + 9] != '\n') {
            return 400;
        }
        head.version = minor == 0 ? 10 : 11;
        head.keepAlive = minor == 1;
        int status = parseHeaders(head, bytes, vs + 10, to, limit, true);
        if (status == OK && head.hostCount != 1 && head.version == 11) {
            return 400;
        }
        if (status == OK && head.hostCount > 1) {
            return 400;
        }
        return status;
    }

    /**
     * Parses a response head from {@code bytes[from, to)}.
     *
     * @return {@link #INCOMPLETE}, {@link #OK}, 431 for a head over {@code maxHead}, or 502 for an invalid head
     */
    static int parseResponse(ResponseHead head, byte[] bytes, int from, int to, int maxHead) {
        head.reset(bytes, from);
        int limit = Math.min(to, from + maxHead);
        if (limit - from < 13) {
            return limit == to ? INCOMPLETE : 431;
        }
        if (!startsWith(bytes, from, "HTTP/1.") || (bytes[from + 7] != '1' && bytes[from + 7] != '0')
                || bytes[from + 8] != ' ') {
            return 502;
        }
        head.version = bytes[from + 7] == '1' ? 11 : 10;
        head.keepAlive = head.version == 11;
        int status = 0;
        for (int k = from + 9; k < from + 12; k++) {
            int d = bytes[k] - '0';
            if (d < 0 || d > 9) {
                return 502;
            }
            status = status * 10 + d;
        }
        if (status < 100 || (bytes[from + 12] != ' ' && bytes[from + 12] != '\r')) {
            return 502;
        }
        head.status = status;
        int i = from + 12;
        while (i < limit && bytes[i] != '\r' && bytes[i] != '\n') {
            int c = bytes[i] & 0xff;
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return 502;
            }
            i++;
        }
        if (i + 1 >= limit) {
            return limit == to ? INCOMPLETE : 431;
        }
        if (bytes[i] != '\r' || bytes[i + 1] != '\n') {
            return 502;
        }
        int r = parseHeaders(head, bytes, i + 2, to, limit, false);
        return r == OK || r == INCOMPLETE || r == 431 ? r : 502;
    }

    private static boolean startsWith(byte[] bytes, int at, String s) {
        for (int k = 0; k < s.length(); k++) {
            if (bytes[at + k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int parseHeaders(Head head, byte[] bytes, int i, int to, int limit, boolean request) {
        head.headersStart = i;
        boolean sawLength = false;
        boolean sawChunked = false;
        while (true) {
            if (i + 1 >= limit) {
                return limit == to ? INCOMPLETE : 431;
            }
            byte b = bytes[i];
            if (b == '\r') {
                if (bytes[i + 1] != '\n') {
                    return 400;
                }
                head.end = i + 2;
                break;
            }
            if (b == ' ' || b == '\t') {
                return 400; // obs-fold (or whitespace before the first header)
            }
            int ns = i;
            while (i < limit && TCHAR[bytes[i] & 0xff]) {
                i++;
            }
            if (i == limit) {
                return limit == to ? INCOMPLETE : 431;
            }
            if (i == ns || bytes[i] != ':') {
                return 400; // an invalid name character, or a space before the colon
            }
            int ne = i++;
            while (i < limit && (bytes[i] == ' ' || bytes[i] == '\t')) {
                i++;
            }
            int vs = i;
            int ve = i;
            while (i < limit) {
                int c = bytes[i] & 0xff;
                if (c == '\r') {
                    break;
                }
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return 400; // a bare LF, or another control character
                }
                i++;
                if (c != ' ' && c != '\t') {
                    ve = i;
                }
            }
            if (i + 1 >= limit) {
                return limit == to ? INCOMPLETE : 431;
            }
            if (bytes[i + 1] != '\n') {
                return 400;
            }
            i += 2;
            HttpHeader h = HttpHeader.CACHE.getBest(bytes, ns, ne - ns);
            if (h != null && h.lowerCaseName().length() != ne - ns) {
                h = null;
            }
            head.addHeader(ns, ne, vs, ve, h);
            if (h == null) {
                continue;
            }
            switch (h) {
                case CONTENT_LENGTH: {
                    long n = parseLength(bytes, vs, ve);
                    if (n < 0 || (sawLength && n != head.contentLength)) {
                        return 400;
                    }
                    sawLength = true;
                    head.contentLength = n;
                    break;
                }
                case TRANSFER_ENCODING:
                    if (sawChunked || !equalsIgnoreCase(bytes, vs, ve, "chunked")) {
                        if (request) {
                            return 400; // only one, final, chunked
                        }
                        head.badTransferEncoding = true;
                    }
                    sawChunked = true;
                    break;
                case CONNECTION:
                    connection(head, head.value(head.count - 1));
                    break;
                case HOST:
                    head.hostCount++;
                    if (request && !validHost(bytes, vs, ve)) {
                        return 400; // as the Jetty path's "Bad Authority"
                    }
                    break;
                case UPGRADE:
                    head.upgrade = true;
                    break;
                case EXPECT:
                    head.expect = true;
                    break;
                default:
                    break;
            }
        }
        if (sawLength && sawChunked) {
            return 400;
        }
        if (head.badTransferEncoding) {
            return 502;
        }
        head.framing = sawChunked ? Head.CHUNKED : sawLength ? Head.LENGTH : Head.NONE;
        return OK;
    }

    /**
     * Whether {@code bytes[from, to)} is a {@code Host} value: {@code uri-host [":" port]} (RFC 9110
     * 7.2), a reg-name (unreserved, percent-encoded and sub-delimiter characters), an IPv4 address or
     * a bracketed IPv6 one, and a port of up to five digits; empty is allowed (RFC 9112 3.2). No
     * userinfo, no spaces.
     */
    static boolean validHost(byte[] bytes, int from, int to) {
        int i = from;
        if (i < to && bytes[i] == '[') {
            int close = i + 1;
            while (close < to && bytes[close] != ']') {
                byte b = bytes[close];
                if (!(hexDigit(b) || b == ':' || b == '.')) {
                    return false;
                }
                close++;
            }
            if (close == to || close == i + 1) {
                return false;
            }
            i = close + 1;
        } else {
            while (i < to && bytes[i] != ':') {
                byte b = bytes[i];
                if (b == '%') {
                    if (i + 2 >= to || !hexDigit(bytes[i + 1]) || !hexDigit(bytes[i + 2])) {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                if (!regNameChar(b)) {
                    return false;
                }
                i++;
            }
        }
        if (i == to) {
            return true;
        }
        if (bytes[i] != ':') {
            return false;
        }
        int digits = to - i - 1;
        if (digits > 5) {
            return false;
        }
        int port = 0;
        for (int j = i + 1; j < to; j++) {
            if (bytes[j] < '0' || bytes[j] > '9') {
                return false;
            }
            port = port * 10 + bytes[j] - '0';
        }
        return port <= 65535;
    }

    private static boolean hexDigit(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static boolean regNameChar(byte b) {
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) {
            return true;
        }
        switch (b) {
            case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=':
                return true;
            default:
                return false;
        }
    }

    private static void connection(Head head, String value) {
        int start = 0;
        int length = value.length();
        while (start <= length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            String token = value.substring(start, end).trim();
            if (token.equalsIgnoreCase("close")) {
                head.close = true;
            } else if (token.equalsIgnoreCase("keep-alive")) {
                head.keepAlive = true;
            }
            start = end + 1;
        }
        head.connectionTokens = dev.jlb.jetty.ProxyHeaders.connectionTokens(value, head.connectionTokens);
    }

    /** Digits only, at most 18 of them; -1 otherwise. */
    private static long parseLength(byte[] bytes, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int d = bytes[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    private static boolean equalsIgnoreCase(byte[] bytes, int from, int to, String lower) {
        if (to - from != lower.length()) {
            return false;
        }
        for (int k = 0; k < lower.length(); k++) {
            if ((bytes[from + k] | 0x20) != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
