package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The graceful stop behind SIGTERM: stop accepting, let requests in flight finish, bounded. */
class ShutdownTest {

    private TestBackend backend;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1) // HTTP/1.1 keep-alive; h2c is tested in H2cListenerTest
            .connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend("b1");
    }

    @AfterEach
    void stop() throws Exception {
        backend.close();
    }

    private Standalone balancer(String grace) throws Exception {
        return Standalone.start(ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, shutdown_grace_period: "
                + grace + "}\nservers: [\"" + backend.uri() + "\"]\n", "t.yaml", ConfigFormat.YAML), line -> { });
    }

    private CompletableFuture<HttpResponse<String>> get(int port, String path) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitBackendRequests(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (backend.arrivals.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(backend.arrivals.get()).isEqualTo(n);
    }

    @Test
    void requestsInFlightFinishAndNewConnectionsAreRefused() throws Exception {
        Standalone balancer = balancer("10s");
        int port = balancer.port();
        CompletableFuture<HttpResponse<String>> slow = get(port, "/lb?delay=700");
        awaitBackendRequests(1);

        long start = System.nanoTime();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> balancer.shutdown(Duration.ofSeconds(10)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean refused = false;
        while (!refused && System.nanoTime() < deadline) {
            refused = !accepts(port);
        }
        assertThat(refused).as("the port stops accepting while the request is in flight").isTrue();
        assertThat(slow).isNotDone();

        HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b1");
        stopping.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("stopped once drained, not at the end"
                + " of the grace period").isLessThan(5_000);
    }

    @Test
    void theGracePeriodBoundsTheWait() throws Exception {
        Standalone balancer = balancer("300ms");
        CompletableFuture<HttpResponse<String>> slow = get(balancer.port(), "/lb?delay=10000");
        awaitBackendRequests(1);

        long start = System.nanoTime();
        balancer.shutdown(Duration.ofMillis(300));

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(millis).isBetween(250L, 5_000L);
        // The request cut at the end of the grace period ends at once (a 502 or a broken connection),
        // rather than hanging.
        Throwable failure = catchThrowable(() -> {
            HttpResponse<String> r = slow.get(5, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        });
        assertThat(failure == null || failure.getCause() instanceof IOException).as(String.valueOf(failure)).isTrue();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
