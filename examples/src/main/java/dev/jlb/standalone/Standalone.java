package dev.jlb.standalone;

import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.Ticker;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.jetty.config.ServerConfig;
import dev.jlb.jetty.tls.TlsFileException;
import dev.jlb.jetty.engine.HttpEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running standalone balancer: one Jetty server, one {@link LoadBalancer} and
 * {@link LoadBalancingHandler} per route, and the logic that applies a reloaded configuration.
 *
 * <p>{@link #apply(JlbConfig)} changes a running balancer without dropping a request: a route's
 * backends, weights, strategy and health settings are updated in place on its load balancer
 * (statistics and health state of the backends that stay are kept); a route whose proxy settings
 * changed (retries, timeouts, headers, prefix stripping, pool sizes, access log) gets a new handler
 * on the same load balancer, and the old one is stopped once its last request is done; a new
 * route starts; a removed route stops taking requests and is stopped when drained. Listener and
 * thread settings need a restart and are kept, with a warning.
 *
 * <p>This class owns the lifecycle (the server, its listeners, start and graceful shutdown) and
 * the running routes; {@link RouteFactory} builds a route's handler and retires a replaced one, and
 * a {@link ReloadPlan} decides what a reload changes.
 *
 * <p>Thread-safe: reloads are serialized (on this object's lock, which also guards the routes).
 */
final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final Server server;
    private final QueuedThreadPool threads;
    private final Listeners listeners;
    /** The lean data path, first for HTTP/1.1 on the listeners (cleartext and TLS); routes with {@code data_path: jetty} fall through it. */
    private final HttpEngine engine;
    private final Router router;
    /** Builds the routes' handlers and retires replaced ones. */
    private final RouteFactory factory;
    private final boolean autoThreads;
    private final int selectors;
    private final ExecutorService maintenance = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jlb-maintenance");
        t.setDaemon(true);
        return t;
    });
    /** The routes by path; guarded by this. */
    private final Map<String, RouteRuntime> routes = new LinkedHashMap<>();
    /** Guarded by this. */
    private JlbConfig config;
    /** The admin listener, or null when the configuration has none. Set once at start. */
    private volatile AdminListener admin;

    /** The access log, set on the routes' options while {@code server.access_log} is on. */
    private final AccessLog accessLog;
    /** Whether {@code server.access_log} is on (a reload may change it). */
    private volatile boolean accessLogOn;
    /** The answers jlb writes when no route took a request (404, malformed heads): to the access log while it is on. */
    private final ProxyListener refusals = this::refused;
    /** Lines of access log waiting for standard output (the default sink), or null for another sink. */
    private final AsyncLines accessLines;
    /** Access log lines that may wait for the log: about 2 MB. */
    static final int ACCESS_LOG_QUEUE = 16_384;

    private Standalone(JlbConfig config, Consumer<String> accessSink) throws TlsFileException {
        this.config = config;
        this.accessLogOn = config.server().accessLog();
        this.router = new Router(refusals);
        // The default sink writes to standard output: off the I/O threads that produce the lines.
        this.accessLines = accessSink == AccessLog.LOGGER_SINK
                ? new AsyncLines("jlb-access-log", accessSink, ACCESS_LOG_QUEUE) : null;
        this.accessLog = new AccessLog(accessLines != null ? accessLines : accessSink);
        ServerConfig s = config.server();
        int cores = Runtime.getRuntime().availableProcessors();
        this.selectors = s.selectors() == ServerConfig.AUTO ? Math.max(1, Math.min(4, cores / 2)) : s.selectors();
        this.autoThreads = s.threads() == ServerConfig.AUTO;
        int max = poolSize(config.routes().size());
        threads = new QueuedThreadPool(max, Math.min(max, 4 + selectors));
        threads.setName("jlb");
        server = new Server(threads);
        server.setStopAtShutdown(false);
        server.setErrorHandler(new PlainErrorHandler(refusals));
        HeaderTimeouts headerTimeouts = new HeaderTimeouts(s.headerTimeout(), Ticker.systemTicker(), server.getScheduler());
        engine = new HttpEngine(threads, server.getScheduler(), server.getByteBufferPool())
                .headerTimeout(s.headerTimeout()).refusalListener(refusals);
        listeners = new Listeners(server, s, selectors, headerTimeouts, engine);
        server.setHandler(listeners.redirectsHttp() ? new HttpsRedirect(router, listeners::tlsPort) : router);
        factory = new RouteFactory(server, router, accessLog, maintenance);
        // The port is bound by RoutesFirst, once every route is ready (see start).
        server.setOpenEarly(false);
    }

    /**
     * The thread pool size: the work threads ({@code server.threads}, or for {@code auto} max(8, 4 x
     * cores)) plus those Jetty leases for good, so that no value of {@code threads} leaves the server
     * or a route unable to start.
     */
    private int poolSize(int routeCount) {
        int cores = Runtime.getRuntime().availableProcessors();
        int work = autoThreads ? Math.max(8, 4 * cores) : config.server().threads();
        // 1 acceptor, the selectors, and one client selector per route (twice: a replaced route's
        // handler drains while its successor runs).
        return work + 1 + selectors + 2 * routeCount;
    }

    /**
     * Starts a balancer: builds and starts every route, then binds the port and accepts connections.
     *
     * @throws Exception when the port cannot be bound or a route cannot start; nothing is left running
     */
    static Standalone start(JlbConfig config) throws Exception {
        return start(config, AccessLog.LOGGER_SINK);
    }

    /** Starts a balancer whose access lines (when on) go to {@code accessSink}. */
    static Standalone start(JlbConfig config, Consumer<String> accessSink) throws Exception {
        Objects.requireNonNull(config, "config");
        Standalone s;
        try {
            s = new Standalone(config, accessSink);
        } catch (TlsFileException e) {
            throw new IllegalStateException("server.tls." + e, e);
        }
        try {
            // Jetty starts a server's beans (its thread pool, the router, then this one) before its
            // connectors: the routes start, the port is bound and "listening" is logged before the
            // connector accepts the first connection. A port that accepts serves every route.
            s.server.addBean(s.new RoutesFirst(), true);
            s.server.start();
            if (config.admin().enabled()) {
                s.admin = AdminListener.start(config.admin(), s::loadBalancers, s::warnings);
            }
            s.listeners.scheduleTlsReload(s.server, s.maintenance);
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Starts the routes, then binds the port and logs it; runs inside {@code server.start()}. */
    private final class RoutesFirst extends AbstractLifeCycle {
        @Override
        protected void doStart() throws Exception {
            synchronized (Standalone.this) {
                List<Router.Route> active = new ArrayList<>();
                for (RouteConfig route : config.routes()) {
                    RouteRuntime rt = factory.start(route, config.server(), null);
                    routes.put(route.path(), rt);
                    active.add(rt.route());
                }
                router.setRoutes(active);
                engine.setRoutes(routes.values().stream().map(RouteRuntime::engineRoute).toList());
            }
            // Connections wait in the accept queue until the connector starts, after this.
            listeners.open();
            logStarted();
        }
    }

    private void refused(ProxyRecord r) {
        if (accessLogOn) {
            accessLog.onComplete(r);
        }
    }

    /** The port the balancer listens on (the OS's choice when configured as 0). */
    int port() {
        return listeners.port();
    }

    /** The HTTPS port ({@link #port()} when {@code server.port} is HTTPS), or -1 without TLS. */
    int tlsPort() {
        return listeners.tlsPort();
    }

    /**
     * Reads the listener's certificates again if their files changed (the timer of
     * {@code server.tls.reload_interval} calls it too).
     *
     * @return whether new handshakes get new certificates
     */
    boolean reloadTls() {
        return listeners.reloadTls();
    }

    /** What the status page shows above the routes: routes whose backends' certificates are not verified. */
    synchronized List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (RouteRuntime rt : routes.values()) {
            if (rt.options().backendTls().insecure()) {
                out.add("route " + rt.config().path() + ": backend_tls.insecure is on: backends' certificates are NOT "
                        + "verified (anyone on the path can read and change this route's traffic)");
            }
        }
        return out;
    }

    String address() {
        String host = listeners.main().getHost();
        return host == null ? "0.0.0.0" : host;
    }

    synchronized JlbConfig config() {
        return config;
    }

    /** Every route's load balancer, in route order. */
    synchronized List<LoadBalancer> loadBalancers() {
        return routes.values().stream().map(RouteRuntime::loadBalancer).toList();
    }

    /** The admin listener's port, or -1 without one. */
    int adminPort() {
        AdminListener a = admin;
        return a == null ? -1 : a.port();
    }

    /** The load balancer of a route, by path. */
    synchronized LoadBalancer loadBalancer(String path) {
        RouteRuntime rt = routes.get(path);
        return rt == null ? null : rt.loadBalancer();
    }

    /**
     * Applies a new configuration to the running balancer (see the class comment).
     *
     * @return one line per change applied, empty when nothing changed
     * @throws Exception when a new route or handler cannot start: the handlers this call started are
     *     stopped and the running routes stay (with the backend, strategy and health changes already
     *     applied to their load balancers)
     */
    synchronized List<String> apply(JlbConfig next) throws Exception {
        Objects.requireNonNull(next, "next");
        ReloadPlan plan = new ReloadPlan();
        ServerConfig applied = plan.server(config.server(), next.server(), listeners);
        accessLogOn = applied.accessLog();
        threads.setMaxThreads(Math.max(threads.getMaxThreads(), poolSize(next.routes().size())));
        plan.routes(routes, next.routes(), applied, factory);
        if (!next.admin().equals(config.admin())) {
            LOG.warn("admin: {} -> {} needs a restart; keeping {}", config.admin(), next.admin(), config.admin());
        }
        config = new JlbConfig(applied, next.routes(), config.admin());
        router.setRoutes(plan.kept.values().stream().map(RouteRuntime::route).toList());
        engine.setRoutes(plan.kept.values().stream().map(RouteRuntime::engineRoute).toList());
        routes.clear();
        routes.putAll(plan.kept);
        AdminListener a = admin;
        if (a != null) {
            a.sync();
        }
        Duration grace = applied.shutdownGracePeriod();
        for (RouteRuntime old : plan.retired) {
            LoadBalancer close = plan.toClose.contains(old.loadBalancer()) ? old.loadBalancer() : null;
            factory.retire(old.route().handler(), old.engineRoute(), close, grace);
        }
        return plan.changes;
    }

    /**
     * Stops gracefully: stops accepting connections, lets requests in flight finish for at most
     * {@code grace}, then stops everything. Idempotent.
     */
    void shutdown(Duration grace) {
        long started = System.nanoTime();
        // 1. Stop accepting and let the routes' requests in flight finish, for at most the grace period.
        try {
            CompletableFuture<Void> drained = Graceful.shutdown(server);
            if (grace.isZero()) {
                drained.cancel(false);
            } else {
                drained.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            long left = inFlight();
            if (left > 0) {
                LOG.warn("{} requests still in flight after {}; stopping them", left, DurationFormat.format(grace));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.debug("graceful shutdown failed", e.getCause());
        }
        // 2. The routes' clients run on the server's threads: stop them before the server.
        AdminListener a = admin;
        if (a != null) {
            a.close();
        }
        stopRoutes();
        server.setStopTimeout(0);
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the server failed", e);
        }
        maintenance.shutdown();
        if (accessLines != null) {
            accessLines.close();
        }
        LOG.info("stopped in {}ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private synchronized long inFlight() {
        return engine.inFlight()
                + routes.values().stream().mapToLong(rt -> rt.route().handler().getCurrentRequestCount()).sum();
    }

    private synchronized void stopRoutes() {
        for (RouteRuntime rt : routes.values()) {
            try {
                rt.route().handler().stop();
            } catch (Exception e) {
                LOG.debug("stopping route {} failed", rt.config().path(), e);
            }
            rt.loadBalancer().close();
        }
        routes.clear();
    }

    /** Stops at once (no grace). */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    private void logStarted() {
        ServerConfig s = config().server();
        LOG.info("jlb listening on {} ({} threads, {} selector{}{})", listeners.describe(address()),
                threads.getMaxThreads(), selectors, selectors == 1 ? "" : "s", s.accessLog() ? ", access log on" : "");
        synchronized (this) {
            for (RouteRuntime rt : routes.values()) {
                LOG.info("route {}: {}", rt.config().path(), rt.config().summary());
            }
        }
    }

    @Override
    public String toString() {
        return "Standalone{" + listeners.describe(address()) + ", " + router + '}';
    }
}
