package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.admin.AdminOptions;
import dev.jlb.jetty.admin.AdminServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** Run by {@link WithoutMicrometerTest} inside a class loader without Micrometer. */
public final class WithoutMicrometerProbe {

    private WithoutMicrometerProbe() {
    }

    public static String run() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        StringBuilder out = new StringBuilder();
        try (TestBackend backend = new TestBackend("b")) {
            for (ProxyFixture.Mode mode : ProxyFixture.Mode.values()) {
                LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build();
                try (lb; ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults())) {
                    int status = client.send(HttpRequest.newBuilder(URI.create(proxy.url("/api/x"))).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    out.append(mode.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(status).append(", ");
                }
            }
            LoadBalancer lb = LoadBalancer.builder().name("api").backends(backend.uri()).build();
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler("/");
            context.addServlet(new ServletHolder(new AdminServlet(AdminOptions.defaults(), lb)), "/admin/*");
            server.setHandler(context);
            server.start();
            try {
                int status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.getLocalPort()
                        + "/admin/api/routes")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                out.append("admin ").append(status);
            } finally {
                server.stop();
                lb.close();
            }
        }
        return out.toString();
    }
}
