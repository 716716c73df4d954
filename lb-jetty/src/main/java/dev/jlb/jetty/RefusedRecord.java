package dev.jlb.jetty;

import dev.jlb.Backend;

/**
 * The {@link ProxyRecord} of a request that no route took and that jlb answered itself, outside any
 * adapter: a malformed head (400, 414, 431), a head that did not arrive in time (408), a path no
 * route matches (404). Its outcome is {@link ProxyRecord.Outcome#REFUSED}, with no backend and no
 * attempt; its {@link #prefix()} is null (no route).
 *
 * @param method the method, or {@code -} when the request line was not read
 * @param path the path as sent, or {@code -} when the request line was not read
 * @param query the query as sent, or null
 * @param clientAddress the client's IP address, or null
 * @param status the status jlb answered
 * @param responseBytes the body bytes of that answer
 * @param latencyNanos from the start of the request (as far as it is known) to the answer
 */
public record RefusedRecord(String method, String path, String query, String clientAddress, int status,
        long responseBytes, long latencyNanos) implements ProxyRecord {

    /** {@return null: no route took the request} */
    @Override
    public String prefix() {
        return null;
    }

    /** {@return null: no backend was asked} */
    @Override
    public Backend backend() {
        return null;
    }

    /** {@return 0: no backend was asked} */
    @Override
    public int attempts() {
        return 0;
    }

    /** {@return {@link ProxyRecord.Outcome#REFUSED}} */
    @Override
    public Outcome outcome() {
        return Outcome.REFUSED;
    }
}
