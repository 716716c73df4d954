package dev.jlb.jetty.admin;

import java.util.List;

/**
 * An error answer of the admin API, thrown to leave the handling of a request at once: the status,
 * the message of the {@code {"error": ...}} body and, for a 405, the {@code Allow} header and, for a
 * 401, the bearer error of {@code WWW-Authenticate}. {@link AdminServlet} catches it and writes the
 * answer ({@link AdminResponses#sendError}). Also the one home of how an error message shows a value
 * the client sent ({@link #abbreviate}).
 *
 * <p>Immutable, without a stack trace (it is control flow, not a bug); safe on any thread.
 */
final class AdminFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The longest value an error message repeats whole. */
    private static final int SHOWN = 100;

    final int status;
    /** The {@code Allow} header of a 405, or null. */
    final String allow;
    /** The {@code error} of a 401's {@code WWW-Authenticate}, or null. */
    final String bearerError;

    AdminFailure(int status, String message) {
        this(status, message, null, null);
    }

    AdminFailure(int status, String message, String allow, String bearerError) {
        super(message, null, false, false);
        this.status = status;
        this.allow = allow;
        this.bearerError = bearerError;
    }

    /** Refuses (405) a {@code method} that is not one of {@code allowed}, naming them in {@code Allow}. */
    static void allow(String method, String... allowed) {
        for (String m : allowed) {
            if (m.equals(method)) {
                return;
            }
        }
        throw new AdminFailure(405, "method: " + method + " (expected: one of " + List.of(allowed) + ")",
                String.join(", ", allowed), null);
    }

    /** {@code s} as an error message shows it: at most 100 characters, then {@code ...}. */
    static String abbreviate(String s) {
        return s.length() <= SHOWN ? s : s.substring(0, SHOWN) + "...";
    }
}
