package dev.jlb.jetty;

/**
 * Observes every client request an adapter handled, once, when it has ended: for access logs and
 * route-level metrics that need what only the adapter knows (the status the client got, the number
 * of attempts, whether retries ran out).
 *
 * <p>Called on the thread that finishes the request, once its outcome is known, just before the
 * response is completed or aborted (a servlet request may be recycled after that); with
 * {@link LoadBalancingHandler}, which is non-blocking, that is one of Jetty's I/O threads. Must not
 * block: hand slow work (writing to a file or a terminal) to a thread of its own. The
 * {@link ProxyRecord} is a view of the live exchange: read what you need during the call and do not
 * keep it. An exception thrown here is logged and otherwise ignored.
 *
 * <p>A request that asked for an {@code Upgrade} is told once too: when a refusal, a relayed answer
 * or an error is written, and, when the backend switched protocols (a WebSocket), once the upgraded
 * connection has ended ({@link ProxyRecord.Outcome#UPGRADED}, on an I/O thread), however long after
 * the {@code 101} that is.
 * Set with {@link ProxyOptions.Builder#listener(ProxyListener)}.
 */
@FunctionalInterface
public interface ProxyListener {

    /**
     * One request ended.
     *
     * @param record the record
     */
    void onComplete(ProxyRecord record);
}
