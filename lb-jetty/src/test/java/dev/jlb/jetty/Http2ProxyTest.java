package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 through {@link LoadBalancingHandler}: h2c clients on a listener with HTTP/1.1 and h2c,
 * h2c backends (real Jetty servers), the per-connection stream bound, trailers, and strategies that
 * count HTTP/2 streams (one lease per request), not connections.
 */
@Timeout(120)
class Http2ProxyTest {

    private final List<Server> servers = new ArrayList<>();
    private final List<H2Backend> backends = new ArrayList<>();
    private HttpClient h2Client;
    private HttpClient h1Client;

    @AfterEach
    void stop() throws Exception {
        for (H2Backend b : backends) {
            b.releaseAll();
        }
        for (HttpClient c : new HttpClient[] {h2Client, h1Client}) {
            if (c != null) {
                c.stop();
            }
        }
        for (Server s : servers) {
            s.stop();
        }
    }

    /** An h2c-only backend that answers {@code <name>:<body>}, holds requests to {@code /hold} until released, and adds a trailer. */
    final class H2Backend {
        final String name;
        final Server server;
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        final Set<String> connections = ConcurrentHashMap.newKeySet();
        final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
        volatile String lastTe;

        H2Backend(String name) throws Exception {
            this.name = name;
            server = new Server();
            ServerConnector connector = new ServerConnector(server, 1, 1,
                    new HTTP2CServerConnectionFactory(new HttpConfiguration()));
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    connections.add(request.getConnectionMetaData().getId());
                    lastTe = request.getHeaders().get(HttpHeader.TE);
                    int now = concurrent.incrementAndGet();
                    maxConcurrent.accumulateAndGet(now, Math::max);
                    String body;
                    try {
                        body = Content.Source.asString(request, StandardCharsets.UTF_8);
                    } catch (java.io.IOException e) {
                        callback.failed(e);
                        return true;
                    }
                    Runnable answer = () -> {
                        concurrent.decrementAndGet();
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                        response.setTrailersSupplier(() -> HttpFields.build().put("x-backend-trailer", name));
                        response.write(true, ByteBuffer.wrap((name + ":" + body).getBytes(StandardCharsets.UTF_8)),
                                callback);
                    };
                    if (Request.getPathInContext(request).startsWith("/hold")) {
                        held.add(answer);
                    } else {
                        answer.run();
                    }
                    return true;
                }
            });
            server.start();
            servers.add(server);
            backends.add(this);
        }

        String uri() {
            return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        void releaseAll() {
            for (Runnable r; (r = held.poll()) != null; ) {
                r.run();
            }
        }
    }

    /** jlb: a LoadBalancingHandler on a connector that speaks HTTP/1.1 and h2c. */
    private int balancer(LoadBalancer lb, ProxyOptions options) throws Exception {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http),
                new HTTP2CServerConnectionFactory(http));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new LoadBalancingHandler(lb, options));
        server.start();
        servers.add(server);
        return connector.getLocalPort();
    }

    private HttpClient h2() throws Exception {
        if (h2Client == null) {
            h2Client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
            h2Client.start();
        }
        return h2Client;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10); // polling a condition, not timing anything
        }
    }

    private List<CompletableFuture<ContentResponse>> sendHeld(int port, int n) throws Exception {
        List<CompletableFuture<ContentResponse>> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(new CompletableResponseListener(h2().newRequest("http://127.0.0.1:" + port + "/hold/" + i)
                    .timeout(60, TimeUnit.SECONDS)).send());
        }
        return pending;
    }

    @Test
    void h2cClientsReachH2cBackendsWithBodiesAndTrailers() throws Exception {
        H2Backend a = new H2Backend("a");
        LoadBalancer lb = LoadBalancer.builder().backends(a.uri()).build();
        int port = balancer(lb, ProxyOptions.builder().backendProtocol(BackendProtocol.H2C).build());

        ContentResponse r = h2().POST("http://127.0.0.1:" + port + "/x").headers(h -> h.put(HttpHeader.TE, "trailers"))
                .body(new StringRequestContent("hello")).timeout(30, TimeUnit.SECONDS).send();
        assertThat(r.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(r.getContentAsString()).isEqualTo("a:hello");
        assertThat(r.getTrailers()).isNotNull();
        assertThat(r.getTrailers().get("x-backend-trailer")).isEqualTo("a");
        assertThat(a.lastTe).isEqualTo("trailers");

        // An HTTP/1.1 client reaches the same HTTP/2 backend; without TE: trailers it gets none.
        h1Client = new HttpClient();
        h1Client.start();
        ContentResponse h1 = h1Client.POST("http://127.0.0.1:" + port + "/y").body(new StringRequestContent("one"))
                .timeout(30, TimeUnit.SECONDS).send();
        assertThat(h1.getVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(h1.getContentAsString()).isEqualTo("a:one");
        assertThat(h1.getTrailers() == null || h1.getTrailers().size() == 0).isTrue();
        assertThat(a.connections).hasSize(1); // both clients' requests shared one backend connection
    }

    @Test
    void oneConnectionCarriesAtMostMaxStreamsAndTheRestWait() throws Exception {
        H2Backend a = new H2Backend("a");
        LoadBalancer lb = LoadBalancer.builder().backends(a.uri()).build();
        int port = balancer(lb, ProxyOptions.builder().backendProtocol(BackendProtocol.H2C)
                .maxStreamsPerConnection(2).maxConnectionsPerBackend(1).build());

        List<CompletableFuture<ContentResponse>> pending = sendHeld(port, 5);
        await(() -> lb.stats().inFlight() == 5 && a.concurrent.get() == 2, "5 requests in jlb, 2 at the backend");
        assertThat(a.connections).hasSize(1);
        // Each released stream lets a waiting request onto the connection, never more than 2 at once.
        for (int released = 0; released < 5; ) {
            Runnable r = a.held.poll();
            if (r == null) {
                Thread.sleep(10); // the next request is on its way to the backend
                continue;
            }
            r.run();
            released++;
        }
        for (CompletableFuture<ContentResponse> f : pending) {
            assertThat(f.get(30, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
        assertThat(a.maxConcurrent.get()).isEqualTo(2);
        assertThat(a.connections).hasSize(1);
    }

    @Test
    void aConnectionFullOfStreamsOpensAnother() throws Exception {
        H2Backend a = new H2Backend("a");
        LoadBalancer lb = LoadBalancer.builder().backends(a.uri()).build();
        int port = balancer(lb, ProxyOptions.builder().backendProtocol(BackendProtocol.H2C)
                .maxStreamsPerConnection(2).maxConnectionsPerBackend(8).build());

        sendHeld(port, 5);
        await(() -> a.concurrent.get() == 5, "5 requests at the backend");
        assertThat(a.connections).hasSize(3); // ceil(5 / 2)
    }

    @ParameterizedTest
    @ValueSource(strings = {"least-connections", "p2c"})
    void strategiesCountStreamsInFlightNotConnections(String strategy) throws Exception {
        H2Backend a = new H2Backend("a");
        H2Backend b = new H2Backend("b");
        LoadBalancer lb = LoadBalancer.builder().strategy(strategy).backends(a.uri(), b.uri()).build();
        int port = balancer(lb, ProxyOptions.builder().backendProtocol(BackendProtocol.H2C).build());

        // Four streams from one client connection held on a while b is drained, then four more with
        // both eligible: a strategy that counted connections (one each) would split them; counting
        // streams in flight (4 on a, 0 on b) sends all four to b.
        dev.jlb.Backend backendB = lb.pool().backends().stream().filter(x -> x.uri().toString().equals(b.uri()))
                .findFirst().orElseThrow();
        lb.pool().update(backendB.withWeight(0));
        sendHeld(port, 4);
        await(() -> a.concurrent.get() == 4, "4 requests at a");
        lb.pool().update(backendB.withWeight(1));
        sendHeld(port, 4);
        await(() -> a.concurrent.get() + b.concurrent.get() == 8, "8 requests at the backends");
        assertThat(a.concurrent.get()).isEqualTo(4);
        assertThat(b.concurrent.get()).isEqualTo(4);
        assertThat(a.connections).hasSize(1);
        assertThat(b.connections).hasSize(1);
        Map<String, Integer> inFlight = new java.util.TreeMap<>();
        for (BackendStats s : lb.pool().stats()) {
            inFlight.put(s.backend().uri().toString(), s.inFlight());
        }
        assertThat(inFlight).containsOnly(Map.entry(a.uri(), 4), Map.entry(b.uri(), 4));
    }
}
