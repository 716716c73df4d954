package dev.jlb.examples;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.metrics.LoadBalancerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import org.eclipse.jetty.server.Server;

/** The handler example with its meters in a Prometheus registry (lb-jetty + micrometer-core). */
public final class MicrometerExample implements AutoCloseable {

    private final LoadBalancer lb;
    private final LoadBalancerMetrics metrics;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Server server;

    public MicrometerExample(InetSocketAddress listen, String... backends) throws Exception {
        lb = LoadBalancer.builder().name("api").backends(backends).build(); // the name is the meters' route tag
        metrics = LoadBalancerMetrics.of(lb);
        metrics.bindTo(registry);
        server = new Server(listen);
        server.setHandler(new LoadBalancingHandler(lb));
        server.start();
    }

    public URI uri() {
        return server.getURI();
    }

    /** The Prometheus text exposition, as a /metrics endpoint would serve it. */
    public String scrape() {
        return registry.scrape();
    }

    /** The server, then the meters (removed from the registry), then the load balancer. */
    @Override
    public void close() throws Exception {
        server.stop();
        metrics.close();
        lb.close();
    }
}
