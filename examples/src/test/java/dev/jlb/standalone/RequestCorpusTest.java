package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The request corpus ({@code src/test/resources/corpus/*.txt}, format in its README.md): raw
 * requests (smuggling and framing variants, odd versions and targets, oversized lines) sent over a
 * socket to the standalone balancer, once with every route on {@code data_path: jetty} and once on
 * {@code data_path: engine}. Two routes: {@code /api} with {@code strip_prefix} to backend
 * {@code api}, and {@code /} to backend {@code root}; both backends are raw sockets that record each
 * request line exactly as jlb forwarded it. Each case asserts the statuses in order, whether the
 * connection closes (or stays usable), and which requests the backends saw.
 *
 * <p>{@code -Dcorpus.dir=corpus-pending} runs the cases that wait for a fix instead.
 */
class RequestCorpusTest {

    private static final int READ_TIMEOUT_MILLIS = 3_000;
    private static final Queue<String> seen = new ConcurrentLinkedQueue<>();
    /** What the backend records for the probe request (a GET on a connection that must stay open). */
    private static final String PROBE = "root GET /probe";
    /** Requests the backends are reading (a request line read, not yet recorded); guarded by itself. */
    private static final int[] reading = {0};
    private static RawBackend api;
    private static RawBackend root;
    private static final Map<String, Standalone> balancers = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        api = new RawBackend("api");
        root = new RawBackend("root");
        for (String dataPath : RequestCorpus.DATA_PATHS) {
            balancers.put(dataPath, Standalone.start(ConfigLoader.parse("""
                    server: {address: 127.0.0.1, port: 0}
                    routes:
                      - path: /api
                        strip_prefix: true
                        data_path: %1$s
                        backends: ["http://127.0.0.1:%2$d"]
                        health_check: {type: none}
                      - path: /
                        data_path: %1$s
                        backends: ["http://127.0.0.1:%3$d"]
                        health_check: {type: none}
                    """.formatted(dataPath, api.port(), root.port()), "corpus.yaml", ConfigFormat.YAML)));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Standalone each : balancers.values()) {
            each.close();
        }
        if (api != null) {
            api.close();
        }
        if (root != null) {
            root.close();
        }
    }

    @Test
    void theCorpusIsLargeAndEveryCaseHasNginxsAnswer() {
        List<RequestCorpus.Case> cases = RequestCorpus.load("corpus");
        List<RequestCorpus.Case> pending = RequestCorpus.load("corpus-pending");
        assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
        assertThat(Stream.concat(cases.stream(), pending.stream()).filter(c -> c.value("nginx", "", "").isEmpty()))
                .as("cases without an nginx answer").isEmpty();
        assertThat(pending).as("every pending case says why it waits")
                .allSatisfy(c -> assertThat(c.keys()).containsKey("why"));
        assertThat(cases).as("every case where nginx answers otherwise says why")
                .filteredOn(c -> !c.value("nginx", "", "").startsWith(c.value("status", "", "")))
                .allSatisfy(c -> assertThat(c.keys()).as(c.toString()).containsKey("why"));
    }

    @TestFactory
    Stream<DynamicNode> corpus() {
        List<RequestCorpus.Case> cases = RequestCorpus.load(System.getProperty("corpus.dir", "corpus"));
        return RequestCorpus.DATA_PATHS.stream().map(dataPath -> DynamicContainer.dynamicContainer("data_path " + dataPath,
                cases.stream().map(c -> DynamicTest.dynamicTest(c.file() + ": " + c.name(),
                        () -> assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run(dataPath, c))))));
    }

    private static void run(String dataPath, RequestCorpus.Case c) throws Exception {
        List<String> expectedStatus = Arrays.asList(c.value("status", dataPath, "").split("\\s+"));
        String close = c.value("close", dataPath, "any");
        List<String> expectedSeen = c.values("seen", dataPath).stream().filter(s -> !s.equals("none"))
                .map(s -> new String(RequestCorpus.decode(s, c.file(), c.line()), StandardCharsets.ISO_8859_1)).toList();
        seen.clear();
        List<String> statuses = new ArrayList<>();
        String after;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), balancers.get(dataPath).port())) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(c.request());
            out.flush();
            if (c.value("eof", dataPath, "no").equals("yes")) {
                socket.shutdownOutput();
            }
            InputStream in = socket.getInputStream();
            while (statuses.size() < expectedStatus.size()) {
                String status = readResponse(in);
                statuses.add(status);
                if (!status.matches("\\d{3}")) {
                    break;
                }
            }
            awaitSeen(expectedSeen.size());
            after = switch (close) {
                case "yes" -> closedOrExtra(in);
                case "no" -> probe(out, in);
                default -> "any";
            };
        }
        String what = dataPath + ", " + c + ": ";
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(statuses).as(what + "statuses").isEqualTo(expectedStatus);
            softly.assertThat(after).as(what + "after the responses (close: " + close + ")")
                    .isEqualTo(switch (close) {
                        case "yes" -> "closed";
                        case "no" -> "open";
                        default -> "any";
                    });
            softly.assertThat(List.copyOf(seen)).as(what + "requests the backends saw").isEqualTo(expectedSeen);
        });
    }

    /**
     * Waits (at most 5 s) until the backends have recorded {@code count} requests and are reading
     * none: a backend learns that jlb aborted a request body only when that connection closes,
     * which may come just after jlb's answer to the client.
     */
    private static void awaitSeen(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        synchronized (reading) {
            for (long left = 5_000; (seen.size() < count || reading[0] > 0) && left > 0;
                    left = (deadline - System.nanoTime()) / 1_000_000) {
                reading.wait(left);
            }
        }
    }

    private static void reading(int delta) {
        synchronized (reading) {
            reading[0] += delta;
            reading.notifyAll();
        }
    }

    /** "closed" if the balancer closes the connection without another byte; otherwise what it did. */
    private static String closedOrExtra(InputStream in) throws IOException {
        try {
            int b = in.read();
            return b < 0 ? "closed" : "more bytes after the expected responses: " + (char) b + readSome(in);
        } catch (SocketTimeoutException e) {
            return "still open after " + READ_TIMEOUT_MILLIS + " ms";
        } catch (SocketException e) {
            return "closed"; // a reset: closed as well
        }
    }

    /** "open" if a GET on the same connection is answered 200 (the probe goes to the root backend). */
    private static String probe(OutputStream out, InputStream in) throws IOException {
        try {
            out.write("GET /probe HTTP/1.1\r\nHost: corpus\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String status = readResponse(in);
            if (!status.equals("200")) {
                return "the probe got " + status;
            }
        } catch (IOException e) {
            return "the probe failed: " + e;
        }
        seen.remove(PROBE); // the probe is not part of the case
        return "open";
    }

    private static String readSome(InputStream in) {
        try {
            byte[] b = new byte[200];
            int n = in.read(b);
            return n < 0 ? "" : new String(b, 0, n, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Reads one response (status line, head, body by Content-Length, chunked, or to the close) and
     * returns its status code, {@code "-"} if the connection closed first, {@code "timeout"} if
     * nothing came in time, or {@code "not HTTP: ..."} for anything else.
     */
    static String readResponse(InputStream in) throws IOException {
        String statusLine;
        try {
            statusLine = line(in);
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (SocketException e) {
            return "-";
        }
        if (statusLine == null) {
            return "-";
        }
        if (!statusLine.matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
            return "not HTTP: " + statusLine;
        }
        String code = statusLine.substring(9, 12);
        long length = -1;
        boolean chunked = false;
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(header.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (code.startsWith("1") || code.equals("204") || code.equals("304")) {
            return code;
        }
        if (chunked) {
            for (long size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
                skip(in, size + 2);
            }
            for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                // trailers are read and dropped
            }
        } else if (length >= 0) {
            skip(in, length);
        } else {
            while (in.read() >= 0) {
                // a body delimited by the close
            }
        }
        return code;
    }

    private static long chunkSize(String line) {
        if (line == null) {
            return 0;
        }
        int semicolon = line.indexOf(';');
        return Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
    }

    private static void skip(InputStream in, long n) throws IOException {
        for (long i = 0; i < n; i++) {
            if (in.read() < 0) {
                return;
            }
        }
    }

    /** One line without its CRLF (or LF); null at the end of the stream before any byte. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); ; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
            if (line.size() > 65_536) {
                throw new IOException("a line longer than 64 KiB");
            }
        }
    }

    /**
     * A backend on a raw socket: records each request as {@code "NAME METHOD TARGET"} exactly as it
     * arrived, reads its body (length or chunked), and answers 200 with that record as the body,
     * keeping the connection open unless the request asked to close it. A request whose body ends
     * early (jlb closed the connection mid-body) is recorded with {@code " (aborted)"} and not answered.
     */
    private static final class RawBackend implements AutoCloseable {
        private final String name;
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "corpus-backend");
            t.setDaemon(true);
            return t;
        });

        RawBackend(String name) throws IOException {
            this.name = name;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    threads.execute(() -> serve(socket));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                socket.setSoTimeout(30_000);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                for (String requestLine = line(in); requestLine != null; requestLine = line(in)) {
                    reading(1);
                    try {
                        if (!serveOne(requestLine, in, out)) {
                            return;
                        }
                    } finally {
                        reading(-1);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the connection ends; a malformed forward shows up as a missing or wrong 'seen'
            }
        }

        /** Reads the rest of one request and answers it; false when the connection is to close. */
        private boolean serveOne(String requestLine, InputStream in, OutputStream out) throws IOException {
            long length = 0;
            boolean chunked = false;
            boolean close = false;
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(header.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:")) {
                    chunked = lower.contains("chunked");
                } else if (lower.startsWith("connection:")) {
                    close = lower.contains("close");
                }
            }
            boolean complete = chunked ? readChunked(in) : in.readNBytes((int) length).length == length;
            String[] parts = requestLine.split(" ", 3);
            String record = name + " " + parts[0] + " " + (parts.length > 1 ? parts[1] : "");
            if (!complete) {
                seen.add(record + " (aborted)");
                return false;
            }
            seen.add(record);
            byte[] body = record.getBytes(StandardCharsets.ISO_8859_1);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + (close ? "\r\nConnection: close" : "") + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return !close;
        }

        /** Reads a chunked body; false if the connection ended (or the framing broke) before its end. */
        private static boolean readChunked(InputStream in) throws IOException {
            try {
                for (String size = line(in); ; size = line(in)) {
                    if (size == null) {
                        return false;
                    }
                    long n = chunkSize(size);
                    if (n == 0) {
                        break;
                    }
                    byte[] data = in.readNBytes((int) n + 2);
                    if (data.length < n + 2 || data[(int) n] != '\r' || data[(int) n + 1] != '\n') {
                        return false;
                    }
                }
                for (String trailer = line(in); ; trailer = line(in)) {
                    if (trailer == null) {
                        return false;
                    }
                    if (trailer.isEmpty()) {
                        return true;
                    }
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
