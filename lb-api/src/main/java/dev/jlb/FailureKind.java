package dev.jlb;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Why a request to a backend failed; statistics, passive health and retries count each kind.
 *
 * <p>{@link #of(Throwable)} and {@link #describe(Throwable)} read one table, so a failure's kind and
 * the words that logs show for it never disagree.
 */
public enum FailureKind {
    /** The connection could not be opened (refused, unreachable, unresolvable): the backend never saw the request. */
    CONNECT,
    /** The backend did not answer in time. */
    TIMEOUT,
    /** The connection failed after it was opened, before a complete response (reset, closed early). */
    RESET,
    /** The backend answered with a status counted as a failure (5xx by default). */
    STATUS,
    /** Anything else. */
    OTHER;

    /** Causes followed at most: a chain that loops back on itself must not hang the caller. */
    private static final int MAX_DEPTH = 32;
    private static final String RESET_MESSAGE = "connection reset";

    /** A row of the table: what a known exception means. */
    private enum Cause {
        CONNECT_TIMEOUT(FailureKind.CONNECT, "connect timeout"),
        TIMEOUT(FailureKind.TIMEOUT, "timeout"),
        REFUSED(FailureKind.CONNECT, "connection refused"),
        NO_ROUTE(FailureKind.CONNECT, "no route to host"),
        UNKNOWN_HOST(FailureKind.CONNECT, "unknown host"),
        /** The peer closed the connection before a complete answer. */
        CLOSED(FailureKind.RESET, "connection closed"),
        /** The TLS handshake failed: the backend never saw the request (described by its message). */
        TLS_HANDSHAKE(FailureKind.CONNECT, null),
        /** Any other socket error after the connection opened, described by its own message. */
        SOCKET(FailureKind.RESET, null),
        CANCELLED(FailureKind.OTHER, "cancelled");

        final FailureKind kind;
        final String description;

        Cause(FailureKind kind, String description) {
            this.kind = kind;
            this.description = description;
        }
    }

    /**
     * Classifies a transport exception: the first exception of its cause chain that jlb knows
     * decides (a connect failure, a timeout, a reset or early close, ...); wrappers such as
     * {@link CompletionException} are looked through. {@link #OTHER} for anything else and for null.
     *
     * @param failure the failure
     * @return the failure kind
     */
    public static FailureKind of(Throwable failure) {
        Throwable known = firstKnown(failure);
        if (known != null) {
            return causeOf(known).kind;
        }
        return mentionsReset(failure) ? RESET : OTHER;
    }

    /**
     * The failure in a few words for logs, events and error answers, from the same classification as
     * {@link #of(Throwable)}: {@code connection refused}, {@code connect timeout}, {@code timeout},
     * {@code connection closed}, {@code connection reset}, ...; else the exception's simple class
     * name and message.
     *
     * @param failure the failure
     * @return the string
     */
    public static String describe(Throwable failure) {
        Throwable known = firstKnown(failure);
        if (known != null) {
            Cause cause = causeOf(known);
            if (cause.description != null) {
                return cause.description;
            }
            String message = known.getMessage();
            if (cause == Cause.TLS_HANDSHAKE) {
                return "TLS handshake failed" + (message == null ? "" : ": " + message);
            }
            return message == null ? "connection error" : message.toLowerCase(Locale.ROOT);
        }
        if (mentionsReset(failure)) {
            return RESET_MESSAGE;
        }
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t == null ? null : t.getMessage();
        return t == null ? "unknown failure" : t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** The first exception of the chain that the table knows, or null. */
    private static Throwable firstKnown(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (causeOf(t) != null) {
                return t;
            }
        }
        return null;
    }

    private static Cause causeOf(Throwable t) {
        if (t instanceof HttpConnectTimeoutException) {
            return Cause.CONNECT_TIMEOUT;
        }
        if (t instanceof HttpTimeoutException || t instanceof TimeoutException || t instanceof SocketTimeoutException) {
            return Cause.TIMEOUT;
        }
        if (t instanceof ConnectException) {
            return lowerMessage(t).contains("timed out") ? Cause.CONNECT_TIMEOUT : Cause.REFUSED;
        }
        if (t instanceof NoRouteToHostException) {
            return Cause.NO_ROUTE;
        }
        if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
            return Cause.UNKNOWN_HOST;
        }
        if (t instanceof EOFException || t instanceof ClosedChannelException) {
            return Cause.CLOSED;
        }
        if (t instanceof javax.net.ssl.SSLHandshakeException) {
            return Cause.TLS_HANDSHAKE;
        }
        if (t instanceof SocketException) {
            return Cause.SOCKET;
        }
        if (t instanceof CancellationException) {
            return Cause.CANCELLED;
        }
        return null;
    }

    /** Whether an exception of the chain says "connection reset" (an {@code IOException} from a socket read, say). */
    private static boolean mentionsReset(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (lowerMessage(t).contains(RESET_MESSAGE)) {
                return true;
            }
        }
        return false;
    }

    private static String lowerMessage(Throwable t) {
        String message = t.getMessage();
        return message == null ? "" : message.toLowerCase(Locale.ROOT);
    }
}
