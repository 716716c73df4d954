package dev.jlb.jetty.engine;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyHeaders;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.StickyTokens;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * The byte side of one request: the backend request head made from the client's (header lines
 * copied verbatim, in order and spelling, apart from the hop-by-hop ones; {@code X-Forwarded-*}
 * written (the client's believed only from a trusted proxy), {@code Via} and the request id
 * appended; the path stripped of the route's prefix when asked), the body's framing and the bytes
 * kept for a replay, and the client response head made from the backend's. The header rules are
 * {@link ProxyHeaders}', as on the Jetty-model path. Not thread-safe (its exchange serializes access).
 *
 * <p>Buffers: the request head, and the backend request line and headers made from it, are kept in
 * one buffer from the engine's {@link ByteBufferPool} for the exchange's time (the head's offsets
 * point into it; {@link #releaseHead()} gives it back once the exchange ended). Each attempt's
 * request head ({@link #requestHead}) and the client response head ({@link #responseHead}) are
 * pooled buffers of their own, which the caller releases once their write completed or failed.
 */
abstract class RequestWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HTTP11 = " HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.ISO_8859_1);

    final HttpEngine engine;
    final EngineRoute route;
    final RequestHead head;
    private final String method;
    private final String path;
    private final String query;
    private final String peer;
    /** Whether the client connection is TLS: {@code X-Forwarded-Proto: https}, {@code Secure} sticky cookies. */
    private final boolean secure;
    /** The client behind the trusted proxies; the peer when none is configured. */
    private String clientAddress;
    /** The head's bytes, then the backend request line ({@code [lineFrom, lineTo)}) and headers ({@code [restFrom, restTo)}). */
    private Out own;
    private int lineFrom;
    private int lineTo;
    private int restFrom;
    private int restTo;
    /**
     * Whether the head's buffer went back to the pool: a strategy may still read this request's
     * context on another thread after the exchange ended (a selection waiting in an overload queue
     * when the client went away, which is then closed unused); it sees no headers then.
     */
    private volatile boolean headReleased;
    private StickyTokens.Entry stickyHeld;

    private long bodyLeft;
    private ChunkScanner chunks;
    private boolean bodyComplete;
    private byte[] replay;
    private int replayLength;
    private boolean overflow;

    /**
     * Copies {@code head}'s bytes (in a buffer the client connection reuses) into a pooled buffer
     * of this writer's, moves the head's offsets onto it, and makes the backend request.
     */
    RequestWriter(HttpEngine engine, EngineRoute route, RequestHead head, String path, String query,
            String peer, boolean secure, ByteBufferPool heads) {
        this.engine = engine;
        this.route = route;
        this.head = head;
        this.method = head.method();
        this.path = path;
        this.query = query;
        this.peer = peer;
        this.secure = secure;
        this.clientAddress = peer;
        switch (head.framing) {
            case Head.LENGTH:
                bodyLeft = head.contentLength;
                bodyComplete = bodyLeft == 0;
                break;
            case Head.CHUNKED:
                chunks = new ChunkScanner();
                chunks.reset();
                break;
            default:
                bodyComplete = true;
                break;
        }
        Out out = new Out(heads, 2 * (head.end - head.start) + 512, head);
        try {
            out.putHead(head.start, head.end);
            head.moveTo(out.bytes, out.base - head.start);
            build(out);
        } catch (Throwable x) {
            out.release();
            throw x;
        }
        own = out;
    }

    /** Once the exchange ended: gives the head's buffer back to the pool (the head is not read after). */
    final void releaseHead() {
        Out o = own;
        if (o != null) {
            own = null;
            headReleased = true;
            o.release();
        }
    }

    // ---- RequestContext ---------------------------------------------------------------------

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String query() {
        return query;
    }

    public String header(String name) {
        return headReleased ? null : head.header(name);
    }

    public String clientAddress() {
        return clientAddress;
    }

    public String affinityKey() {
        return null;
    }

    boolean isHead() {
        return "HEAD".equals(method);
    }

    boolean clientKeepAlive() {
        return head.version == 11 && !head.close;
    }

    /** The backend named by the client's sticky cookie, or null; remembered for the response's cookie. */
    Backend stickyBackend(StickyTokens sticky) {
        for (int i = 0; i < head.count; i++) {
            if (head.known[i] == HttpHeader.COOKIE) {
                StickyTokens.Entry e = sticky.find(head.value(i));
                if (e != null) {
                    stickyHeld = e;
                    return e.backend;
                }
            }
        }
        return null;
    }

    // ---- The backend request ----------------------------------------------------------------

    private void build(Out out) {
        ProxyOptions options = route.options;
        lineFrom = out.size;
        out.putHead(head.start, head.methodEnd + 1);
        if (options.stripPrefix() && route.prefix.length() > 1) {
            out.put(ProxyHeaders.targetPath(path, path, route.prefix, options.stripPrefix(), query));
        } else {
            out.putHead(head.targetStart, head.targetEnd);
        }
        out.put(HTTP11, 0, HTTP11.length);
        lineTo = out.size;
        restFrom = out.size;
        String forwardedFor = null;
        String forwardedProto = null;
        String forwardedHost = null;
        String via = null;
        String incomingId = null;
        String host = null;
        StickyTokens sticky = route.sticky;
        String tokens = head.connectionTokens;
        for (int i = 0; i < head.count; i++) {
            HttpHeader h = head.known[i];
            if (h == HttpHeader.TRANSFER_ENCODING || h == HttpHeader.CONTENT_LENGTH) {
                copy(out, i); // the framing, passed through with the bytes it frames
                continue;
            }
            switch (ProxyHeaders.requestAction(h)) {
                case ProxyHeaders.DROP:
                    break;
                case ProxyHeaders.HOST:
                    host = host == null ? head.value(i) : host;
                    if (options.preserveHost()) {
                        copy(out, i);
                    }
                    break;
                case ProxyHeaders.X_FORWARDED_FOR:
                    forwardedFor = join(forwardedFor, head.value(i));
                    break;
                case ProxyHeaders.X_FORWARDED_PROTO:
                    forwardedProto = join(forwardedProto, head.value(i));
                    break;
                case ProxyHeaders.X_FORWARDED_HOST:
                    forwardedHost = join(forwardedHost, head.value(i));
                    break;
                case ProxyHeaders.VIA:
                    via = join(via, head.value(i));
                    break;
                case ProxyHeaders.COOKIE:
                    if (sticky == null || sticky.options().forwardToBackends()) {
                        copy(out, i);
                    } else {
                        String value = head.value(i);
                        String without = sticky.withoutCookie(value);
                        if (without == value) {
                            copy(out, i);
                        } else if (without != null) {
                            out.putHead(head.nameStart[i], head.nameEnd[i]);
                            out.put(": ").put(without).put(CRLF, 0, 2);
                        }
                    }
                    break;
                default:
                    if (head.nameIs(i, options.requestIdHeader().toLowerCase(java.util.Locale.ROOT))) {
                        incomingId = incomingId == null ? head.value(i) : incomingId;
                    } else if (tokens == null || !ProxyHeaders.isListed(tokens, head.lowerCaseName(i))) {
                        copy(out, i);
                    }
                    break;
            }
        }
        if (!options.trustedProxies().isEmpty()) {
            clientAddress = ProxyHeaders.clientAddress(options, peer, forwardedFor);
        }
        if (options.xForwardedHeaders()) {
            boolean trusted = ProxyHeaders.trustsPeer(options, peer);
            header(out, "X-Forwarded-For", ProxyHeaders.forwardedFor(trusted, forwardedFor, peer));
            header(out, "X-Forwarded-Proto", ProxyHeaders.forwarded(trusted, forwardedProto, secure ? "https" : "http"));
            header(out, "X-Forwarded-Host", ProxyHeaders.forwarded(trusted, forwardedHost, host));
        } else {
            header(out, "X-Forwarded-For", forwardedFor);
            header(out, "X-Forwarded-Proto", forwardedProto);
            header(out, "X-Forwarded-Host", forwardedHost);
        }
        header(out, "Via", ProxyHeaders.append(via, head.version == 10 ? route.via10 : route.via11));
        String id = ProxyHeaders.isValidRequestId(incomingId) ? incomingId
                : options.generateRequestId() ? ProxyHeaders.newRequestId() : null;
        header(out, options.requestIdHeader(), id);
        out.put(CRLF, 0, 2);
        restTo = out.size;
    }

    private static String join(String a, String b) {
        return a == null ? b : a + ", " + b;
    }

    private void copy(Out out, int i) {
        out.putHead(head.nameStart[i], head.valueEnd[i]).put(CRLF, 0, 2);
    }

    private static void header(Out out, String name, String value) {
        if (value != null) {
            out.put(name).put(": ").put(value).put(CRLF, 0, 2);
        }
    }

    /**
     * The request head for an attempt on {@code backend} (with its {@code Host} line unless the
     * client's is kept), in a pooled buffer the caller releases once its write completed or failed.
     */
    RetainableByteBuffer requestHead(Backend backend, ByteBufferPool heads) {
        Out o = own;
        if (o == null) {
            throw new IllegalStateException("the exchange ended: no request to send");
        }
        boolean hostLine = !route.options.preserveHost();
        String host = backend.host();
        int port = backend.port();
        int n = (lineTo - lineFrom) + (restTo - restFrom) + (hostLine ? host.length() + 16 : 0);
        Out out = new Out(heads, n, null);
        out.put(o.bytes, o.base + lineFrom, o.base + lineTo);
        if (hostLine) {
            out.put("Host: ").put(host);
            if (port != 80) {
                out.put(":").putInt(port);
            }
            out.put(CRLF, 0, 2);
        }
        out.put(o.bytes, o.base + restFrom, o.base + restTo);
        return out.finish();
    }

    /** The body kept so far for a replay, or null. */
    ByteBuffer replayBuffer() {
        return replayLength > 0 ? ByteBuffer.wrap(replay, 0, replayLength) : null;
    }

    // ---- The request body -------------------------------------------------------------------

    boolean bodyDone() {
        return bodyComplete;
    }

    /** Whether the body sent so far can be sent again. */
    boolean replayable() {
        return !overflow;
    }

    /** How many of {@code in}'s remaining bytes are body (counted as taken), or -1 for an invalid chunked body. */
    int bodyBytes(ByteBuffer in) {
        if (bodyComplete) {
            return 0;
        }
        if (chunks == null) {
            int n = (int) Math.min(bodyLeft, in.remaining());
            bodyLeft -= n;
            bodyComplete = bodyLeft == 0;
            return n;
        }
        int n = chunks.scan(in.array(), in.arrayOffset() + in.position(), in.arrayOffset() + in.limit());
        if (n == ChunkScanner.ERROR) {
            return -1;
        }
        bodyComplete = chunks.done();
        return n;
    }

    /** Keeps a body part for a replay while the route's buffer limit allows. */
    void keep(ByteBuffer part) {
        if (overflow) {
            return;
        }
        int n = part.remaining();
        // A declared length over the limit can never be replayed whole: once a byte of it goes out it
        // is not re-sent (as the README says), however little of it arrived before a failure.
        boolean tooLong = head.framing == Head.LENGTH && head.contentLength > route.bufferLimit;
        if (tooLong || replayLength + n > route.bufferLimit) {
            overflow = true;
            replay = null;
            replayLength = 0;
            return;
        }
        if (replay == null || replay.length < replayLength + n) {
            replay = Arrays.copyOf(replay == null ? new byte[0] : replay,
                    Math.min(route.bufferLimit, Math.max(replayLength + n, 2 * replayLength + 1024)));
        }
        part.duplicate().get(replay, replayLength, n);
        replayLength += n;
    }

    // ---- The client response ----------------------------------------------------------------

    /**
     * The client's response head for a backend response head, in a pooled buffer the caller
     * releases once its write completed or failed.
     */
    RetainableByteBuffer responseHead(ResponseHead h, Backend answered, boolean close, ByteBufferPool heads) {
        Out out = new Out(heads, h.end - h.start + 256, null);
        try {
            responseHead(out, h, answered, close);
        } catch (Throwable x) {
            out.release();
            throw x;
        }
        return out.finish();
    }

    private void responseHead(Out out, ResponseHead h, Backend answered, boolean close) {
        out.put("HTTP/1.1");
        int lineEnd = h.headersStart - 2;
        out.put(h.bytes, h.start + 8, lineEnd).put(CRLF, 0, 2);
        String tokens = h.connectionTokens;
        for (int i = 0; i < h.count; i++) {
            HttpHeader known = h.known[i];
            if (known == HttpHeader.TRANSFER_ENCODING) {
                if (h.framing == Head.CHUNKED) {
                    out.put(h.bytes, h.nameStart[i], h.valueEnd[i]).put(CRLF, 0, 2);
                }
                continue;
            }
            if (ProxyHeaders.isHopByHopResponse(known) || known == HttpHeader.DATE || known == HttpHeader.SERVER) {
                continue;
            }
            if (tokens != null && ProxyHeaders.isListed(tokens, h.lowerCaseName(i))) {
                continue;
            }
            out.put(h.bytes, h.nameStart[i], h.valueEnd[i]).put(CRLF, 0, 2);
        }
        byte[] date = engine.dateLine();
        out.put(date, 0, date.length);
        StickyTokens sticky = route.sticky;
        if (sticky != null) {
            String cookie = sticky.setCookie(answered, stickyHeld, secure, route.prefix);
            if (cookie != null) {
                out.put("Set-Cookie: ").put(cookie).put(CRLF, 0, 2);
            }
        }
        if (close) {
            out.put(CLOSE, 0, CLOSE.length);
        }
        out.put(CRLF, 0, 2);
    }

    /**
     * A growable byte array in a buffer from a {@link ByteBufferPool}: it grows into a larger one,
     * the smaller given back. Its bytes are {@code bytes[base, base + size)}. When it holds a head's
     * bytes ({@code follow}), growing moves the head's offsets along. Not thread-safe.
     */
    static final class Out {
        private final ByteBufferPool pool;
        private final Head follow;
        private RetainableByteBuffer.Mutable buffer;
        byte[] bytes;
        int base;
        private int capacity;
        int size;

        Out(ByteBufferPool pool, int capacity, Head follow) {
            this.pool = pool;
            this.follow = follow;
            use(pool.acquire(capacity, false));
        }

        private void use(RetainableByteBuffer.Mutable b) {
            ByteBuffer bb = b.getByteBuffer();
            buffer = b;
            bytes = bb.array();
            base = bb.arrayOffset();
            capacity = bb.capacity();
        }

        Out put(byte[] b, int from, int to) {
            int n = to - from;
            ensure(n);
            System.arraycopy(b, from, bytes, base + size, n);
            size += n;
            return this;
        }

        /** Appends the followed head's bytes {@code [from, to)} (offsets read before a growth moved them). */
        Out putHead(int from, int to) {
            int n = to - from;
            int before = base;
            byte[] was = follow.bytes;
            ensure(n);
            int shift = was == bytes ? base - before : 0;
            System.arraycopy(follow.bytes, from + shift, bytes, base + size, n);
            size += n;
            return this;
        }

        Out put(String s) {
            int n = s.length();
            ensure(n);
            for (int i = 0; i < n; i++) {
                bytes[base + size++] = (byte) s.charAt(i);
            }
            return this;
        }

        /** Appends a non-negative number's decimal digits. */
        Out putInt(int v) {
            int digits = 1;
            for (int x = v; x >= 10; x /= 10) {
                digits++;
            }
            ensure(digits);
            for (int i = digits - 1, x = v; i >= 0; i--, x /= 10) {
                bytes[base + size + i] = (byte) ('0' + x % 10);
            }
            size += digits;
            return this;
        }

        private void ensure(int n) {
            if (size + n <= capacity) {
                return;
            }
            RetainableByteBuffer.Mutable old = buffer;
            byte[] oldBytes = bytes;
            int oldBase = base;
            use(pool.acquire(Math.max(capacity * 2, size + n), false));
            System.arraycopy(oldBytes, oldBase, bytes, base, size);
            if (follow != null && follow.bytes == oldBytes) {
                follow.moveTo(bytes, base - oldBase);
            }
            old.release();
        }

        /** {@return the buffer, its bytes {@code [0, size)} ready to write; the caller releases it} */
        RetainableByteBuffer finish() {
            ByteBuffer bb = buffer.getByteBuffer();
            bb.clear();
            bb.limit(size);
            return buffer;
        }

        void release() {
            buffer.release();
        }
    }
}
