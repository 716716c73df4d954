package dev.jlb.examples;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.config.ConfigBinder;
import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.RouteConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;

/** Every route of a config.yaml (or .json) on one server (lb-jetty + jackson-dataformat-yaml). */
public final class ConfigFileExample implements AutoCloseable {

    private final List<LoadBalancer> routes = new ArrayList<>();
    private final Server server;

    /** @throws ConfigException with every problem of the file, before anything starts */
    public ConfigFileExample(Path file) throws Exception {
        JlbConfig config = ConfigLoader.load(file);
        Handler.Sequence handlers = new Handler.Sequence();
        List<RouteConfig> longestPathFirst = new ArrayList<>(config.routes());
        longestPathFirst.sort(Comparator.comparingInt((RouteConfig r) -> r.path().length()).reversed());
        for (RouteConfig route : longestPathFirst) {
            LoadBalancer lb = ConfigBinder.loadBalancer(route).build(); // strategy, health checks, ...
            routes.add(lb);
            handlers.addHandler(new LoadBalancingHandler(lb, ConfigBinder.proxyOptions(route, config.server())));
        }
        server = new Server(new InetSocketAddress(config.server().address(), config.server().port()));
        server.setHandler(handlers);
        server.start();
    }

    public URI uri() {
        return server.getURI();
    }

    @Override
    public void close() throws Exception {
        server.stop();
        routes.forEach(LoadBalancer::close);
    }
}
