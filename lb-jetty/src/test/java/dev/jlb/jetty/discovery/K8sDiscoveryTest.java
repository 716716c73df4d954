package dev.jlb.jetty.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.discovery.DiscoveredBackend;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** K8sDiscovery against a Jetty handler playing the API server: list, a chunked watch, a 410, a relist. */
class K8sDiscoveryTest {
    private static final String END = "END";
    /** One queue of lines per watch request, in the order the watches arrived: each test line goes to one watch. */
    private final List<BlockingQueue<String>> watches = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile String listBody;
    private Server server;

    static String slice(String name, String rv, String endpoints) {
        return "{\"metadata\":{\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"},"
                + "\"ports\":[{\"name\":\"http\",\"port\":8080},{\"name\":\"admin\",\"port\":9000}],"
                + "\"endpoints\":[" + endpoints + "]}";
    }

    static String ep(String address, boolean ready, boolean serving, boolean terminating) {
        return "{\"addresses\":[\"" + address + "\"],\"conditions\":{\"ready\":" + ready + ",\"serving\":" + serving
                + ",\"terminating\":" + terminating + "}}";
    }

    static String event(String type, String object) {
        return "{\"type\":\"" + type + "\",\"object\":" + object + "}";
    }

    private String start() throws Exception {
        server = new Server();
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String q = request.getHttpURI().getQuery();
                requests.add(request.getHttpURI().getPath() + "?" + q + " " + request.getHeaders().get("Authorization"));
                response.getHeaders().put("Content-Type", "application/json");
                if (q == null || !q.contains("watch=true")) {
                    Content.Sink.write(response, true, listBody, callback);
                    return true;
                }
                BlockingQueue<String> events = new LinkedBlockingQueue<>();
                watches.add(events);
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    String line;
                    while ((line = events.poll(30, TimeUnit.SECONDS)) != null && !line.equals(END)) {
                        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
                callback.succeeded();
                return true;
            }
        });
        server.start();
        return "http://127.0.0.1:" + c.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        watches.forEach(w -> w.add(END));
        if (server != null) {
            server.stop();
        }
    }

    private final List<List<DiscoveredBackend>> snapshots = new CopyOnWriteArrayList<>();

    private String last() {
        List<DiscoveredBackend> s = snapshots.isEmpty() ? List.of() : snapshots.get(snapshots.size() - 1);
        return s.stream().map(d -> d.backend().id() + "*" + d.backend().weight()).sorted().collect(Collectors.joining(" "));
    }

    /** The queue of the {@code index}-th watch request (0-based), waiting up to 10 s for it to arrive. */
    private BlockingQueue<String> watch(int index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (watches.size() <= index && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(watches).as("watch requests").hasSizeGreaterThan(index);
        return watches.get(index);
    }

    private void await(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!last().equals(expected) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.sleep(5);
        }
        assertThat(last()).isEqualTo(expected);
    }

    @Test
    void listWatchAndRelistOn410() throws Exception {
        listBody = "{\"metadata\":{\"resourceVersion\":\"100\"},\"items\":[" + slice("api-a", "90",
                ep("10.0.0.1", true, true, false) + "," + ep("10.0.0.2", false, false, false)) + "]}";
        String api = start();
        java.nio.file.Path token = java.nio.file.Files.createTempFile("token", "");
        java.nio.file.Files.writeString(token, "s3cret\n");
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").apiServer(api).tokenFile(token)
                .backoff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(50)).build()) {
            assertThat(d.source()).isEqualTo("k8s://api.shop:http");
            d.start(snapshots::add);
            await("10.0.0.1:8080*1");
            assertThat(d.stats().source()).isEqualTo("k8s://api.shop:http");

            watch(0).add(event("ADDED", slice("api-b", "101", ep("10.0.0.3", true, true, false))));
            await("10.0.0.1:8080*1 10.0.0.3:8080*1");
            watch(0).add(event("MODIFIED", slice("api-a", "102",
                    ep("10.0.0.1", false, true, true) + "," + ep("10.0.0.2", true, true, false))));
            await("10.0.0.1:8080*0 10.0.0.2:8080*1 10.0.0.3:8080*1");
            watch(0).add(event("DELETED", slice("api-a", "103", "")));
            await("10.0.0.3:8080*1");
            // The watch drops: the next one resumes from 103.
            watch(0).add(END);
            watch(1).add("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"message\":\"too old\"}}");
            listBody = "{\"metadata\":{\"resourceVersion\":\"200\"},\"items\":[" + slice("api-c", "199",
                    ep("10.0.0.9", true, true, false)) + "]}";
            await("10.0.0.9:8080*1");
            watch(2).add(event("ADDED", slice("api-d", "201", ep("10.0.0.10", true, true, false))));
            await("10.0.0.10:8080*1 10.0.0.9:8080*1");
        }
        List<String> watchRequests = requests.stream().filter(r -> r.contains("watch=true")).toList();
        assertThat(watchRequests).hasSize(3);
        assertThat(watchRequests.get(0)).contains("resourceVersion=100").contains("labelSelector=kubernetes.io%2Fservice-name%3Dapi");
        assertThat(watchRequests.get(1)).contains("resourceVersion=103");
        assertThat(watchRequests.get(2)).contains("resourceVersion=200");
        assertThat(requests).allMatch(r -> r.endsWith("Bearer s3cret"));
        assertThat(requests.get(0)).startsWith("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices?");
    }

    @Test
    void refusesMalformedUrls() {
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api:http")).hasMessageContaining("k8s://service.namespace:port");
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop")).hasMessageContaining("k8s://service.namespace:port");
    }
}
