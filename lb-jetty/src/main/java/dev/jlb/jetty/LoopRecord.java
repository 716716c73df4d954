package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.jetty.internal.Retries;
import org.slf4j.Logger;

/**
 * What a {@link ProxyListener} reads of one {@link AttemptLoop}'s exchange: the request as the
 * client sent it, the status and body bytes the client got, how the exchange ended, and, from the
 * attempts' bookkeeping ({@link Retries}), the last backend, the attempts and the latency. The loop
 * is its own record (no object of its own per request); this class holds the record's part of it.
 *
 * <p>Threading: the fields are written by the exchange's events before it ends ({@link #stop}),
 * and read by the listener once it ended; the record is valid only during that call.
 */
abstract class LoopRecord implements ProxyRecord {

    final ProxyCore core;
    final ClientSide client;
    /** The attempts, the backends tried and the retry decision. */
    final Retries retries;

    // What a ProxyListener reads (written before the exchange ends, read after).
    int clientStatus;
    long responseBytes;
    private Outcome outcome;
    private long endNanos;

    /** The record of a request that started at {@code startNanos}; {@code log} is the loop's (see {@link Retries}). */
    LoopRecord(ProxyCore core, ClientSide client, long startNanos, Logger log) {
        this.core = core;
        this.client = client;
        this.retries = new Retries(core.retries, startNanos, log, this);
    }

    /** The exchange ended, now, with {@code how}. */
    final void stop(Outcome how) {
        outcome = how;
        endNanos = System.nanoTime();
    }

    @Override
    public final String method() {
        return client.method();
    }

    @Override
    public final String path() {
        return client.path();
    }

    @Override
    public final String query() {
        return client.query();
    }

    @Override
    public final String clientAddress() {
        return client.clientAddress();
    }

    @Override
    public final String prefix() {
        String prefix = core.options.prefix();
        return prefix == null ? "/" : prefix;
    }

    @Override
    public final int status() {
        return clientStatus;
    }

    @Override
    public final long responseBytes() {
        return responseBytes;
    }

    @Override
    public final Backend backend() {
        return retries.lastBackend();
    }

    @Override
    public final int attempts() {
        return retries.attempts();
    }

    @Override
    public final long latencyNanos() {
        return (endNanos == 0 ? System.nanoTime() : endNanos) - retries.startNanos();
    }

    @Override
    public final Outcome outcome() {
        return outcome;
    }
}
