package dev.jlb.jetty.internal;

import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyRecord;
import org.slf4j.Logger;

/**
 * The one way every data path tells a route's {@link ProxyListener} that a request ended: an
 * exception it throws is logged (at {@code WARN}, on the caller's logger) and otherwise ignored, as
 * {@link ProxyListener} promises. Not API: it may change in any release.
 *
 * <p>Threading: stateless; called on the thread that finishes the request.
 */
public final class Listeners {

    private Listeners() {
    }

    /**
     * Tells {@code listener}, if there is one, that {@code record}'s request ended.
     *
     * @param listener the route's listener, or {@code null} (then nothing happens)
     * @param record what the listener reads of the request
     * @param log the caller's logger, for a listener that throws
     */
    public static void tell(ProxyListener listener, ProxyRecord record, Logger log) {
        if (listener == null) {
            return;
        }
        try {
            listener.onComplete(record);
        } catch (Throwable x) {
            log.warn("jlb: the proxy listener {} failed for {}", listener, record, x);
        }
    }
}
