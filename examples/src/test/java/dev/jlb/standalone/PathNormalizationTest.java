package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 10, point 10: the standalone routes on the same path the backend receives. Dot segments
 * ({@code .}, {@code ..}) are removed before routing and the path is forwarded without them; their
 * {@code %2e} spellings, and {@code ..;}, are refused (400, by Jetty's URI compliance); a path parameter ({@code ;x}) belongs to its segment, so
 * {@code /api;x/y} is not under {@code /api}. Raw sockets on both sides, so that nothing normalizes
 * the target on the way.
 */
@Timeout(60)
class PathNormalizationTest {

    /** A backend on a raw socket that answers 200 to each request and records its request line. */
    static final class RawBackend implements AutoCloseable {
        final List<String> requestLines = new CopyOnWriteArrayList<>();
        private final ServerSocket server;

        RawBackend() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(this::run, "raw-backend");
            t.setDaemon(true);
            t.start();
        }

        String uri() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        private void run() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    String head = readHead(s.getInputStream());
                    if (head == null) {
                        continue;
                    }
                    requestLines.add(head.substring(0, head.indexOf("\r\n")));
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // closed, or a client that went away
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends one request on a raw socket; returns the status. */
    static int send(int port, String target) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            assertThat(head).as(target).isNotNull();
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    // target, strip_prefix, data_path, status, the path the backend gets ("-": no request)
    @ParameterizedTest(name = "{0} strip={1} {2}: {3} {4}")
    @CsvSource({
            "/api/x,      false, jetty,  200, /api/x",
            "/api/x,      true,  jetty,  200, /x",
            "/api;x/y,    false, jetty,  404, -",
            "/api;x/y,    true,  jetty,  404, -",
            "/api/y;x,    false, jetty,  200, /api/y;x",
            "/api/y;x,    true,  jetty,  200, /y;x",
            "/api/./x,    false, jetty,  200, /api/x",
            "/api/./x,    true,  jetty,  200, /x",
            "/api/%2e/x,  false, jetty,  400, -",
            "/api/%2e/x,  true,  jetty,  400, -",
            "/api/../x,   false, jetty,  404, -",
            "/api/../x,   true,  jetty,  404, -",
            "/api/a/../b, false, jetty,  200, /api/b",
            "/api/a/../b, true,  jetty,  200, /b",
            "/api/..;/x,  false, jetty,  400, -",
            "/api/.%2e/x, false, jetty,  400, -",
            "/api/%2E%2E/x, true, jetty, 400, -",
            "/api;x/y,    false, engine, 404, -",
            "/api;x/y,    true,  engine, 404, -",
            "/api/./x,    false, engine, 200, /api/x",
            "/api/./x,    true,  engine, 200, /x",
            "/api/%2e/x,  true,  engine, 400, -",
            "/api/../x,   true,  engine, 404, -",
            "/api/a/../b, false, engine, 200, /api/b",
            "/api/a/../b, true,  engine, 200, /b",
    })
    void routingAndTheBackendSeeTheSamePath(String target, boolean strip, String dataPath, int status,
            String forwarded) throws Exception {
        try (RawBackend backend = new RawBackend();
                Standalone balancer = Standalone.start(ConfigLoader.parse("""
                        server: {address: 127.0.0.1, port: 0}
                        routes:
                          - path: /api
                            strip_prefix: %s
                            data_path: %s
                            backends: ["%s"]
                        """.formatted(strip, dataPath, backend.uri()), "t.yaml", ConfigFormat.YAML))) {
            assertThat(send(balancer.port(), target)).as("status of " + target).isEqualTo(status);
            if (forwarded.equals("-")) {
                assertThat(backend.requestLines).as("requests the backend got").isEmpty();
            } else {
                assertThat(backend.requestLines).singleElement().isEqualTo("GET " + forwarded + " HTTP/1.1");
            }
        }
    }
}
