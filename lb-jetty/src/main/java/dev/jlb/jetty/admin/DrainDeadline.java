package dev.jlb.jetty.admin;

import dev.jlb.Backend;
import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.upgrade.UpgradedConnections;
import jakarta.servlet.ServletContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The deadline a drain may give the backend's upgraded connections (WebSockets), which a drain
 * otherwise leaves open: {@code POST .../backends/{id}/drain?websocket_deadline=30s}. Once it has
 * passed, the connections still open are closed, a WebSocket with 1001 "backend drained", unless the
 * backend is no longer drained by then (re-weighted, or removed, which closed them already).
 */
final class DrainDeadline {

    /** The query parameter. */
    static final String PARAMETER = "websocket_deadline";

    private DrainDeadline() {
    }

    /**
     * The deadline in {@code query} (a raw query string, or null), or null when it has none; an
     * {@link IllegalArgumentException} with the error message when it is not a duration {@code >= 0}
     * or is given twice.
     */
    static Duration parse(String query) {
        String found = null;
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                if (!name.equals(PARAMETER)) {
                    continue;
                }
                if (found != null) {
                    throw new IllegalArgumentException(PARAMETER + ": given twice (expected: one value)");
                }
                found = eq < 0 ? "" : decode(pair.substring(eq + 1));
            }
        }
        if (found == null) {
            return null;
        }
        Optional<Duration> deadline = DurationFormat.parse(found);
        String shown = found.length() <= 100 ? found : found.substring(0, 100) + "...";
        if (deadline.isEmpty()) {
            throw new IllegalArgumentException(PARAMETER + ": " + (found.isEmpty() ? "empty" : shown)
                    + " (expected: a duration such as 30s, 500ms or 2m)");
        }
        if (deadline.get().isNegative()) {
            throw new IllegalArgumentException(PARAMETER + ": " + shown + " (expected: >= 0)");
        }
        return deadline.get();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape: left as written, so the error shows it
        }
    }

    /**
     * Sets the deadline for {@code backend}, just drained in {@code lb}, on {@code scheduler};
     * returns how many of its upgraded connections are open now.
     */
    static int schedule(LoadBalancer lb, Backend backend, Duration deadline, Scheduler scheduler) {
        UpgradedConnections connections = UpgradedConnections.of(lb);
        connections.closeAfter(backend, deadline, scheduler,
                () -> lb.pool().find(backend.id()).map(b -> b.weight() == 0).orElse(false));
        return connections.count(backend);
    }

    /** The timer of the server the admin servlet runs in. */
    static Scheduler serverScheduler(ServletContext context) {
        ServletContextHandler handler = ServletContextHandler.getServletContextHandler(context);
        if (handler == null || handler.getServer() == null) {
            throw new IllegalStateException("jlb admin: no Jetty server to schedule a drain deadline on"
                    + " (expected: AdminServlet.setScheduler(...) outside Jetty)");
        }
        return handler.getServer().getScheduler();
    }
}
