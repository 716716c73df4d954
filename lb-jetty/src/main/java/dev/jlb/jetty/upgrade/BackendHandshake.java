package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * The backend connection of an upgrade while its handshake runs: writes the rewritten request,
 * reads the response head (and, for anything but a {@code 101}, a small length-delimited body), and
 * reports it once to its listener. On a {@code 101} it reads nothing more:
 * the bytes after the head stay in {@link #leftover()} for the tunnel, which takes the endpoint over.
 *
 * <p>Not thread-safe beyond Jetty's guarantee of one {@code onFillable} at a time.
 */
abstract class BackendHandshake extends AbstractConnection implements Connection.UpgradeFrom,
        TunnelConnector.Handshake {

    /** The longest response head read: the same order as a request head jlb accepts. */
    static final int MAX_HEAD = 16 * 1024;
    /** The longest body relayed from a refused handshake. */
    static final int MAX_BODY = 64 * 1024;

    private final Backend backend;
    private final ByteBuffer request;
    private final TunnelConnector.HandshakeListener listener;
    private final long timeoutMillis;
    private final AtomicBoolean reported = new AtomicBoolean();
    /** What was read, in flush mode (position: the first unparsed byte of the body; 0 before the head is parsed). */
    private ByteBuffer in = ByteBuffer.allocate(4096).limit(0);
    private TunnelConnector.Response head;
    private int bodyLength = -1;
    private ByteBuffer leftover;

    BackendHandshake(EndPoint endPoint, java.util.concurrent.Executor executor, Backend backend, ByteBuffer request,
            long timeoutMillis, TunnelConnector.HandshakeListener listener) {
        super(endPoint, executor);
        this.backend = backend;
        this.request = request;
        this.timeoutMillis = timeoutMillis;
        this.listener = listener;
    }

    Backend backend() {
        return backend;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().setIdleTimeout(timeoutMillis);
        getEndPoint().write(Callback.from(this::fillInterested, this::fail), request);
    }

    @Override
    public void onFillable() {
        try {
            while (true) {
                if (in.limit() == in.capacity()) { // full: grow, up to a head and a small body
                    if (in.capacity() >= MAX_HEAD + MAX_BODY) {
                        fail(new IOException("response from " + backend.id() + " too large"));
                        return;
                    }
                    ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                    bigger.put(in.array(), 0, in.limit()).flip();
                    bigger.position(in.position());
                    in = bigger;
                }
                int filled = getEndPoint().fill(in); // appends after the limit (Jetty's flush-mode convention)
                if (filled < 0) {
                    if (head != null && bodyLength < 0) { // a body delimited by the end of the connection
                        reportRefused();
                    } else {
                        fail(new IOException("backend " + backend.id() + " closed the connection"));
                    }
                    return;
                }
                if (filled == 0) {
                    fillInterested();
                    return;
                }
                if (parse()) {
                    return;
                }
            }
        } catch (Throwable x) {
            fail(x);
        }
    }

    /** Returns true when the response was reported (or failed). */
    private boolean parse() throws IOException {
        if (head == null) {
            int end = indexOfEndOfHead(in);
            if (end < 0) {
                if (in.limit() > MAX_HEAD) {
                    throw new IOException("response head from " + backend.id() + " longer than " + MAX_HEAD + " bytes");
                }
                return false;
            }
            head = parseHead(new String(in.array(), 0, end, StandardCharsets.ISO_8859_1));
            in.position(end + 4);
            in.compact().flip();
            if (head.status() == 101) {
                leftover = in.hasRemaining() ? ByteBuffer.wrap(BufferUtil.toArray(in)) : null;
                report(head);
                return true;
            }
            String length = head.headers().get("Content-Length");
            String chunked = head.headers().get("Transfer-Encoding");
            if (chunked != null) {
                bodyLength = 0; // not relayed: the refusal's status and headers are enough
            } else if (length != null) {
                long n = Long.parseLong(length.trim());
                bodyLength = n > MAX_BODY ? 0 : (int) n;
            } else if (head.status() == 204 || head.status() == 304 || head.status() < 200) {
                bodyLength = 0;
            }
        }
        if (bodyLength >= 0 && in.remaining() >= bodyLength) {
            reportRefused();
            return true;
        }
        return false;
    }

    private void reportRefused() {
        int n = bodyLength < 0 ? Math.min(in.remaining(), MAX_BODY) : bodyLength;
        byte[] body = new byte[n];
        in.get(body);
        report(head.withBody(body));
        close();
    }

    private static int indexOfEndOfHead(ByteBuffer buffer) {
        byte[] a = buffer.array();
        for (int i = 0, n = buffer.limit() - 3; i < n; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    static TunnelConnector.Response parseHead(String text) throws IOException {
        String[] lines = text.split("\r\n");
        String statusLine = lines[0];
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.1 response: " + abbreviate(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + abbreviate(statusLine));
        }
        String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        HttpFields.Mutable headers = HttpFields.build();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new IOException("bad header line: " + abbreviate(line));
            }
            headers.add(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return new TunnelConnector.Response(status, reason, headers.asImmutable(), null);
    }

    private static String abbreviate(String s) {
        return s.isEmpty() ? "(empty)" : s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private void report(TunnelConnector.Response response) {
        if (reported.compareAndSet(false, true)) {
            listener.onResponse(response, this);
        }
    }

    private void fail(Throwable x) {
        close();
        if (reported.compareAndSet(false, true)) {
            listener.onFailure(x, true);
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        if (!reported.get()) {
            fail(timeout);
        }
        return true;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        if (cause != null && !reported.get()) {
            fail(cause);
        }
    }

    /** The bytes the backend sent after its {@code 101}, or null. */
    ByteBuffer leftover() {
        ByteBuffer bytes = leftover;
        leftover = null;
        return bytes;
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        return null; // the tunnel takes the leftover itself (see leftover())
    }
}
