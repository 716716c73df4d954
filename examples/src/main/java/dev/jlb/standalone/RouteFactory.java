package dev.jlb.standalone;

import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.config.ConfigBinder;
import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.jetty.config.ServerConfig;
import dev.jlb.jetty.engine.EngineRoute;
import dev.jlb.jetty.tls.BackendTls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the routes of a {@link Standalone} and takes replaced ones down: a route's load balancer
 * (unless it keeps one), its proxy options (with the access log while it is on), its handler in the
 * {@link Router} and its route in the engine; a replaced route's handler is stopped once drained.
 *
 * <p>Threading: {@link #start} is called by the balancer holding its lock (at start and on a
 * reload); {@link #retire} returns at once and stops the handler on the maintenance thread.
 */
final class RouteFactory {

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final Server server;
    private final Router router;
    private final AccessLog accessLog;
    private final Executor maintenance;

    RouteFactory(Server server, Router router, AccessLog accessLog, Executor maintenance) {
        this.server = server;
        this.router = router;
        this.accessLog = accessLog;
        this.maintenance = maintenance;
    }

    /** A route's proxy options: the file's, plus the access log when the server has it on. */
    private ProxyOptions proxyOptions(RouteConfig route, ServerConfig s) {
        return s.accessLog() ? route.proxy().toBuilder().listener(accessLog).build() : route.proxy();
    }

    /**
     * Starts a route's handler on {@code existing}, or on a new load balancer when null (closed
     * again when the handler cannot start).
     */
    RouteRuntime start(RouteConfig route, ServerConfig s, LoadBalancer existing) throws Exception {
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

    /** Stops a handler this reload started, when the reload fails. */
    static void stopQuietly(Router.Retirable handler) {
        try {
            handler.stop();
        } catch (Exception e) {
            LOG.debug("stopping a handler failed", e);
        }
    }

    /** Stops a replaced handler once its requests are done (or the grace period is over). */
    void retire(Router.Retirable handler, EngineRoute engineRoute, LoadBalancer close, Duration grace) {
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
}
