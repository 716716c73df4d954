package dev.jlb.standalone;

import dev.jlb.testing.ManualScheduler;
import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The header-read timeout of the standalone's client connections, on a real Jetty server over
 * loopback: with a manual clock for what happens at the deadline, and once for real through the
 * configuration ({@code server.header_timeout}).
 */
class HeaderTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ManualScheduler time = new ManualScheduler();
    private final HeaderTimeouts timeouts = new HeaderTimeouts(TIMEOUT, time, time);
    private final AtomicInteger handled = new AtomicInteger();
    private Server server;
    private ServerConnector connector;
    private Standalone balancer;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (balancer != null) {
            balancer.close();
        }
    }

    private void startServer() throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("header-timeout-test");
        server = new Server(pool);
        connector = new ServerConnector(server, 1, 1, new HeaderTimeoutConnectionFactory(new HttpConfiguration(), timeouts));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                handled.incrementAndGet();
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 3);
                response.write(true, ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.start();
    }

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Everything until the server closes (or 10 s without a byte: then a SocketTimeoutException). */
    private static String readToEnd(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            answer.write(buffer, 0, n);
        }
        return answer.toString(StandardCharsets.US_ASCII);
    }

    /** One response of a keep-alive connection: its header block and a 3-byte body. */
    private static String readResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return sb + "<closed>";
            }
            sb.append((char) c);
        }
        return sb + new String(in.readNBytes(3), StandardCharsets.US_ASCII);
    }

    /** Whether the server's one connection has parsed part of a request (its clock then knows it). */
    private boolean parsing() {
        return connector.getConnectedEndPoints().stream().map(EndPoint::getConnection)
                .anyMatch(c -> c instanceof HttpConnection h && !h.getParser().isStart());
    }

    /** Waits (at most 10 s) for the server side to reach a state. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void partOfARequestAndThenNothingGets408AndTheConnectionCloses() throws Exception {
        startServer();
        try (Socket socket = connect(connector.getLocalPort())) {
            await(() -> timeouts.size() == 1, "the connection's clock started at the accept");
            send(socket, "GET /x HTTP/1.1\r\nHost: localhost\r\nX-Slow: a");
            await(this::parsing, "the server is parsing the request");
            time.advance(TIMEOUT.minusMillis(1));
            assertThat(timeouts.size()).as("still waiting one millisecond before the deadline").isEqualTo(1);

            time.advance(Duration.ofMillis(200));

            String answer = readToEnd(socket);
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("\r\nConnection: close\r\n")
                    .endsWith("\r\n\r\nrequest timeout\n");
        }
        assertThat(handled).hasValue(0);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAnAnswer() throws Exception {
        startServer();
        try (Socket socket = connect(connector.getLocalPort())) {
            await(() -> timeouts.size() == 1, "the connection's clock started at the accept");

            time.advance(TIMEOUT);

            assertThat(readToEnd(socket)).as("closed without a byte (a pre-connection or a probe)").isEmpty();
        }
    }

    @Test
    void headersThatEndAfterTheDeadlineAreNeverHandled() throws Exception {
        startServer();
        try (Socket socket = connect(connector.getLocalPort())) {
            send(socket, "GET /x HTTP/1.1\r\nHost: localhost\r\n");
            await(this::parsing, "the server is parsing the request");
            time.advance(TIMEOUT);
            assertThat(timeouts.size()).isZero();

            // The last byte of the headers arrives just after the deadline fired.
            try {
                send(socket, "\r\n");
            } catch (IOException closedAlready) {
                // the server may have shut its side first
            }

            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 408 Request Timeout\r\n")
                    .doesNotContain("ok\n").doesNotContain("HTTP/1.1 200");
        }
        assertThat(handled).hasValue(0);
    }

    @Test
    void keepAliveIdlenessDoesNotCountOnlyTheNextRequestsOwnTime() throws Exception {
        startServer();
        try (Socket socket = connect(connector.getLocalPort())) {
            time.advance(Duration.ofSeconds(9));
            send(socket, "GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(readResponse(socket)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok\n");
            await(() -> timeouts.size() == 0, "no clock between requests");

            time.advance(TIMEOUT.multipliedBy(6));
            send(socket, "GET /2 HTTP/1.1\r\nHost: localhost\r\n");
            await(() -> timeouts.size() == 1 && parsing(), "the second request's clock started at its first byte");
            time.advance(TIMEOUT.minusSeconds(1));
            send(socket, "\r\n");

            assertThat(readResponse(socket)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok\n");
            await(() -> timeouts.size() == 0, "the clock stopped at the end of the headers");
        }
        assertThat(handled).hasValue(2);
    }

    @Test
    void aSlowHeaderClientIsCutOffByTheConfiguredTimeout() throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            balancer = Standalone.start(ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, header_timeout: 200ms}\n"
                    + "servers: [\"" + backend.uri() + "\"]\n", "t.yaml", ConfigFormat.YAML), line -> { });
            try (Socket socket = connect(balancer.port())) {
                // One header byte every 50 ms keeps the idle timeout (30 s) from ever firing.
                byte[] request = "GET /lb HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                        .repeat(20).getBytes(StandardCharsets.US_ASCII);
                CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                    try {
                        for (byte b : request) {
                            socket.getOutputStream().write(b);
                            socket.getOutputStream().flush();
                            Thread.sleep(50);
                        }
                    } catch (IOException | InterruptedException e) {
                        // closed by the server: what the test expects
                    }
                });
                String answer;
                try {
                    answer = readToEnd(socket);
                } catch (SocketTimeoutException e) {
                    answer = "no answer and not closed within 10 s";
                }
                assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n");
                trickle.cancel(true);
            }
            assertThat(backend.arrivals).hasValue(0);
        }
    }
}
