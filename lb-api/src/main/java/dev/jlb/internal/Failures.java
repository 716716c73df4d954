package dev.jlb.internal;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
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

/** Describes a transport failure in a few words for logs and events. Internal. */
public final class Failures {
    private Failures() {
    }

    /** {@code connection refused}, {@code connect timeout}, {@code connection reset}, ... */
    public static String describe(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof HttpConnectTimeoutException) {
                return "connect timeout";
            }
            if (c instanceof HttpTimeoutException || c instanceof TimeoutException
                    || c instanceof SocketTimeoutException) {
                return "timeout";
            }
            if (c instanceof ConnectException) {
                String message = c.getMessage();
                if (message != null && message.toLowerCase(Locale.ROOT).contains("timed out")) {
                    return "connect timeout";
                }
                return "connection refused";
            }
            if (c instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (c instanceof EOFException || c instanceof ClosedChannelException) {
                return "connection closed";
            }
            if (c instanceof java.net.SocketException) {
                String message = c.getMessage();
                return message == null ? "connection error" : message.toLowerCase(Locale.ROOT);
            }
            if (c instanceof CancellationException) {
                return "cancelled";
            }
        }
        String message = t.getMessage();
        if (message != null && message.toLowerCase(Locale.ROOT).contains("connection reset")) {
            return "connection reset";
        }
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
