package dev.jlb.standalone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;

/**
 * HTTP/1.1 connections with a header-read timeout ({@code server.header_timeout}), which Jetty 12
 * does not have: its idle timeout restarts with every byte, so a client that sends a header byte
 * every few seconds (slowloris) holds a connection forever. nginx's {@code client_header_timeout}
 * and HAProxy's {@code timeout http-request} are the models.
 *
 * <p>The clock of a request starts at its first byte, and for a connection's first request at the
 * accept; it stops when the headers are complete. Time between requests on a keep-alive connection
 * does not count (the idle timeout governs it). When the clock runs out:
 * <ul>
 *   <li>if part of a request had arrived, jlb answers {@code 408} with {@code Connection: close},
 *       shuts its output and closes the connection one second later at the latest; the request is
 *       never handled, even if its last header byte arrives meanwhile;</li>
 *   <li>if nothing had arrived (a browser's speculative pre-connection, a port probe), the connection
 *       is closed without an answer, as HAProxy's {@code http-ignore-probes} does, since a
 *       {@code 408} there would be read as the answer to a request the client sends later.</li>
 * </ul>
 *
 * <p>Built on Jetty's {@code HttpConnection} (in its {@code internal} package: the parser's callbacks
 * are the only place that knows where a request's headers begin and end); {@code HeaderTimeoutTest}
 * exercises every hook used, so that a Jetty upgrade that moves them fails the build.
 */
final class HeaderTimeoutConnectionFactory extends HttpConnectionFactory {

    /** How long a timed-out connection may stay half-closed, so that the client reads the 408 first. */
    static final Duration LINGER = Duration.ofSeconds(1);

    private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
            + "Content-Type: text/plain;charset=utf-8\r\n"
            + "Content-Length: 16\r\n"
            + "Connection: close\r\n"
            + "\r\n"
            + "request timeout\n").getBytes(StandardCharsets.US_ASCII);

    private final HeaderTimeouts timeouts;

    HeaderTimeoutConnectionFactory(HttpConfiguration configuration, HeaderTimeouts timeouts) {
        super(configuration);
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    }

    HeaderTimeouts timeouts() {
        return timeouts;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        TimedConnection connection = new TimedConnection(getHttpConfiguration(), connector, endPoint, timeouts);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    @Override
    public String toString() {
        return "HeaderTimeoutConnectionFactory{" + timeouts + '}';
    }

    /** A connection whose requests' headers are timed. */
    private static final class TimedConnection extends HttpConnection implements HeaderTimeouts.Watched {
        private final HeaderTimeouts timeouts;
        /** Whether the clock runs; touched by the thread parsing the connection only. */
        private boolean watching;
        /** Whether a byte of the current request has arrived; read by the scheduler's thread. */
        private volatile boolean received;
        /** The clock ran out: the request is refused whatever the parser finds next. */
        private volatile boolean expired;

        TimedConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint,
                HeaderTimeouts timeouts) {
            super(configuration, connector, endPoint);
            this.timeouts = timeouts;
        }

        @Override
        protected RequestHandler newRequestHandler() {
            // Called from the super constructor: the handler reads this connection's fields only later.
            return new TimedRequestHandler();
        }

        @Override
        public void onOpen() {
            // The first request's clock starts at the accept.
            watch(false);
            super.onOpen();
        }

        @Override
        public void onClose(Throwable cause) {
            // Possibly on another thread than the parser's: a removal of nothing is harmless.
            timeouts.unwatch(this);
            super.onClose(cause);
        }

        /** Starts the clock unless it runs; {@code data}: a byte of the request is here. */
        private void watch(boolean data) {
            if (!watching) {
                watching = true;
                received = data;
                timeouts.watch(this);
            } else if (data) {
                received = true;
            }
        }

        /** Stops the clock; false when it had run out. */
        private boolean unwatch() {
            if (!watching) {
                return !expired;
            }
            watching = false;
            if (!timeouts.unwatch(this)) {
                expired = true;
            }
            return !expired;
        }

        @Override
        public void onHeaderTimeout() {
            expired = true;
            EndPoint endPoint = getEndPoint();
            if (!received) {
                endPoint.close();
                return;
            }
            endPoint.write(Callback.from(() -> {
                endPoint.shutdownOutput();
                timeouts.later(endPoint::close, LINGER);
            }, endPoint::close), ByteBuffer.wrap(REQUEST_TIMEOUT));
        }

        /** Starts the clock at a request's first byte and stops it at the end of its headers. */
        private final class TimedRequestHandler extends RequestHandler {
            @Override
            public void messageBegin() {
                // The parser calls this for every parse in its start state, with data or without.
                if (!expired && !isRequestBufferEmpty()) {
                    watch(true);
                }
                super.messageBegin();
            }

            @Override
            public boolean headerComplete() {
                if (!unwatch()) {
                    // The 408 is on its way; the parser ends the request with earlyEOF or badMessage.
                    throw new HttpException.RuntimeException(HttpStatus.REQUEST_TIMEOUT_408, "header timeout");
                }
                return super.headerComplete();
            }

            @Override
            public void badMessage(HttpException failure) {
                if (unwatch()) {
                    super.badMessage(failure);
                }
            }

            @Override
            public void earlyEOF() {
                if (unwatch()) {
                    super.earlyEOF();
                }
            }
        }
    }
}
