package dev.jlb.jetty.admin;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.health.ActiveHealthCheck;
import dev.jlb.health.OutlierDetection;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Not a test: a bounded demo that fills the status page with live traffic, for the README's
 * screenshot (docs/status-page.png). Backends on loopback with different behaviours, two routes
 * behind {@link LoadBalancingHandler}s, the admin servlet on its own port, and a few client threads;
 * everything stops after the given number of seconds (default 40) or 200,000 requests.
 */
public final class StatusPageDemo {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int adminPort = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        List<Server> servers = new ArrayList<>();
        String[] api = new String[5];
        api[0] = backend(servers, 2, 0);
        api[1] = backend(servers, 3, 0);
        api[2] = backend(servers, 25, 0);      // slow: degraded by response-time health
        api[3] = backend(servers, 2, 0.08);    // 8% 503s
        api[4] = "http://127.0.0.1:1";          // nothing listens: unhealthy
        String[] web = {backend(servers, 1, 0), backend(servers, 1, 0), backend(servers, 1, 0)};

        LoadBalancer apiLb = LoadBalancer.builder().name("api").strategy("p2c")
                .backends(List.of(Backend.of(api[0], 3), Backend.of(api[1], 3), Backend.of(api[2], 2),
                        Backend.of(api[3], 2), Backend.of(api[4], 1)))
                .healthCheck(ActiveHealthCheck.tcp().interval(Duration.ofSeconds(1)).build())
                .latencyHealth(dev.jlb.health.LatencyHealth.builder().minimumSamples(20)
                        .interval(Duration.ofSeconds(1)).build())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(50).build())
                .build();
        LoadBalancer webLb = LoadBalancer.builder().name("web").strategy("round-robin")
                .backends(List.of(Backend.of(web[0]), Backend.of(web[1]), Backend.of(web[2]))).build();
        webLb.pool().drain(Backend.of(web[2]));

        Server proxy = new Server();
        ServerConnector proxyConnector = new ServerConnector(proxy);
        proxyConnector.setHost("127.0.0.1");
        proxy.addConnector(proxyConnector);
        proxy.setHandler(new Handler.Sequence(
                new LoadBalancingHandler(apiLb, ProxyOptions.builder().prefix("/api").build()),
                new LoadBalancingHandler(webLb, ProxyOptions.builder().prefix("/").build())));
        proxy.start();
        // The admin servlet on a server of its own, on loopback, as the standalone balancer does.
        HttpConfiguration adminHttp = new HttpConfiguration();
        adminHttp.setHeaderCacheCaseSensitive(true);
        Server admin = new Server();
        ServerConnector adminOnly = new ServerConnector(admin, new HttpConnectionFactory(adminHttp));
        adminOnly.setHost("127.0.0.1");
        adminOnly.setPort(adminPort);
        admin.addConnector(adminOnly);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new AdminServlet(AdminOptions.defaults(), apiLb, webLb)), "/admin/*");
        admin.setHandler(context);
        admin.start();
        System.out.println("status page: http://127.0.0.1:" + adminOnly.getLocalPort() + "/admin/");

        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        AtomicInteger budget = new AtomicInteger(200_000);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String base = "http://127.0.0.1:" + proxyConnector.getLocalPort();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < deadline && budget.decrementAndGet() > 0) {
                    String path = ThreadLocalRandom.current().nextInt(3) == 0 ? "/static/x" : "/api/items";
                    try {
                        client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        Thread.sleep(2);
                    } catch (Exception e) {
                        if (e instanceof InterruptedException) {
                            return;
                        }
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        admin.stop();
        proxy.stop();
        apiLb.close();
        webLb.close();
        for (Server server : servers) {
            server.stop();
        }
    }

    private static String backend(List<Server> servers, int delayMillis, double errorRate) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                int jitter = ThreadLocalRandom.current().nextInt(Math.max(1, delayMillis / 2 + 1));
                request.getComponents().getScheduler().schedule(() -> {
                    boolean fail = ThreadLocalRandom.current().nextDouble() < errorRate;
                    response.setStatus(fail ? 503 : 200);
                    response.write(true, ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.UTF_8)), callback);
                }, delayMillis + jitter, java.util.concurrent.TimeUnit.MILLISECONDS);
                return true;
            }
        });
        server.start();
        servers.add(server);
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    private StatusPageDemo() {
    }
}
