package dev.jlb.jetty.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection on the engine: reads request heads, hands each to an {@link Exchange} (one
 * at a time; a pipelined request waits in the buffer), feeds it the request body, and takes the
 * next request once the response ended. A request the engine does not take goes, with the
 * connection and every byte read so far, to its fallback factory (given by an
 * {@link EngineConnectionFactory}), else to the connector's {@code HTTP/1.1} factory. Its end point
 * is decrypted when the connection is TLS, which makes its requests secure.
 *
 * <p>Threading: its read callbacks are non-blocking and run on the server's selector thread; the
 * next request may start on the backend's thread that completed a response. Reads of the request
 * body serialize with the exchange on the exchange's lock.
 */
final class ClientConnection extends AbstractConnection.NonBlocking implements Connection.UpgradeFrom, Exchange.ClientSide,
        Deadlines.Entry {

    private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
            + "Content-Type: text/plain;charset=utf-8\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
            + "request timeout\n").getBytes(StandardCharsets.US_ASCII);

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    /** Cancels this connection's read interest when the end point goes to another connection (see {@link #handOver}). */
    private static final Throwable HANDED_OVER = new java.util.concurrent.CancellationException(
            "jlb: the connection was handed over") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private final HttpEngine engine;
    private final Connector connector;
    /** Where requests the engine does not take go; null: the connector's {@code HTTP/1.1} factory. */
    private final ConnectionFactory fallback;
    /** Whether the connection is TLS, told once by its end point. */
    private final boolean secure;
    private final RetainableByteBuffer.Mutable retained;
    /** Where the exchanges of this connection build their request heads (see {@link HttpEngine#heads}). */
    private final ByteBufferPool heads;
    private final ByteBuffer buf;
    /**
     * The head being parsed, reused for each request: an exchange reads it (moved onto its own
     * pooled copy of the bytes) only until it ended, and the next is parsed only after that.
     */
    private final RequestHead head = new RequestHead();
    private volatile Exchange exchange;
    /** The peer's address, once known (it does not change; a race computes it twice, alike). */
    private String peer;
    private boolean released;
    /** Turns of {@link #work} asked for and not yet taken (0: nobody at work). */
    private final java.util.concurrent.atomic.AtomicInteger wip = new java.util.concurrent.atomic.AtomicInteger();
    /** The selector said the client is readable, and no turn has handled it yet. */
    private volatile boolean fillable;
    /** An upgrade's handshake runs ({@link EngineUpgrade}): nothing is read until it is answered. */
    private volatile boolean upgrading;
    /** The client half-closed during an exchange: answer it, then close. */
    private boolean inputShut;
    /** When the head being read must be complete, or {@code Long.MAX_VALUE} when no timer runs. */
    private volatile long headDeadline = Long.MAX_VALUE;
    /** When the head being read was first seen incomplete ({@code Long.MAX_VALUE}: it came whole, or none is read). */
    private volatile long headStarted = Long.MAX_VALUE;

    ClientConnection(HttpEngine engine, Connector connector, EndPoint endPoint, ConnectionFactory fallback) {
        super(endPoint, connector.getExecutor());
        this.engine = engine;
        this.connector = connector;
        this.fallback = fallback;
        this.secure = endPoint instanceof SslConnection.SslEndPoint;
        this.retained = engine.buffers.acquire(Math.max(16384, engine.maxHeaderSize() + 1024), false);
        this.heads = engine.heads;
        this.buf = retained.getByteBuffer();
        BufferUtil.clear(buf);
    }

    @Override
    public void onOpen() {
        super.onOpen();
        engine.opened(this);
        fillInterested();
    }

    @Override
    public void onClose(Throwable cause) {
        engine.closed(this);
        stopHeadTimer();
        super.onClose(cause);
        Exchange e = exchange;
        if (e != null) {
            e.clientGone(cause != null ? cause : new IOException("client closed the connection"));
        }
        synchronized (this) {
            if (!released) {
                released = true;
                retained.release();
            }
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        return exchange == null && !upgrading; // during an exchange or a handshake their own timeouts apply
    }

    @Override
    public void onFillable() {
        if (upgrading) {
            return; // interest armed before the handshake: what the client sent waits for the splice
        }
        fillable = true;
        work();
    }

    /**
     * Runs the connection's work, one thread at a time: a thread that finds another at work leaves
     * it a turn and returns, and the one at work takes every turn left before it stops. Work comes
     * from the client's selector (readable) and from whichever thread ended an exchange (the next
     * request); without this they would both read the input buffer when an exchange ends as the
     * client's next bytes arrive (on a plain {@code ServerConnector} backend connections run on
     * another selector; on an {@code EngineConnector} a connection taken from another selector's idle
     * list does too).
     */
    private void work() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int turns = 1;
        do {
            try {
                step();
            } catch (Throwable x) {
                // Never leave the turns taken: the connection would not be served again.
                LOG.warn("jlb: the client connection failed", x);
                getEndPoint().close(x);
            }
            turns = wip.addAndGet(-turns);
        } while (turns != 0);
    }

    /** One turn: the current exchange's readable event, or the next request when there is none. */
    private void step() {
        if (upgrading) {
            return;
        }
        Exchange e = exchange;
        if (e == null) {
            fillable = false;
            process();
            return;
        }
        if (!fillable) {
            return; // a turn for an exchange that ended meanwhile: its successor arms its own reads
        }
        fillable = false;
        synchronized (e) {
            if (exchange != e) {
                return; // it ended while this turn waited: the ender's turn reads the next request
            }
            if (e.bodyDone()) {
                watchDuringExchange();
                return;
            }
            int n = fill();
            if (n < 0) {
                e.clientGone(new IOException("client closed the connection"));
            } else if (n == 0) {
                if (!isFillInterested()) {
                    fillInterested();
                }
            } else {
                e.pumpBody();
            }
        }
    }

    /**
     * The client is readable while the response to a request whose body is complete is on its way:
     * the next request (kept in the buffer until this exchange ends), or the client's half-close
     * (answered, then the connection closes). Read interest stays armed while there is room, so that
     * the selector does not drop and re-add the connection for every request (two {@code epoll_ctl}s)
     * and the next request needs no read that finds nothing.
     */
    private void watchDuringExchange() {
        int n = fill();
        if (n < 0) {
            inputShut = true;
        } else if ((BufferUtil.space(buf) > 0 || !buf.hasRemaining()) && !isFillInterested()) {
            fillInterested();
        }
    }

    /** Arms read interest for the time of an exchange whose request has no body. */
    private void watchNext() {
        if (!isFillInterested()) {
            fillInterested();
        }
    }

    /** Parses the next request from the buffer, reading more while the head is incomplete. */
    private void process() {
        while (true) {
            if (buf.hasRemaining()) {
                int at = buf.arrayOffset() + buf.position();
                int r = HeadParser.parseRequest(head, buf.array(), at, buf.arrayOffset() + buf.limit(),
                        engine.maxRequestLine(), engine.maxHeaderSize());
                long started = headStarted;
                if (r != HeadParser.INCOMPLETE) {
                    stopHeadTimer();
                    headStarted = Long.MAX_VALUE;
                }
                if (r == HeadParser.OK) {
                    dispatch(head, at);
                    return;
                }
                if (r == HeadParser.NOT_HTTP1) {
                    fallback();
                    return;
                }
                if (r != HeadParser.INCOMPLETE) {
                    reject(r, head, started);
                    return;
                }
                startHeadTimer();
            }
            if (inputShut) {
                getEndPoint().close();
                return;
            }
            if (isFillInterested()) {
                return; // armed during the exchange: the selector says when the next request comes
            }
            int n = fill();
            if (n < 0) {
                getEndPoint().close();
                return;
            }
            if (n == 0) {
                fillInterested();
                return;
            }
        }
    }

    private int fill() {
        if (!buf.hasRemaining()) {
            BufferUtil.clear(buf);
        } else if (BufferUtil.space(buf) == 0) {
            BufferUtil.compact(buf);
            if (BufferUtil.space(buf) == 0) {
                return 0; // full: the exchange consumes before more is read
            }
        }
        try {
            return getEndPoint().fill(buf);
        } catch (IOException x) {
            return -1;
        }
    }

    private void dispatch(RequestHead head, int at) {
        // TRACE and CONNECT go to the Jetty path, which refuses them (RequestChecks) with its access-log line;
        // so does HTTP/1.0, where a Transfer-Encoding is refused with 400 and the connection closed; and an
        // Upgrade the engine does not take (h2c alone, without Connection: upgrade, with a body).
        String upgrade = EngineUpgrade.requested(head);
        if ((head.upgrade && upgrade == null) || head.expect || head.version == 10 || !plainTarget(head) || refusedMethod(head)) {
            fallback();
            return;
        }
        int pathEnd = head.pathEnd();
        String path = head.string(head.targetStart, pathEnd);
        String query = pathEnd < head.targetEnd ? head.string(pathEnd + 1, head.targetEnd) : null;
        EngineRoute route = engine.enter(path);
        if (route == null) {
            fallback();
            return;
        }
        if (route.explains && head.header(EngineRoute.EXPLAIN_HEADER) != null) {
            // An explained decision is the Jetty path's (the route's handler): rare, for people looking.
            route.exit();
            fallback();
            return;
        }
        int length = head.end - at;
        // Consumed, though still in the buffer: the exchange copies them into a pooled buffer of its own.
        buf.position(buf.position() + length);
        engine.exchangeStarted();
        if (upgrade != null) {
            upgrading = true;
            EngineUpgrade.start(engine, route, this, head, path, query, upgrade);
            return;
        }
        Exchange e;
        try {
            e = new Exchange(engine, route, this, head, path, query, engine.now());
        } catch (Throwable x) {
            route.exit();
            engine.exchangeEnded();
            LOG.warn("jlb: could not start an exchange for {}", path, x);
            sendError(HttpStatus.BAD_GATEWAY_502, "bad gateway: the proxy failed to handle the request", false);
            return;
        }
        exchange = e;
        if (head.framing == Head.NONE) {
            watchNext();
        }
        e.start();
    }

    /**
     * Whether the target is a path the engine routes exactly as Jetty would: origin-form, no
     * percent-encoding, no dot or empty segments, no parameters, no fragment. Others go to Jetty,
     * which decodes, normalizes or rejects them.
     */
    private static boolean refusedMethod(RequestHead head) {
        String m = head.method();
        return m.equalsIgnoreCase("TRACE") || m.equalsIgnoreCase("CONNECT");
    }

    private static boolean plainTarget(RequestHead head) {
        byte[] b = head.bytes;
        if (!head.originForm()) {
            return false;
        }
        int end = head.pathEnd();
        for (int i = head.targetStart; i < end; i++) {
            byte c = b[i];
            if (c == '%' || c == ';' || c == '\\' || c == '#') {
                return false;
            }
            if (c == '/' && i + 1 < end && (b[i + 1] == '/' || b[i + 1] == '.')) {
                return false;
            }
        }
        for (int i = end; i < head.targetEnd; i++) {
            if (b[i] == '#') {
                return false;
            }
        }
        return true;
    }

    private void startHeadTimer() {
        if (headStarted == Long.MAX_VALUE) {
            headStarted = engine.now();
        }
        long timeout = engine.headerTimeoutNanos();
        if (timeout > 0 && headDeadline == Long.MAX_VALUE) {
            headDeadline = engine.now() + timeout;
            engine.deadlines().add(this);
        }
    }

    private void stopHeadTimer() {
        if (headDeadline != Long.MAX_VALUE) {
            headDeadline = Long.MAX_VALUE;
            engine.deadlines().remove(this);
        }
    }

    @Override
    public long deadline() {
        return headDeadline;
    }

    /** The head did not complete in time: 408, and close. */
    @Override
    public void expire() {
        if (headDeadline == Long.MAX_VALUE || exchange != null) {
            return;
        }
        headDeadline = Long.MAX_VALUE;
        long latency = headStarted == Long.MAX_VALUE ? 0 : engine.now() - headStarted;
        headStarted = Long.MAX_VALUE;
        engine.refused("-", "-", peerAddress(), HttpStatus.REQUEST_TIMEOUT_408, "request timeout\n".length(), latency);
        getEndPoint().write(Callback.from(() -> getEndPoint().close(), x -> getEndPoint().close(x)),
                ByteBuffer.wrap(REQUEST_TIMEOUT));
    }

    /** Hands the connection to the Jetty-model path, with what was read. */
    private void fallback() {
        ConnectionFactory http = fallback != null ? fallback
                : connector.getConnectionFactory(HttpVersion.HTTP_1_1.asString());
        if (http == null) {
            reject(HttpStatus.NOT_IMPLEMENTED_501, null, Long.MAX_VALUE);
            return;
        }
        Connection next = http.newConnection(connector, getEndPoint());
        handOver(next);
    }

    /**
     * Gives the end point to {@code next}, with the bytes read and not consumed. Read interest this
     * connection armed during an exchange is cancelled first: the end point holds one read callback,
     * and it would stay this connection's (the next one's own registration would fail, and the next
     * request would wake a closed connection).
     */
    void handOver(Connection next) {
        if (isFillInterested() && getEndPoint() instanceof AbstractEndPoint endPoint) {
            endPoint.getFillInterest().onFail(HANDED_OVER);
        }
        getEndPoint().upgrade(next);
    }

    @Override
    public void onFillInterestedFailed(Throwable cause) {
        if (cause != HANDED_OVER) {
            super.onFillInterestedFailed(cause);
        }
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        if (!buf.hasRemaining()) {
            return null;
        }
        ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
        copy.put(buf.duplicate()).flip();
        BufferUtil.clear(buf);
        return copy;
    }

    private void reject(int status, RequestHead head, long started) {
        String reason = switch (status) {
            case 414 -> "uri too long: the request line is longer than the limit";
            case 431 -> "request header fields too large: the head is longer than the limit";
            case 505 -> "http version not supported";
            case 501 -> "not implemented";
            default -> "bad request: malformed request head";
        };
        // The method and target as far as they were read (the parser sets each once it is complete).
        String method = head != null && head.methodEnd > head.start ? head.method() : "-";
        String target = head != null && head.targetEnd > head.targetStart ? head.string(head.targetStart, head.targetEnd) : "-";
        long latency = started == Long.MAX_VALUE ? 0 : engine.now() - started;
        String client = peerAddress(); // before the answer: the connection closes after it
        BufferUtil.clear(buf);
        engine.refused(method, target, client, status, reason.length() + 1L, latency);
        sendError(status, reason, false);
    }

    // ---- Exchange.ClientSide -------------------------------------------------------------------

    @Override
    public String peerAddress() {
        String p = peer;
        if (p == null) {
            java.net.SocketAddress a = getEndPoint().getRemoteSocketAddress();
            p = a instanceof java.net.InetSocketAddress i ? i.getAddress().getHostAddress() : null;
            peer = p;
        }
        return p;
    }

    @Override
    public void write(Callback callback, ByteBuffer... buffers) {
        getEndPoint().write(callback, buffers);
    }

    @Override
    public void sendError(int status, String reason, boolean keepAlive) {
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        boolean keep = keepAlive && !engine.isShutdown();
        String head = "HTTP/1.1 " + status + ' ' + HttpStatus.getMessage(status) + "\r\n"
                + "Content-Type: text/plain;charset=utf-8\r\nContent-Length: " + body.length + "\r\n"
                + (keep ? "" : "Connection: close\r\n");
        byte[] date = engine.dateLine();
        ByteBuffer h = ByteBuffer.wrap((head).getBytes(StandardCharsets.ISO_8859_1));
        getEndPoint().write(Callback.from(() -> responseDone(keep), x -> getEndPoint().close(x)), h,
                ByteBuffer.wrap(date), ByteBuffer.wrap(new byte[] {'\r', '\n'}), ByteBuffer.wrap(body));
    }

    @Override
    public void responseDone(boolean keepAlive) {
        exchange = null;
        if (!keepAlive || engine.isShutdown()) {
            getEndPoint().close();
            return;
        }
        work();
    }

    @Override
    public void abort(Throwable cause) {
        exchange = null;
        getEndPoint().close(cause);
    }

    @Override
    public void needBody() {
        if (!isFillInterested()) {
            fillInterested();
        }
    }

    @Override
    public ByteBuffer input() {
        return buf;
    }

    @Override
    public ByteBufferPool headBuffers() {
        return heads;
    }

    @Override
    public EndPoint clientEndPoint() {
        return getEndPoint();
    }

    @Override
    public boolean secure() {
        return secure;
    }

    /** The upgrade's handshake was answered: the connection reads again (or was handed to the splice). */
    void upgradeEnded() {
        upgrading = false;
    }

    /** On engine shutdown: closes the connection when it waits for a request with nothing read. */
    void closeIfIdle() {
        if (exchange == null && !upgrading && !buf.hasRemaining()) {
            getEndPoint().close();
        }
    }

    @Override
    public String toConnectionString() {
        return "EngineClientConnection@" + Integer.toHexString(hashCode()) + (exchange == null ? "" : "{" + exchange + '}');
    }
}
