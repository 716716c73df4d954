package dev.jlb.standalone;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.admin.AdminOptions;
import dev.jlb.jetty.admin.AdminServlet;
import dev.jlb.jetty.config.AdminConfig;
import dev.jlb.jetty.metrics.LoadBalancerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone balancer's admin listener ({@code admin:} in the configuration): the admin API and
 * status page ({@link AdminServlet}) at {@code /admin/}, and Prometheus metrics at {@code /metrics}
 * from a {@link PrometheusMeterRegistry} with one {@link LoadBalancerMetrics} per route. A Jetty
 * server of its own (small thread pool, loopback by default), so that admin traffic never competes
 * with the routes' and a route can never shadow it.
 *
 * <p>{@link #sync()} follows the routes after a reload: new routes get meters, removed ones lose them.
 */
final class AdminListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final AdminConfig config;
    private final Supplier<List<LoadBalancer>> routes;
    private final Server server;
    private final ServerConnector connector;
    private final PrometheusMeterRegistry registry;
    /** Guarded by this. */
    private final Map<LoadBalancer, LoadBalancerMetrics> bound = new IdentityHashMap<>();

    private AdminListener(AdminConfig config, Supplier<List<LoadBalancer>> routes, Supplier<List<String>> warnings) {
        this.config = config;
        this.routes = routes;
        this.registry = config.metrics() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("jlb-admin");
        server = new Server(threads);
        server.setStopAtShutdown(false);
        server.setErrorHandler(new PlainErrorHandler());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Header values are cached per connection case-insensitively by default: not for tokens.
        http.setHeaderCacheCaseSensitive(true);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.address());
        connector.setPort(config.port());
        server.addConnector(connector);
        AdminOptions options = config.options();
        ServletContextHandler context = new ServletContextHandler("/");
        AdminServlet servlet = new AdminServlet(options, (Supplier<Collection<LoadBalancer>>) () ->
                List.copyOf(routes.get()));
        servlet.setWarnings(warnings);
        context.addServlet(new ServletHolder(servlet), "/admin/*");
        if (registry != null) {
            context.addServlet(new ServletHolder(new MetricsServlet(registry, options)), "/metrics");
        }
        server.setHandler(context);
    }

    /**
     * Starts the listener and binds the routes' meters.
     *
     * @throws Exception when the port cannot be bound; nothing is left running
     */
    static AdminListener start(AdminConfig config, Supplier<List<LoadBalancer>> routes) throws Exception {
        return start(config, routes, List::of);
    }

    /** As {@link #start(AdminConfig, Supplier)}, with warnings for the top of the status page. */
    static AdminListener start(AdminConfig config, Supplier<List<LoadBalancer>> routes, Supplier<List<String>> warnings)
            throws Exception {
        Objects.requireNonNull(config, "config");
        AdminListener admin = new AdminListener(config, routes, warnings);
        try {
            admin.server.start();
        } catch (Exception e) {
            admin.close();
            throw e;
        }
        admin.sync();
        LOG.info("admin on http://{}:{}/admin/{}{}", config.address(), admin.port(),
                config.metrics() ? ", metrics on http://" + config.address() + ":" + admin.port() + "/metrics" : "",
                config.bearerToken() == null ? " (changes from loopback clients only: no bearer_token)" : "");
        return admin;
    }

    int port() {
        return connector.getLocalPort();
    }

    /** Binds meters to routes that have none, and removes those of routes that are gone. */
    synchronized void sync() {
        if (registry == null) {
            return;
        }
        List<LoadBalancer> current = routes.get();
        Map<LoadBalancer, Boolean> present = new IdentityHashMap<>();
        for (LoadBalancer lb : current) {
            present.put(lb, Boolean.TRUE);
            if (!bound.containsKey(lb)) {
                LoadBalancerMetrics metrics = LoadBalancerMetrics.builder(lb).latencyWindow(config.latencyWindow()).build();
                metrics.bindTo(registry);
                bound.put(lb, metrics);
            }
        }
        bound.entrySet().removeIf(e -> {
            if (present.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    @Override
    public synchronized void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the admin listener failed", e);
        }
        bound.values().forEach(LoadBalancerMetrics::close);
        bound.clear();
        if (registry != null) {
            registry.close();
        }
    }

    /** {@code GET /metrics}: the registry in the Prometheus text format. */
    static final class MetricsServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient PrometheusMeterRegistry registry;
        private final transient AdminOptions options;

        MetricsServlet(PrometheusMeterRegistry registry, AdminOptions options) {
            this.registry = registry;
            this.options = options;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String host = request.getHeader("Host");
            if (!options.isAllowedHost(host, request.getLocalAddr())) {
                response.setStatus(421);
                response.setContentType("text/plain;charset=utf-8");
                response.getWriter().print("misdirected request: host " + (host.length() > 100 ? host.substring(0, 100)
                        + "..." : host) + " is not this server's (expected: localhost, a loopback address, "
                        + request.getLocalAddr() + ", or one of admin.allowed_hosts)\n");
                return;
            }
            if (options.protectReads()) {
                String header = request.getHeader("Authorization");
                if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)
                        || !options.isBearerToken(header.substring(7).trim())) {
                    response.setStatus(401);
                    response.setHeader("WWW-Authenticate", "Bearer realm=\"jlb\"");
                    response.setContentType("text/plain;charset=utf-8");
                    response.getWriter().print("unauthorized: metrics need the bearer token\n");
                    return;
                }
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("text/plain;version=0.0.4;charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
