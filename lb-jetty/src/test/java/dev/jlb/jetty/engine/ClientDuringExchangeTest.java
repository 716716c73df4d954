package dev.jlb.jetty.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.testing.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client does while the engine waits for a backend's answer to a request without a body:
 * the next request it pipelines then is answered after the first, in order; a half-close (the client
 * shuts its output) gets the answer, and then the connection closes; a pipelined request the
 * engine hands to the Jetty path (read interest armed meanwhile) is answered there.
 */
class ClientDuringExchangeTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private TestBackend backend;
    private LoadBalancer lb;
    private Server server;
    private EngineConnector connector;

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend("b1");
        backend.behaviour = (b, recorded, request, response, callback) -> {
            if (recorded.pathQuery().startsWith("/held")) {
                // Answered once the test has written what the client does meanwhile.
                b.server.getThreadPool().execute(() -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                        TestBackend.OK.respond(b, recorded, request, response, callback);
                    } catch (Exception e) {
                        callback.failed(e);
                    }
                });
                return;
            }
            TestBackend.OK.respond(b, recorded, request, response, callback);
        };
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        server = new Server(pool);
        HttpEngine engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
        lb = LoadBalancer.builder().backends(backend.uri()).build();
        engine.setRoutes(List.of(new EngineRoute(lb, ProxyOptions.defaults())));
        // The HTTP/1.1 factory and the handler behind the engine take what the engine hands over.
        connector = new EngineConnector(server, 1, engine, new HttpConnectionFactory());
        server.setHandler(new LoadBalancingHandler(lb, ProxyOptions.defaults()));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        server.stop();
        lb.close();
        backend.close();
    }

    private void awaitArrivals(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backend.arrivals.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(backend.arrivals.get()).isGreaterThanOrEqualTo(n);
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void aRequestPipelinedWhileTheFirstWaitsIsAnsweredAfterIt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", connector.getLocalPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /held HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            awaitArrivals(1);
            out.write("GET /second HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            release.countDown();
            String answers = readAll(s.getInputStream());
            assertThat(count(answers, "HTTP/1.1 200")).as(answers).isEqualTo(2);
            assertThat(backend.requests).extracting(TestBackend.Recorded::pathQuery).containsExactly("/held", "/second");
        }
    }

    @Test
    void aPipelinedRequestTheEngineHandsToTheJettyPathIsAnsweredThere() throws Exception {
        try (Socket s = new Socket("127.0.0.1", connector.getLocalPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /held HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            awaitArrivals(1);
            // %-encoded: the engine leaves it to the Jetty path, with the connection.
            out.write("GET /second%2Dpath HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            release.countDown();
            InputStream in = s.getInputStream();
            String first = readResponses(in, 2);
            assertThat(count(first, "HTTP/1.1 200")).as(first).isEqualTo(2);
            // The connection is the Jetty path's now: it reads the next request itself.
            out.write("GET /third HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String third = readAll(in);
            assertThat(count(third, "HTTP/1.1 200")).as(third).isEqualTo(1);
            assertThat(backend.requests).extracting(TestBackend.Recorded::pathQuery)
                    .containsExactly("/held", "/second%2Dpath", "/third");
        }
    }

    /** Reads until {@code n} responses of the test backend (each a head, then the body {@code b1}) have come. */
    private static String readResponses(InputStream in, int n) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        while (count(out.toString(StandardCharsets.ISO_8859_1), "\r\n\r\nb1") < n) {
            int r = in.read(chunk);
            if (r < 0) {
                break;
            }
            out.write(chunk, 0, r);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aClientThatHalfClosesWhileItsRequestWaitsGetsTheAnswerThenTheConnectionCloses() throws Exception {
        try (Socket s = new Socket("127.0.0.1", connector.getLocalPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /held HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            awaitArrivals(1);
            s.shutdownOutput();
            release.countDown();
            // readAll returns at the end of the stream: the engine closed after answering.
            String answer = readAll(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200").endsWith("b1");
            assertThat(count(answer, "HTTP/1.1 ")).isEqualTo(1);
        }
    }
}
