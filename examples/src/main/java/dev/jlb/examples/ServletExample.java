package dev.jlb.examples;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingProxyServlet;
import java.net.InetSocketAddress;
import java.net.URI;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/** A servlet application whose /api/* is balanced by jlb's proxy servlet (lb-jetty + jetty-ee10-proxy). */
public final class ServletExample implements AutoCloseable {

    private final LoadBalancer lb;
    private final Server server;

    public ServletExample(InetSocketAddress listen, String... backends) throws Exception {
        lb = LoadBalancer.builder().backends(backends).build();
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder proxy = new ServletHolder(new LoadBalancingProxyServlet(lb));
        proxy.setAsyncSupported(true); // jlb proxies asynchronously
        context.addServlet(proxy, "/api/*");
        server = new Server(listen);
        server.setHandler(context);
        server.start();
    }

    public URI uri() {
        return server.getURI();
    }

    @Override
    public void close() throws Exception {
        server.stop();
        lb.close();
    }
}
