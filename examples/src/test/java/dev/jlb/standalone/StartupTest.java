package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A balancer whose port accepts connections serves every route: anything that treats an open port as
 * ready (a TCP health check, an L4 balancer during a rolling restart) must not get a 404.
 */
class StartupTest {

    private static final int ROUTES = 8;
    private static final int REQUESTS = 60;

    private final List<TestBackend> backends = new ArrayList<>();
    private Standalone balancer;

    @AfterEach
    void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        for (TestBackend b : backends) {
            b.close();
        }
    }

    @Test
    void requestsSentAsSoonAsThePortAcceptsAreAllServed() throws Exception {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < ROUTES; i++) {
            TestBackend b = new TestBackend("b" + i);
            backends.add(b);
            yaml.append("  - {path: /r").append(i).append(", backends: [\"").append(b.uri())
                    .append("\"], health_check: {type: none}}\n");
        }
        int port = freePort();
        String config = "server: {address: 127.0.0.1, port: " + port + "}\nroutes:\n" + yaml;

        // Connects in a tight loop until the port accepts, then sends requests to every route at once.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        CompletableFuture<List<String>> answers = CompletableFuture.supplyAsync(() -> {
            List<String> statuses = new ArrayList<>();
            Socket first = null;
            while (first == null && System.nanoTime() < deadline) {
                try {
                    first = new Socket();
                    first.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                } catch (IOException refused) {
                    closeQuietly(first);
                    first = null;
                    Thread.onSpinWait();
                }
            }
            if (first == null) {
                return List.of("the port never accepted");
            }
            statuses.add(request(first, "/r" + (ROUTES - 1) + "/first"));
            for (int i = 1; i < REQUESTS; i++) {
                try {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                    statuses.add(request(s, "/r" + (i % ROUTES) + "/x"));
                } catch (IOException e) {
                    statuses.add("request " + i + ": " + e);
                }
            }
            return statuses;
        });

        balancer = Standalone.start(ConfigLoader.parse(config, "t.yaml", ConfigFormat.YAML), line -> { });

        List<String> statuses = answers.get(30, TimeUnit.SECONDS);
        assertThat(statuses).as("the status line of each request, sent as soon as the port accepted")
                .hasSize(REQUESTS).allMatch(s -> s.equals("HTTP/1.1 200 OK"));
    }

    /** Sends one request with Connection: close and returns the status line (or what went wrong). */
    private static String request(Socket socket, String path) {
        try (socket) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            in.readAllBytes();
            return line.length() == 0 ? path + ": closed without an answer" : line.toString();
        } catch (IOException e) {
            return path + ": " + e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            if (s != null) {
                s.close();
            }
        } catch (IOException e) {
            // nothing to do
        }
    }
}
