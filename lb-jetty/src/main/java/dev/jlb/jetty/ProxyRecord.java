package dev.jlb.jetty;

import dev.jlb.Backend;

/**
 * What a {@link ProxyListener} learns about one ended client request. A view valid only during
 * {@link ProxyListener#onComplete(ProxyRecord)}.
 */
public interface ProxyRecord {

    /** How the request ended. */
    enum Outcome {
        /** A backend's response went to the client in full (whatever its status). */
        PROXIED,
        /** No backend was eligible: the client got 503. */
        NO_BACKEND,
        /** Every attempt allowed failed before a response was committed: the client got 502, 503 or 504. */
        FAILED,
        /** The backend failed after the response was committed: the client got a broken response. */
        BROKEN,
        /** The client went away before the response was complete. */
        CLIENT_ABORTED,
        /** jlb itself failed to handle the request (a bug or an exception in a hook): 502 or a broken response. */
        PROXY_ERROR,
        /**
         * jlb answered the request itself without a backend: a method it does not proxy
         * ({@code CONNECT}, {@code TRACE} unless allowed: 405), a target that is not a path or a
         * framing it does not trust (400), or, in a {@link RefusedRecord}, a request no route took
         * (a malformed head, a path no route matches).
         */
        REFUSED,
        /**
         * The backend switched protocols (101: a WebSocket, or another {@code Upgrade} the route
         * allows) and the spliced connection has ended: told once, when both sides are closed, with
         * {@link #upgradeEnd()} saying how, {@link #latencyNanos()} the whole session,
         * {@link #responseBytes()} and {@link #requestBytes()} the bytes relayed after the 101.
         */
        UPGRADED
    }

    /** How an {@link Outcome#UPGRADED upgraded} connection ended: what ended it first. */
    enum UpgradeEnd {
        /** The client sent a WebSocket close frame, closed its connection or failed. */
        CLIENT_CLOSED,
        /** The backend sent a WebSocket close frame, closed its connection or failed. */
        BACKEND_CLOSED,
        /** No byte either way for the route's {@link ProxyOptions#websocketIdleTimeout()}: jlb closed it (1001). */
        IDLE_TIMEOUT,
        /** Its backend was removed from the pool: jlb closed it (1001 "backend removed"). */
        BACKEND_REMOVED,
        /** Its backend was drained with a deadline that passed: jlb closed it (1001 "backend drained"). */
        DRAIN_DEADLINE,
        /** The application closed it ({@link dev.jlb.jetty.upgrade.UpgradedConnections#close}). */
        SHUT_DOWN
    }

    /** {@return the HTTP method} */
    String method();

    /** {@return the request path, without the query} */
    String path();

    /** {@return the query string, or null} */
    String query();

    /**
     * {@return the client's IP address, or null: the connection's peer, or, when the peer is one of
     * the {@link ProxyOptions#trustedProxies()}, the client it forwarded for}
     */
    String clientAddress();

    /**
     * {@return the route's prefix ({@link ProxyOptions#prefix()}), {@code /} when mounted without one, or null
     * when no route took the request ({@link RefusedRecord})}
     */
    String prefix();

    /** {@return the status the client got (0 if none was sent)} */
    int status();

    /**
     * Response body bytes sent to the client; for an {@link Outcome#UPGRADED upgraded} connection, the
     * bytes relayed from the backend to the client after the 101.
     *
     * @return the byte count
     */
    long responseBytes();

    /**
     * For an {@link Outcome#UPGRADED upgraded} connection, the bytes relayed from the client to the
     * backend after the 101; 0 for every other request (request bodies are not counted).
     *
     * @return the byte count
     */
    default long requestBytes() {
        return 0;
    }

    /**
     * The {@code Upgrade} protocol the client asked for ({@code websocket}), or null for a request
     * that did not ask for one.
     *
     * @return the protocol, or null
     */
    default String upgrade() {
        return null;
    }

    /**
     * How an {@link Outcome#UPGRADED upgraded} connection ended, or null for any other outcome.
     *
     * @return how it ended, or null
     */
    default UpgradeEnd upgradeEnd() {
        return null;
    }

    /** {@return the last backend tried, or null when none was selected} */
    Backend backend();

    /** {@return the number of attempts (0 when no backend was selected)} */
    int attempts();

    /**
     * Nanoseconds from the start of the exchange to its end.
     *
     * @return the long
     */
    long latencyNanos();

    /** {@return how it ended} */
    Outcome outcome();

    /**
     * {@return whether the last failed attempt left no retry: attempts ran out, time ran out or no backend was left}
     */
    default boolean retriesExhausted() {
        return outcome() == Outcome.FAILED && attempts() > 0;
    }
}
