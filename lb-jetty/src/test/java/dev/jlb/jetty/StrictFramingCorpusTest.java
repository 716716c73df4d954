package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyFixture.Mode;
import dev.jlb.testing.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request-smuggling corpus: malformed or ambiguous heads that both data paths must refuse the
 * same way (400, or 414/431 past the limits), without reaching a backend, and the valid neighbours
 * they must both accept. Raw bytes over a socket on loopback, each exchange bounded by a timeout.
 */
class StrictFramingCorpusTest {

    private static TestBackend backend;
    private static final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("a");
        for (Mode mode : new Mode[] {Mode.HANDLER, Mode.ENGINE}) {
            LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build();
            open.add(lb);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        backend.close();
    }

    static Stream<Arguments> corpus() {
        String longLine = "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        String bigHead = "GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n";
        return Stream.of(
                Arguments.of("valid GET", "GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n", 200),
                Arguments.of("valid POST with a length", "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 200),
                Arguments.of("valid chunked POST",
                        "POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200),
                Arguments.of("Content-Length and Transfer-Encoding",
                        "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("differing Content-Lengths",
                        "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
                Arguments.of("a malformed Content-Length", "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc", 400),
                Arguments.of("a negative Content-Length", "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\nabc", 400),
                Arguments.of("a transfer coding other than chunked",
                        "POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                Arguments.of("chunked not last",
                        "POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
                Arguments.of("chunked on HTTP/1.0",
                        "POST /api/x HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400),
                Arguments.of("valid HTTP/1.0 POST with a length",
                        "POST /api/x HTTP/1.0\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 200),
                Arguments.of("obs-fold", "GET /api/x HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
                Arguments.of("a bare LF in a header", "GET /api/x HTTP/1.1\r\nHost: x\nX-A: a\r\n\r\n", 400),
                Arguments.of("an invalid header-name character", "GET /api/x HTTP/1.1\r\nHost: x\r\nX(A): a\r\n\r\n", 400),
                Arguments.of("a space before the colon", "GET /api/x HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n", 400),
                Arguments.of("no Host", "GET /api/x HTTP/1.1\r\n\r\n", 400),
                Arguments.of("two Hosts", "GET /api/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
                Arguments.of("a request line over the limit", longLine, 414),
                Arguments.of("a head over the limit", bigHead, 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void bothDataPathsAnswerTheSame(String name, String request, int expected) throws Exception {
        int before = backend.arrivals.get();
        int handler = statusOf(Mode.HANDLER, request);
        int engine = statusOf(Mode.ENGINE, request);
        assertThat(engine).as("engine for " + name).isEqualTo(expected);
        assertThat(handler).as("jetty path for " + name).isEqualTo(expected);
        if (expected >= 400) {
            assertThat(backend.arrivals.get()).as("refused before any backend").isEqualTo(before);
        }
    }

    private static int statusOf(Mode mode, String request) throws Exception {
        LoadBalancer lb = (LoadBalancer) open.get(mode == Mode.HANDLER ? 0 : 1);
        try (ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults());
                Socket socket = new Socket("127.0.0.1", proxy.connector.getLocalPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] b = new byte[1024];
            while (got.size() < 12) {
                int n = in.read(b);
                if (n < 0) {
                    break;
                }
                got.write(b, 0, n);
            }
            String head = got.toString(StandardCharsets.ISO_8859_1);
            assertThat(head).as(mode + " answered " + head).startsWith("HTTP/1.1 ");
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
