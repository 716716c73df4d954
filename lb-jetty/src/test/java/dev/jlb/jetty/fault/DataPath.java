package dev.jlb.jetty.fault;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.LoadBalancingProxyServlet;
import dev.jlb.jetty.ProxyOptions;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import dev.jlb.jetty.engine.EngineRoute;
import dev.jlb.jetty.engine.EngineConnector;
import dev.jlb.jetty.engine.HttpEngine;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The seam between the fault suite and jlb's front ends: every fault test runs once per value
 * ({@code @ParameterizedTest @EnumSource(DataPath.class)}). A new data path (such as a lean engine)
 * adds a value whose {@link #start} serves every path of a real listener on 127.0.0.1:0 with the
 * given load balancer and options.
 */
public enum DataPath {

    /** {@link LoadBalancingHandler} on jetty-core. */
    HANDLER {
        @Override
        Handler handler(LoadBalancer loadBalancer, ProxyOptions options) {
            return new LoadBalancingHandler(loadBalancer, options);
        }
    },

    /** {@link LoadBalancingProxyServlet} in a servlet context at {@code /}. */
    SERVLET {
        @Override
        Handler handler(LoadBalancer loadBalancer, ProxyOptions options) {
            ServletContextHandler context = new ServletContextHandler("/");
            ServletHolder holder = new ServletHolder(new LoadBalancingProxyServlet(loadBalancer, options));
            holder.setAsyncSupported(true);
            context.addServlet(holder, "/*");
            return context;
        }
    },

    /**
     * The {@link HttpEngine} first on the connector, with {@link LoadBalancingHandler} behind it for
     * what the engine hands over.
     */
    ENGINE {
        @Override
        Handler handler(LoadBalancer loadBalancer, ProxyOptions options) {
            return new LoadBalancingHandler(loadBalancer, options);
        }

        @Override
        ServerConnector connector(Server server, QueuedThreadPool pool, LoadBalancer loadBalancer,
                ProxyOptions options) {
            HttpEngine engine = new HttpEngine(pool, server.getScheduler(), server.getByteBufferPool());
            engine.setRoutes(List.of(new EngineRoute(loadBalancer, options)));
            HttpConfiguration http = new HttpConfiguration();
            http.setHttpCompliance(HttpEngine.strictCompliance());
            // As the standalone does: the backend connections share the connector's selector.
            return new EngineConnector(server, 1, engine, new HttpConnectionFactory(http));
        }
    };

    /** The listener: Jetty's HTTP/1.1 connector, unless a data path brings its own. */
    ServerConnector connector(Server server, QueuedThreadPool pool, LoadBalancer loadBalancer, ProxyOptions options) {
        return new ServerConnector(server, 1, 1);
    }

    /** The Jetty handler of a Jetty-based data path. */
    abstract Handler handler(LoadBalancer loadBalancer, ProxyOptions options);

    /** Starts a front end on 127.0.0.1:0 that proxies every path through {@code loadBalancer}. */
    public FrontEnd start(LoadBalancer loadBalancer, ProxyOptions options) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("front-" + name().toLowerCase(java.util.Locale.ROOT));
        Server server = new Server(pool);
        ServerConnector connector = connector(server, pool, loadBalancer, options);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler(loadBalancer, options));
        server.start();
        return new FrontEnd() {
            @Override
            public int port() {
                return connector.getLocalPort();
            }

            @Override
            public void close() throws java.io.IOException {
                dev.jlb.testing.LifeCycles.stop(server, "front end");
            }
        };
    }

    /** A started front end. */
    public interface FrontEnd extends AutoCloseable {
        /** The local port it listens on (127.0.0.1). */
        int port();

        @Override
        void close() throws java.io.IOException;
    }
}
