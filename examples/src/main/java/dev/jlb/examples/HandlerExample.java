package dev.jlb.examples;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import org.eclipse.jetty.server.Server;

/** A Jetty server that balances /api over the backends with the jetty-core handler (lb-jetty). */
public final class HandlerExample implements AutoCloseable {

    private final LoadBalancer lb;
    private final Server server;

    public HandlerExample(InetSocketAddress listen, String... backends) throws Exception {
        lb = LoadBalancer.builder()
                .backends(backends)
                .strategy("least-connections")
                .build();
        server = new Server(listen);
        server.setHandler(new LoadBalancingHandler(lb, ProxyOptions.builder().prefix("/api").build()));
        server.start();
    }

    public URI uri() {
        return server.getURI();
    }

    /** The server first (the handler and its HTTP client stop with it), then the load balancer. */
    @Override
    public void close() throws Exception {
        server.stop();
        lb.close();
    }

    public static void main(String[] args) throws Exception {
        try (HandlerExample app = new HandlerExample(new InetSocketAddress(8080),
                "http://127.0.0.1:8081", "http://127.0.0.1:8082")) {
            app.server.join();
        }
    }
}
