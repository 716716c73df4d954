package dev.jlb.jetty;

import dev.jlb.jetty.internal.Retries;
import java.io.IOException;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;

/**
 * A backend answered something a proxy must not relay: the attempt fails with this exception's
 * message as the client's 502 reason. Either jlb aborts the attempt with one (an unasked
 * {@code 101}), or {@link #find} recognises Jetty's own refusal (response headers over the limit).
 */
final class BadResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    private static final int MAX_DEPTH = 8;

    BadResponseException(String reason) {
        super(reason);
    }

    /**
     * The bad response in {@code failure}'s chain, or null: one of ours, or Jetty's parser refusing
     * response headers over {@code maxHeaderSize} (Jetty 12.1 says "Response Header Bytes Too Large",
     * with the response's own status as the code; older versions said 431).
     */
    static BadResponseException find(Throwable failure, int maxHeaderSize) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof BadResponseException bad) {
                return bad;
            }
            if (t instanceof HttpException e && tooLarge(e.getCode(), e.getReason())) {
                return new BadResponseException(Retries.tooLarge(maxHeaderSize));
            }
            if (t instanceof HttpResponseException e && e.getResponse() != null
                    && tooLarge(e.getResponse().getStatus(), e.getResponse().getReason())) {
                return new BadResponseException(Retries.tooLarge(maxHeaderSize));
            }
        }
        return null;
    }

    private static boolean tooLarge(int code, String reason) {
        return code == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431
                || (reason != null && reason.contains("Header Bytes Too Large"));
    }
}
