package dev.jlb.jetty;

import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import dev.jlb.jetty.engine.EngineRoute;
import dev.jlb.jetty.engine.HttpEngine;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A real Jetty server on 127.0.0.1:0 with jlb mounted at {@code /api} through one of the adapters. */
final class ProxyFixture implements AutoCloseable {

    /** The adapter under test. */
    enum Mode {
        HANDLER, SERVLET, FILTER,
        /** The {@code HttpEngine} data path, with the core handler behind it for what it does not take. */
        ENGINE
    }

    final Server server;
    final ServerConnector connector;
    final LoadBalancer loadBalancer;
    /** The engine in ENGINE mode, else null. */
    final HttpEngine engine;

    private ProxyFixture(LoadBalancer loadBalancer, Handler handler) throws Exception {
        this(loadBalancer, handler, null);
    }

    private ProxyFixture(LoadBalancer loadBalancer, Handler handler, ProxyOptions engineOptions) throws Exception {
        this.loadBalancer = loadBalancer;
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("proxy");
        server = new Server(pool);
        if (engineOptions != null) {
            engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
            engine.setRoutes(List.of(new EngineRoute(loadBalancer, engineOptions)));
            connector = new ServerConnector(server, 1, 1, engine, new HttpConnectionFactory(strict()));
        } else {
            engine = null;
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(strict()));
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
    }

    /** jlb at {@code /api} with the given adapter; with FILTER, other paths reach an app servlet answering "app". */
    static ProxyFixture start(Mode mode, LoadBalancer loadBalancer, ProxyOptions options) throws Exception {
        switch (mode) {
            case HANDLER: {
                ProxyOptions withPrefix = options.prefix() == null ? options.toBuilder().prefix("/api").build() : options;
                return new ProxyFixture(loadBalancer, new LoadBalancingHandler(loadBalancer, withPrefix));
            }
            case ENGINE: {
                ProxyOptions withPrefix = options.prefix() == null ? options.toBuilder().prefix("/api").build() : options;
                return new ProxyFixture(loadBalancer, new LoadBalancingHandler(loadBalancer, withPrefix), withPrefix);
            }
            case SERVLET:
                return servlet(loadBalancer, new LoadBalancingProxyServlet(loadBalancer, options));
            case FILTER: {
                ServletContextHandler context = new ServletContextHandler("/");
                context.addServlet(new ServletHolder(new AppServlet()), "/*");
                FilterHolder filter = new FilterHolder(new LoadBalancingFilter(loadBalancer, options));
                filter.setAsyncSupported(true);
                context.addFilter(filter, "/api/*", EnumSet.of(DispatcherType.REQUEST));
                return new ProxyFixture(loadBalancer, context);
            }
            default:
                throw new AssertionError(mode);
        }
    }

    /** A given servlet instance mapped at {@code /api/*}. */
    static ProxyFixture servlet(LoadBalancer loadBalancer, LoadBalancingProxyServlet servlet) throws Exception {
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/api/*");
        return new ProxyFixture(loadBalancer, context);
    }

    /** A given handler as the server's handler. */
    static ProxyFixture handler(LoadBalancer loadBalancer, Handler handler) throws Exception {
        return new ProxyFixture(loadBalancer, handler);
    }

    String url(String pathQuery) {
        return "http://127.0.0.1:" + connector.getLocalPort() + pathQuery;
    }

    /** Waits (bounded) until no backend has a request in flight; returns the final stats. */
    List<BackendStats> awaitIdle() throws InterruptedException {
        return awaitIdle(loadBalancer);
    }

    static List<BackendStats> awaitIdle(LoadBalancer loadBalancer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<BackendStats> stats = loadBalancer.pool().stats();
            if (stats.stream().allMatch(s -> s.inFlight() == 0) || System.nanoTime() > deadline) {
                return stats;
            }
            Thread.sleep(5);
        }
    }

    /** The HTTP configuration of both paths: Jetty's defaults, refusing bare LFs as the engine does. */
    private static org.eclipse.jetty.server.HttpConfiguration strict() {
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        http.setHttpCompliance(HttpEngine.strictCompliance());
        return http;
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }

    @Override
    public void close() throws java.io.IOException {
        dev.jlb.testing.LifeCycles.stop(server, this);
    }

    /** The application behind the filter. */
    static final class AppServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().print("app " + request.getRequestURI());
        }
    }
}
