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
        REFUSED
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

    /** {@return response body bytes sent to the client} */
    long responseBytes();

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
