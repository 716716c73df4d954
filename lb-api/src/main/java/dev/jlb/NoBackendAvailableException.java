package dev.jlb;

import java.util.Objects;

/**
 * Thrown by {@link LoadBalancer#select(RequestContext)} when no backend is eligible. The message
 * says why; adapters answer the request with 503 and that message.
 *
 * <p>Cheap to create and to throw: it has no stack trace and no suppressed exceptions, so jlb can
 * keep one instance per membership snapshot and throw it on every request while nothing is
 * eligible, without allocating.
 */
public final class NoBackendAvailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why no backend was eligible. */
    public enum Reason {
        /** The pool has no backends. */
        NONE_CONFIGURED,
        /** Every backend with a weight above zero is unhealthy or ejected. */
        ALL_UNHEALTHY,
        /** Every backend has weight zero (drained). */
        ALL_DRAINED,
        /** Every eligible backend was excluded by the caller (all were tried already). */
        ALL_EXCLUDED,
        /** Too few backends are healthy and panic mode is set to fail fast. */
        PANIC,
        /**
         * The route's {@link OverloadProtection} limits leave no backend and its queue is full (or
         * it has none).
         */
        OVERLOADED,
        /** The request waited in the route's queue for {@link OverloadProtection#queueTimeout()}. */
        QUEUE_TIMEOUT
    }

    /** Why no backend was available. */
    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason why no backend was available
     * @param message the short reason for the client and the log
     */
    public NoBackendAvailableException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return why no backend was eligible} */
    public Reason reason() {
        return reason;
    }
}
