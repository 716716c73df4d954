package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import java.time.Duration;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.internal.HttpConnectionOverHTTP;

/**
 * Stale keep-alive connections: a backend closes a connection it kept idle (its keep-alive timeout)
 * just as jlb sends a request on it, and the request fails before any response byte. That says
 * nothing about the backend, so the request is sent again, on a new connection, to the same backend
 * (as nginx does), without counting a failure or using an attempt of the retry policy: for
 * idempotent methods (or any method when the policy retries non-idempotent ones) whose body can be
 * replayed, at most {@value #MAX_RETRIES} times per request.
 *
 * <p>A connection is known to be reused when a response was already received on it (Jetty's HTTP/1.1
 * client connection counts them; its pool owns the connection's attachment, so jlb marks nothing).
 *
 * <p>To make the race rare, connections idle in the pool are closed after
 * {@link #POOL_IDLE_TIMEOUT} (or the route's idle timeout, if shorter): below the 5 s keep-alive of
 * Node.js and Apache httpd, the shortest common backend defaults (nginx keeps 75 s, Go's net/http
 * and Jetty 30 s or more).
 */
final class StaleConnections {

    /** How many times one request is sent again after stale connections. */
    static final int MAX_RETRIES = 2;

    /** How long a connection may stay idle in a proxy client's pool. */
    static final Duration POOL_IDLE_TIMEOUT = Duration.ofSeconds(4);

    private StaleConnections() {
    }

    /** Whether the request went on a connection on which an earlier response was received. */
    static boolean reused(Request request) {
        return request.getConnection() instanceof HttpConnectionOverHTTP c && c.getMessagesIn() > 0;
    }

    /** Whether the failure is the connection closing before any byte of the response. */
    static boolean isStale(Throwable failure, Response response) {
        if (response != null && response.getStatus() != 0) {
            return false; // a status line arrived
        }
        return FailureKind.of(failure) == FailureKind.RESET;
    }

    /** A new selection of the same backend if it is still eligible, else null. */
    static Selection sameBackend(LoadBalancer loadBalancer, RequestContext context, Backend backend) {
        try {
            Selection s = loadBalancer.selectPreferring(context, backend);
            if (s.backend().equals(backend)) {
                return s;
            }
            s.close();
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The pool idle timeout of a client for {@code options}. */
    static long poolIdleMillis(ProxyOptions options) {
        return Math.min(options.idleTimeout().toMillis(), POOL_IDLE_TIMEOUT.toMillis());
    }
}
