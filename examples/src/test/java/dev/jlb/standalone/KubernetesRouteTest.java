package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.testing.TestBackend;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code k8s://} route of the standalone, from a config file, against a Jetty handler playing the
 * API server (a list of two EndpointSlices, then a watch that adds a third).
 */
@Timeout(60)
class KubernetesRouteTest {
    private final List<TestBackend> backends = new ArrayList<>();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private Server api;
    private Standalone balancer;

    @AfterEach
    void stop() throws Exception {
        events.add("END");
        if (balancer != null) {
            balancer.close();
        }
        if (api != null) {
            api.stop();
        }
        for (TestBackend b : backends) {
            b.close();
        }
    }

    private static String slice(String name, TestBackend b) {
        return "{\"metadata\":{\"name\":\"" + name + "\",\"resourceVersion\":\"5\"},\"ports\":[{\"name\":\"http\",\"port\":"
                + b.connector.getLocalPort() + "}],\"endpoints\":[{\"addresses\":[\"127.0.0.1\"],\"conditions\":{\"ready\":true}}]}";
    }

    private String startApi(String list) throws Exception {
        api = new Server();
        ServerConnector c = new ServerConnector(api);
        c.setHost("127.0.0.1");
        c.setPort(0);
        api.addConnector(c);
        api.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                response.getHeaders().put("Content-Type", "application/json");
                String q = String.valueOf(request.getHttpURI().getQuery());
                if (!q.contains("watch=true")) {
                    Content.Sink.write(response, true, list, callback);
                    return true;
                }
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    String line;
                    while ((line = events.poll(30, TimeUnit.SECONDS)) != null && !line.equals("END")) {
                        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
                callback.succeeded();
                return true;
            }
        });
        api.start();
        return "http://127.0.0.1:" + c.getLocalPort();
    }

    private String get() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port()
                + "/shop/x")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    void aKubernetesServiceFromTheConfigFileIsBalancedAndFollowsItsSlices() throws Exception {
        for (int i = 1; i <= 3; i++) {
            backends.add(new TestBackend("b" + i));
        }
        String url = startApi("{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[" + slice("shop-a", backends.get(0))
                + "," + slice("shop-b", backends.get(1)) + "]}");
        balancer = Standalone.start(ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s}\n"
                + "kubernetes:\n  api_server: " + url + "\n"
                + "routes:\n  - path: /shop\n    strategy: round-robin\n    backends:\n      - k8s://shop.default:http\n",
                "config.yaml", ConfigFormat.YAML), l -> { });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (balancer.loadBalancers().stream().allMatch(lb -> lb.pool().backends().isEmpty())) {
            assertThat(System.nanoTime()).as("the first list of the slices").isLessThan(deadline);
            Thread.sleep(10);
        }
        while (backends.get(0).arrivals.get() == 0 || backends.get(1).arrivals.get() == 0) {
            assertThat(System.nanoTime()).as("both listed endpoints answer").isLessThan(deadline);
            get();
        }
        events.add("{\"type\":\"ADDED\",\"object\":" + slice("shop-c", backends.get(2)) + "}");
        while (balancer.loadBalancers().get(0).pool().backends().size() < 3) {
            assertThat(System.nanoTime()).as("the slice added by the watch").isLessThan(deadline);
            Thread.sleep(10);
        }
        while (backends.get(2).arrivals.get() == 0) {
            assertThat(System.nanoTime()).as("the endpoint added by the watch answers").isLessThan(deadline);
            get();
        }
    }
}
