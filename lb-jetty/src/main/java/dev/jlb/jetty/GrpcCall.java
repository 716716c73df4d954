package dev.jlb.jetty;

import dev.jlb.RetryPolicy;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;

/**
 * The gRPC rules of one proxied call (a request whose {@code Content-Type} is
 * {@code application/grpc} or {@code application/grpc+...}): its deadline, when it may be retried,
 * and the status jlb answers with when it cannot reach a backend.
 *
 * <ul>
 *   <li><b>Deadline.</b> A valid {@code grpc-timeout} header replaces the route's attempt and total
 *       timeouts: every attempt must have response headers before the call's deadline (counted from
 *       the request's arrival); none starts after it. The header is passed on unchanged, so the
 *       backend enforces the deadline too.</li>
 *   <li><b>Retries.</b> A call is retried, within the route's retry policy (attempts, budget, buffer
 *       limit), only when it cannot have taken effect twice: it never reached a backend (connect
 *       failure), or the backend answered {@code UNAVAILABLE} (14) before any response message, in
 *       a trailers-only response. And only while the call can be replayed exactly: nothing of its
 *       body was read yet, or the client has sent its whole body and it is one message (a unary or
 *       server-streaming call). A client- or bidirectional-streaming call is never retried once its
 *       first message went to a backend; neither is any call once response headers went to the
 *       client.</li>
 *   <li><b>Local replies.</b> What jlb would answer with 502, 503 or 504 goes to a gRPC client as a
 *       trailers-only response (HTTP 200) with {@code grpc-status} 14 ({@code UNAVAILABLE}), or 4
 *       ({@code DEADLINE_EXCEEDED}) for a timeout, and the reason as {@code grpc-message}, as Envoy
 *       does: gRPC clients read the status, not the HTTP code.</li>
 * </ul>
 *
 * <p>Kept apart from {@link ProxyExchange}, which calls it at three points. Immutable.
 */
final class GrpcCall {

    static final int DEADLINE_EXCEEDED = 4;
    static final int UNAVAILABLE = 14;

    /** The longest {@code grpc-timeout} value: eight digits. */
    private static final int MAX_TIMEOUT_DIGITS = 8;

    /** The call's deadline as {@link System#nanoTime()}, or {@link Long#MIN_VALUE} without a {@code grpc-timeout}. */
    private final long deadlineNanos;

    private GrpcCall(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * The gRPC call of a request, or null when it is not one.
     *
     * @param contentType the request's {@code Content-Type}
     * @param grpcTimeout its {@code grpc-timeout} header, or null
     * @param startNanos when the request arrived
     */
    static GrpcCall of(String contentType, String grpcTimeout, long startNanos) {
        if (!isGrpc(contentType)) {
            return null;
        }
        long timeout = timeoutNanos(grpcTimeout);
        return new GrpcCall(timeout < 0 ? Long.MIN_VALUE : startNanos + timeout);
    }

    /** Whether a {@code Content-Type} is gRPC's: {@code application/grpc} or {@code application/grpc+<codec>}. */
    static boolean isGrpc(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
            return false;
        }
        if (contentType.length() == 16) {
            return true;
        }
        char next = contentType.charAt(16);
        return next == '+' || next == ';';
    }

    /**
     * A {@code grpc-timeout} value in nanoseconds: up to eight digits and a unit ({@code H}, {@code M},
     * {@code S}, {@code m}, {@code u}, {@code n}); -1 when absent or malformed (then the route's
     * timeouts apply, as when the client set no deadline).
     */
    static long timeoutNanos(String value) {
        if (value == null) {
            return -1;
        }
        String v = value.strip();
        int digits = v.length() - 1;
        if (digits < 1 || digits > MAX_TIMEOUT_DIGITS) {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < digits; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            amount = amount * 10 + (c - '0');
        }
        TimeUnit unit;
        switch (v.charAt(digits)) {
            case 'H': return TimeUnit.HOURS.toNanos(amount);
            case 'M': return TimeUnit.MINUTES.toNanos(amount);
            case 'S': unit = TimeUnit.SECONDS; break;
            case 'm': unit = TimeUnit.MILLISECONDS; break;
            case 'u': unit = TimeUnit.MICROSECONDS; break;
            case 'n': unit = TimeUnit.NANOSECONDS; break;
            default: return -1;
        }
        return unit.toNanos(amount);
    }

    /** Whether the client gave a deadline. */
    boolean hasDeadline() {
        return deadlineNanos != Long.MIN_VALUE;
    }

    /** The deadline ({@link System#nanoTime()}); only with {@link #hasDeadline()}. */
    long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * Whether the call may go to another backend after this answer: a trailers-only response (its
     * headers hold {@code grpc-status}) with {@code UNAVAILABLE}, attempts left, and the call replayable.
     */
    boolean retryableAnswer(int status, HttpFields headers, RetryPolicy retry, int attempts, ReplayableBody body) {
        return status == HttpStatus.OK_200 && attempts < retry.maxAttempts() && retry.retries()
                && grpcStatus(headers) == UNAVAILABLE && replayable(body);
    }

    /**
     * Whether a call (null: not gRPC) may be retried after an answer with {@code status}, given
     * what the retry policy alone says ({@code policy}): a gRPC {@code UNAVAILABLE} answer by
     * {@link #retryableAnswer}, else the policy's verdict, only while the call is {@link #replayable}.
     */
    static boolean allowsStatusRetry(GrpcCall call, boolean policy, int status, HttpFields headers, RetryPolicy retry,
            int attempts, ReplayableBody body) {
        if (call == null) {
            return policy;
        }
        return call.retryableAnswer(status, headers, retry, attempts, body) || (policy && replayable(body));
    }

    /**
     * Whether a call (null: not gRPC) may be retried after a failure the policy would retry: one
     * that never went on a connection ({@code begun} false) always, else only while replayable.
     */
    static boolean allowsFailureRetry(GrpcCall call, boolean begun, ReplayableBody body) {
        return call == null || !begun || replayable(body);
    }

    /** The status a retried answer counts as for the backend: a gRPC 200 (UNAVAILABLE) stands for a 503. */
    static int failureStatus(GrpcCall call, int status) {
        return call != null && status == HttpStatus.OK_200 ? HttpStatus.SERVICE_UNAVAILABLE_503 : status;
    }

    /**
     * When the response headers must have arrived: a call's deadline, or {@code otherwise} (the
     * start plus the total timeout) when it is none or has none.
     */
    static long deadline(GrpcCall call, long otherwise) {
        return call != null && call.hasDeadline() ? call.deadlineNanos() : otherwise;
    }

    /**
     * An attempt's expiry: with a deadline only the deadline ({@code remaining} of it), else the
     * attempt timeout within {@code remaining}.
     */
    static long attemptNanos(GrpcCall call, long attemptTimeoutNanos, long remaining) {
        return call != null && call.hasDeadline() ? remaining : Math.min(attemptTimeoutNanos, remaining);
    }

    /**
     * Whether the call can be sent again exactly and without having taken effect twice through a
     * stream: nothing of the body read yet, or the whole body held and it is one message.
     */
    static boolean replayable(ReplayableBody body) {
        if (body == null || body.bytesRead() == 0) {
            return body == null || body.replayable();
        }
        if (!body.completeAndHeld()) {
            return false; // a stream still open: it may have delivered its first message
        }
        int length = body.heldLength();
        if (length < 5) {
            return false;
        }
        long message = ((long) body.heldByte(1) << 24) | (body.heldByte(2) << 16) | (body.heldByte(3) << 8)
                | body.heldByte(4);
        return 5 + message == length;
    }

    /** The {@code grpc-status} of headers or trailers, or -1 without a valid one. */
    static int grpcStatus(HttpFields fields) {
        String s = fields == null ? null : fields.get("grpc-status");
        if (s == null || s.isEmpty() || s.length() > 2) {
            return -1;
        }
        int code = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    /** The gRPC status of a local reply that would have been {@code httpStatus}. */
    static int localStatus(int httpStatus) {
        return httpStatus == HttpStatus.GATEWAY_TIMEOUT_504 ? DEADLINE_EXCEEDED : UNAVAILABLE;
    }

    /**
     * A {@code grpc-message} value: percent-encoded UTF-8, as the gRPC spec asks (only printable ASCII
     * other than {@code %} passes as is).
     */
    static String message(String reason) {
        StringBuilder out = new StringBuilder(reason.length());
        for (byte b : reason.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return hasDeadline() ? "GrpcCall{deadline}" : "GrpcCall{no deadline}";
    }
}
