package dev.jlb.standalone;

import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.RefusedRecord;
import dev.jlb.jetty.config.RouteConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to the route with the longest path prefix that matches it, or answers 404. The
 * path matched is the one the backend receives ({@link RouteConfig#matchesTarget}).
 *
 * <p>The routes are an immutable array swapped atomically by {@link #setRoutes} (a reload); the
 * request path reads it once. Each route's handler sits in a {@link GracefulHandler} that counts its
 * requests in flight, so that a route replaced by a reload can be stopped once its last request is
 * done; a request that reached a route just as it was being retired is dispatched again to the
 * current routes rather than refused. The route handlers are beans of this router (so that the
 * server's graceful stop waits for them) but their life cycle is the {@link Standalone}'s.
 */
final class Router extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private static final Comparator<Route> LONGEST_PATH_FIRST =
            Comparator.comparingInt((Route r) -> r.config().path().length()).reversed();

    /** One route as the router sees it. */
    record Route(RouteConfig config, Retirable handler) {
        Route {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(handler, "handler");
        }
    }

    private volatile Route[] routes = new Route[0];
    /** Told of each 404 this router answers (the access log), or null. */
    private final ProxyListener refusals;

    /** Non-blocking, as its routes' {@code LoadBalancingHandler}s: Jetty then runs requests on the I/O threads. */
    Router() {
        this(null);
    }

    /** A router that reports each request no route takes (its 404) to {@code refusals}, which may be null. */
    Router(ProxyListener refusals) {
        super(InvocationType.NON_BLOCKING);
        this.refusals = refusals;
    }

    /** Replaces the routes at once; requests already dispatched finish where they are. */
    synchronized void setRoutes(List<Route> next) {
        Route[] sorted = next.toArray(new Route[0]);
        Arrays.sort(sorted, LONGEST_PATH_FIRST);
        for (Route r : routes) {
            removeBean(r.handler());
        }
        for (Route r : sorted) {
            addBean(r.handler(), false);
        }
        routes = sorted;
    }

    List<Route> routes() {
        return List.of(routes);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        String rawPath = request.getHttpURI().getPath();
        Route[] current = routes;
        while (true) {
            Route match = null;
            for (Route route : current) {
                if (route.config().matchesTarget(rawPath)) {
                    match = route;
                    break;
                }
            }
            if (match == null) {
                notFound(path, request, response, callback);
                return true;
            }
            if (match.handler().handle(request, response, callback)) {
                return true;
            }
            // A route's handler declines a request only once it is stopped: a reload retired it
            // after this request read the routes. Go again with the routes that replaced it.
            Route[] next = routes;
            if (next == current) {
                return false;
            }
            current = next;
        }
    }

    private void notFound(String path, Request request, Response response, Callback callback) {
        byte[] body = ("not found: no route matches " + path + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpStatus.NOT_FOUND_404);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (refusals != null) {
            report(refusals, request, HttpStatus.NOT_FOUND_404, body.length);
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Reports an answer jlb wrote itself for {@code request} (no route took it) to {@code listener}. */
    static void report(ProxyListener listener, Request request, int status, long bodyBytes) {
        try {
            HttpURI uri = request.getHttpURI();
            String method = request.getMethod();
            listener.onComplete(new RefusedRecord(method == null ? "-" : method,
                    uri == null || uri.getPath() == null ? "-" : uri.getPath(), uri == null ? null : uri.getQuery(),
                    Request.getRemoteAddr(request), status, bodyBytes,
                    System.nanoTime() - request.getBeginNanoTime()));
        } catch (RuntimeException e) {
            LOG.warn("jlb: reporting a {} failed", status, e);
        }
    }

    /**
     * A route's handler that can be retired: after {@code shutdown()}, a request that still reaches
     * it goes back through the router to the current routes.
     */
    final class Retirable extends GracefulHandler {
        Retirable(Handler handler) {
            super(handler);
        }

        @Override
        protected void handleShutdownRejection(Request request, Response response, Callback callback) {
            for (Route r : routes) {
                if (r.handler() == this) {
                    // Still a current route: the whole server is stopping.
                    super.handleShutdownRejection(request, response, callback);
                    return;
                }
            }
            try {
                if (!Router.this.handle(request, response, callback)) {
                    notFound(Request.getPathInContext(request), request, response, callback);
                }
            } catch (Throwable x) {
                callback.failed(x);
            }
        }
    }

    @Override
    public String toString() {
        return "Router" + Arrays.stream(routes).map(r -> r.config().path()).toList();
    }
}
