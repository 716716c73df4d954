package dev.jlb.examples;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingFilter;
import dev.jlb.jetty.ProxyOptions;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/** An existing servlet application with jlb's filter in front: /api/... is balanced, the rest is the app's. */
public final class FilterExample implements AutoCloseable {

    private final LoadBalancer lb;
    private final Server server;

    public FilterExample(InetSocketAddress listen, String... backends) throws Exception {
        lb = LoadBalancer.builder().backends(backends).build();
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new AppServlet()), "/*");
        FilterHolder filter = new FilterHolder(new LoadBalancingFilter(lb, ProxyOptions.builder().prefix("/api").build()));
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
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

    /** The application that was there before jlb. */
    static final class AppServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().print("the app answers " + request.getRequestURI());
        }
    }
}
