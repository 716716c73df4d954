package dev.jlb;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

/** Why a request to a backend failed; statistics and passive health count each kind. */
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

    /** Classifies a transport exception, looking through its causes. */
    public static FailureKind of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return CONNECT;
            }
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException
                    || t instanceof HttpTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return CONNECT;
            }
            if (t instanceof EOFException || t instanceof java.net.SocketException
                    || t instanceof java.nio.channels.ClosedChannelException) {
                return RESET;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return OTHER;
    }
}
