package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every buffer the engine takes from its pools goes back exactly once: the connections' input
 * buffers, and (given the same tracking pool for them) the request heads the exchanges keep, each
 * attempt's request head and each client response head, through plain and pipelined requests, retries (a reset and a 503), a backend that
 * fails in the middle of a response, an invalid chunked response, and clients that close in the
 * middle of a request or while the backend is silent. Jetty's tracking pool lists a buffer still
 * retained, and one released once too often (it puts it back on that list), as a leak.
 */
class EngineBufferReleaseTest {

    private final List<RawBackend> backends = new ArrayList<>();
    private final List<LoadBalancer> balancers = new ArrayList<>();
    private final ArrayByteBufferPool.Tracking buffers = new ArrayByteBufferPool.Tracking();
    private Server server;
    private HttpEngine engine;
    private EngineConnector connector;

    @AfterEach
    void close() throws Exception {
        if (server != null) {
            server.stop();
        }
        for (LoadBalancer lb : balancers) {
            lb.close();
        }
        for (RawBackend b : backends) {
            b.close();
        }
    }

    @Test
    void everyPooledBufferIsReleasedOnceWhateverTheRequestMet() throws Exception {
        RawBackend ok = backend(RawBackend.answering(ok("fine")));
        RawBackend resets = backend(c -> {
            if (c.readRequest() != null) {
                c.reset(); // the request went out, no answer: retried on the next backend
            }
        });
        RawBackend unavailable = backend(RawBackend.answering(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"));
        RawBackend breaks = backend(c -> {
            if (c.readRequest() != null) {
                c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
                c.reset(); // committed: the client gets a broken response
            }
        });
        RawBackend badChunks = backend(RawBackend.answering(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        RawBackend silent = backend(c -> {
            if (c.readRequest() != null) {
                c.hang();
            }
        });
        start(route("/ok", ok), route("/retry", resets, ok), route("/status", unavailable, ok),
                route("/broken", breaks), route("/badchunk", badChunks), route("/silent", silent));

        try (Socket s = client()) {
            for (int i = 0; i < 3; i++) {
                send(s, "GET /ok/" + i + " HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
                assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200").endsWith("fine");
            }
            send(s, "GET /ok/a HTTP/1.1\r\nHost: t\r\n\r\nGET /ok/b HTTP/1.1\r\nHost: t\r\n\r\n"); // pipelined
            assertThat(readResponse(s.getInputStream())).endsWith("fine");
            assertThat(readResponse(s.getInputStream())).endsWith("fine");
            send(s, "POST /ok/body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
            assertThat(readResponse(s.getInputStream())).endsWith("fine");
            for (int i = 0; i < 4; i++) {
                send(s, "GET /retry/" + i + " HTTP/1.1\r\nHost: t\r\n\r\n");
                assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200").endsWith("fine");
                send(s, "GET /status/" + i + " HTTP/1.1\r\nHost: t\r\n\r\n");
                assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200").endsWith("fine");
            }
        }
        assertThat(resets.requests.get()).as("requests the resetting backend saw").isPositive();
        assertThat(unavailable.requests.get()).as("requests the busy backend saw").isPositive();
        try (Socket s = client()) {
            send(s, "GET /broken HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(readToEnd(s.getInputStream())).startsWith("HTTP/1.1 200").doesNotContain("0123456789x");
        }
        try (Socket s = client()) {
            send(s, "GET /badchunk HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(readToEnd(s.getInputStream())).doesNotContain("zz");
        }
        try (Socket s = client()) {
            send(s, "POST /silent HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nonly ten b");
            awaitRequests(silent, 1);
        } // the client closes in the middle of its request body
        try (Socket s = client()) {
            send(s, "GET /silent HTTP/1.1\r\nHost: t\r\n\r\n");
            awaitRequests(silent, 2);
        } // the client closes while the backend says nothing: taken for a half-close, the answer is awaited
        silent.close(); // the backend goes away too: a 502 to a closed client
        awaitInFlight(0);

        server.stop();
        awaitNoLeaks();
        assertThat(buffers.getLeaks()).as(buffers.dumpLeaks()).isEmpty();
    }

    // ---- Fixture -----------------------------------------------------------------------------

    private RawBackend backend(RawBackend.Script script) throws IOException {
        RawBackend b = new RawBackend(script);
        backends.add(b);
        return b;
    }

    private EngineRoute route(String prefix, RawBackend... to) {
        String[] uris = new String[to.length];
        for (int i = 0; i < to.length; i++) {
            uris[i] = "http://127.0.0.1:" + to[i].port();
        }
        LoadBalancer lb = LoadBalancer.builder().backends(uris).build();
        balancers.add(lb);
        return new EngineRoute(lb, ProxyOptions.builder().prefix(prefix).build());
    }

    private void start(EngineRoute... routes) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        server = new Server(pool);
        engine = new HttpEngine(pool, server.getScheduler(), buffers).headBuffers(buffers);
        engine.setRoutes(List.of(routes));
        connector = new EngineConnector(server, 1, engine);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    private Socket client() throws IOException {
        Socket s = new Socket("127.0.0.1", connector.getLocalPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String raw) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads one response with a {@code Content-Length} body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed in a response head: " + head);
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length:");
        int length = Integer.parseInt(text.substring(at + 17, text.indexOf('\r', at + 2)).trim());
        return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (java.net.SocketException reset) {
            // a broken response may end with a reset
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static void awaitRequests(RawBackend b, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.requests.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(b.requests.get()).isGreaterThanOrEqualTo(n);
    }

    private void awaitInFlight(long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.inFlight() != n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(engine.inFlight()).as("requests in flight").isEqualTo(n);
    }

    /** Releases on closing run as the connections close, on their threads: bounded wait for them. */
    private void awaitNoLeaks() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!buffers.getLeaks().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** A backend on a raw loopback socket playing a script on each connection (a thread each). */
    static final class RawBackend implements AutoCloseable {

        interface Script {
            void play(Conn c) throws Exception;
        }

        final AtomicInteger requests = new AtomicInteger();
        private final ServerSocket server = new ServerSocket();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        RawBackend(Script script) throws IOException {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        Thread c = new Thread(() -> {
                            try (s) {
                                script.play(new Conn(s));
                            } catch (Exception ignored) {
                                // the peer went away, or the backend closed
                            }
                        });
                        c.setDaemon(true);
                        c.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        static Script answering(String response) {
            return c -> {
                while (c.readRequest() != null) {
                    c.write(response);
                }
            };
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }

        final class Conn {
            private final Socket socket;
            private final InputStream in;

            Conn(Socket socket) throws IOException {
                this.socket = socket;
                this.in = socket.getInputStream();
            }

            /** One request head and its {@code Content-Length} body (what it has of it), or null at the end. */
            String readRequest() throws IOException {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int matched = 0;
                while (matched < 4) {
                    int b = in.read();
                    if (b < 0) {
                        return null;
                    }
                    head.write(b);
                    matched = (b == '\r' && (matched == 0 || matched == 2))
                            || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : (b == '\r' ? 1 : 0);
                }
                requests.incrementAndGet();
                String text = head.toString(StandardCharsets.ISO_8859_1);
                int at = text.toLowerCase(java.util.Locale.ROOT).indexOf("\r\ncontent-length:");
                if (at >= 0) {
                    int length = Integer.parseInt(text.substring(at + 17, text.indexOf('\r', at + 2)).trim());
                    in.readNBytes(Math.min(length, 5)); // the only complete body these tests send is 5 bytes
                }
                return text;
            }

            void write(String raw) throws IOException {
                socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            }

            void reset() throws IOException {
                socket.setSoLinger(true, 0);
                socket.close();
            }

            void hang() throws IOException {
                while (in.read() >= 0) {
                    // discard until the peer closes
                }
            }
        }
    }
}
