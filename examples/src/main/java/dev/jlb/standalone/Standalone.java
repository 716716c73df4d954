package dev.jlb.standalone;

import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.Ticker;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.config.ConfigBinder;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.jetty.config.RouteDiff;
import dev.jlb.jetty.config.ServerConfig;
import dev.jlb.jetty.tls.BackendTls;
import dev.jlb.jetty.tls.ServerTlsContext;
import dev.jlb.jetty.tls.TlsFileException;
import dev.jlb.jetty.engine.EngineRoute;
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
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
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
 * <p>Thread-safe: reloads are serialized.
 */
final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final Server server;
    private final QueuedThreadPool threads;
    private final Listeners listeners;
    /** The lean data path, first on the cleartext connectors; routes with {@code data_path: jetty} fall through it. */
    private final HttpEngine engine;
    private final Router router;
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

    /** What runs one route. */
    private record RouteRuntime(RouteConfig config, LoadBalancer loadBalancer, ProxyOptions options,
            boolean accessLog, Router.Route route, EngineRoute engineRoute) {
    }

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
                    RouteRuntime rt = startRoute(route, config.server(), null);
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

    /** A route's proxy options: the file's, plus the access log when the server has it on. */
    private ProxyOptions proxyOptions(RouteConfig route, ServerConfig s) {
        return s.accessLog() ? route.proxy().toBuilder().listener(accessLog).build() : route.proxy();
    }

    private RouteRuntime startRoute(RouteConfig route, ServerConfig s, LoadBalancer existing) throws Exception {
        LoadBalancer lb = existing != null ? existing : ConfigBinder.loadBalancer(route).build();
        try {
            ProxyOptions options = proxyOptions(route, s);
            BackendTls tls = options.backendTls();
            if (tls.insecure()) {
                LOG.warn("route {}: backend_tls.insecure is on: backends' certificates are NOT verified; use it for "
                        + "test rigs only", route.path());
            }
            tls.warnings().forEach(w -> LOG.warn("route {}: backend_tls.{}", route.path(), w));
            LoadBalancingHandler handler = new ProxyHandler(lb, options);
            Router.Retirable retirable = router.new Retirable(handler);
            retirable.setServer(server);
            retirable.start();
            // Hedged requests run on the Jetty path's attempt loop; the engine does not hedge.
            boolean engine = options.dataPath() == ProxyOptions.DataPath.ENGINE && !options.retry().hedges();
            if (options.dataPath() == ProxyOptions.DataPath.ENGINE && !engine) {
                LOG.info("route {}: retry.hedge_after: served by the jetty data path (the engine does not hedge)",
                        route.path());
            }
            EngineRoute engineRoute = engine ? new EngineRoute(lb, options) : EngineRoute.jetty(route.path());
            return new RouteRuntime(route, lb, options, s.accessLog(), new Router.Route(route, retirable), engineRoute);
        } catch (Exception e) {
            if (existing == null) {
                lb.close();
            }
            throw e;
        }
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
        List<String> changes = new ArrayList<>();
        ServerConfig now = config.server();
        ServerConfig wanted = next.server();
        warnIfChanged(changes, "server.address", now.address(), wanted.address());
        warnIfChanged(changes, "server.port", now.port(), wanted.port());
        warnIfChanged(changes, "server.threads", now.threads(), wanted.threads());
        warnIfChanged(changes, "server.selectors", now.selectors(), wanted.selectors());
        warnIfChanged(changes, "server.accept_queue", now.acceptQueue(), wanted.acceptQueue());
        warnIfChanged(changes, "server.header_timeout", now.headerTimeout(), wanted.headerTimeout());
        warnIfChanged(changes, "server.h2c", now.h2c(), wanted.h2c());
        if (!java.util.Objects.equals(now.tls(), wanted.tls())) {
            LOG.warn("server.tls: changed; needs a restart (certificate files are reloaded when they change)");
        }
        if (!now.idleTimeout().equals(wanted.idleTimeout())) {
            listeners.setIdleTimeout(wanted.idleTimeout().toMillis());
            changes.add("server.idle_timeout: " + DurationFormat.format(wanted.idleTimeout()));
        }
        // What can change while running is taken; what cannot stays as it runs.
        ServerConfig applied = new ServerConfig(now.address(), now.port(), now.threads(), now.selectors(),
                now.acceptQueue(), wanted.idleTimeout(), wanted.maxConnectionsPerBackend(),
                wanted.maxRequestsQueuedPerBackend(), wanted.shutdownGracePeriod(), wanted.accessLog(),
                now.headerTimeout(), wanted.maxResponseHeaderSize(), now.tls(), now.h2c());
        if (wanted.accessLog() != now.accessLog()) {
            changes.add("server.access_log: " + wanted.accessLog());
        }
        accessLogOn = wanted.accessLog();
        if (!wanted.shutdownGracePeriod().equals(now.shutdownGracePeriod())) {
            changes.add("server.shutdown_grace_period: " + DurationFormat.format(wanted.shutdownGracePeriod()));
        }
        threads.setMaxThreads(Math.max(threads.getMaxThreads(), poolSize(next.routes().size())));

        Map<String, RouteRuntime> kept = new LinkedHashMap<>();
        List<RouteRuntime> retired = new ArrayList<>();
        List<LoadBalancer> toClose = new ArrayList<>();
        try {
            for (RouteConfig route : next.routes()) {
                RouteRuntime old = routes.get(route.path());
                if (old == null) {
                    kept.put(route.path(), startRoute(route, applied, null));
                    changes.add("route " + route.path() + ": added, " + route.summary());
                    continue;
                }
                if (!old.config().name().equals(route.name())
                        || !old.config().overload().equals(route.overload())) {
                    kept.put(route.path(), startRoute(route, applied, null));
                    retired.add(old);
                    toClose.add(old.loadBalancer());
                    changes.add("route " + route.path() + ": " + (old.config().name().equals(route.name())
                            ? "overload limits " + route.overload() + " (a new load balancer)"
                            : "renamed " + old.config().name() + " -> " + route.name()));
                    continue;
                }
                RouteDiff diff = RouteDiff.of(old.config(), route);
                diff.applyTo(old.loadBalancer());
                if (diff.proxyChanged() || old.accessLog() != applied.accessLog()) {
                    kept.put(route.path(), startRoute(route, applied, old.loadBalancer()));
                    retired.add(old);
                } else {
                    kept.put(route.path(), new RouteRuntime(route, old.loadBalancer(), old.options(), old.accessLog(),
                            new Router.Route(route, old.route().handler()), old.engineRoute()));
                }
                if (!diff.changes().isEmpty()) {
                    changes.add("route " + route.path() + ": " + String.join(", ", diff.changes()));
                }
            }
        } catch (Exception | Error e) {
            // Undo this reload's new handlers (and load balancers); the running routes are untouched.
            for (RouteRuntime rt : kept.values()) {
                RouteRuntime old = routes.get(rt.config().path());
                if (old == null || old.route().handler() != rt.route().handler()) {
                    stopQuietly(rt.route().handler());
                    if (old == null || old.loadBalancer() != rt.loadBalancer()) {
                        rt.loadBalancer().close();
                    }
                }
            }
            throw e;
        }
        for (RouteRuntime old : routes.values()) {
            if (!kept.containsKey(old.config().path())) {
                retired.add(old);
                toClose.add(old.loadBalancer());
                changes.add("route " + old.config().path() + ": removed");
            }
        }
        if (!next.admin().equals(config.admin())) {
            LOG.warn("admin: {} -> {} needs a restart; keeping {}", config.admin(), next.admin(), config.admin());
        }
        config = new JlbConfig(applied, next.routes(), config.admin());
        router.setRoutes(kept.values().stream().map(RouteRuntime::route).toList());
        engine.setRoutes(kept.values().stream().map(RouteRuntime::engineRoute).toList());
        routes.clear();
        routes.putAll(kept);
        AdminListener a = admin;
        if (a != null) {
            a.sync();
        }
        Duration grace = applied.shutdownGracePeriod();
        for (RouteRuntime old : retired) {
            LoadBalancer close = toClose.contains(old.loadBalancer()) ? old.loadBalancer() : null;
            retire(old.route().handler(), old.engineRoute(), close, grace);
        }
        return changes;
    }

    private static void stopQuietly(Router.Retirable handler) {
        try {
            handler.stop();
        } catch (Exception e) {
            LOG.debug("stopping a handler failed", e);
        }
    }

    private static void warnIfChanged(List<String> changes, String key, Object now, Object wanted) {
        if (!now.equals(wanted)) {
            LOG.warn("{}: {} -> {} needs a restart; keeping {}", key, now, wanted, now);
        }
    }

    /** Stops a replaced handler once its requests are done (or the grace period is over). */
    private void retire(Router.Retirable handler, EngineRoute engineRoute, LoadBalancer close, Duration grace) {
        CompletableFuture<Void> drained;
        try {
            drained = CompletableFuture.allOf(handler.shutdown(), engineRoute.shutdown());
        } catch (RuntimeException e) {
            drained = CompletableFuture.failedFuture(e);
        }
        drained.orTimeout(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS).whenCompleteAsync((v, x) -> {
            if (x != null) {
                LOG.warn("a replaced route still had {} requests in flight after {}; stopping it",
                        handler.getCurrentRequestCount() + engineRoute.inFlight(), DurationFormat.format(grace));
            }
            try {
                handler.stop();
            } catch (Exception e) {
                LOG.warn("stopping a replaced route failed", e);
            }
            if (close != null) {
                close.close();
            }
        }, maintenance);
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

    /**
     * The route handler: as nginx does by default, the backend's {@code Date} and {@code Server}
     * headers do not reach clients (jlb's own {@code Date} does; it sends no {@code Server}).
     */
    private static final class ProxyHandler extends LoadBalancingHandler {
        ProxyHandler(LoadBalancer lb, ProxyOptions options) {
            super(lb, options);
        }

        @Override
        protected HttpField filterResponseHeader(HttpField field) {
            HttpHeader header = field.getHeader();
            return header == HttpHeader.DATE || header == HttpHeader.SERVER ? null : field;
        }
    }

    @Override
    public String toString() {
        return "Standalone{" + listeners.describe(address()) + ", " + router + '}';
    }
}
