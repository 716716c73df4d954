package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyRecord;

/**
 * What the route's {@link ProxyListener} is told about one {@code Upgrade} handshake: a refusal, a
 * relayed answer or an error when it is written, and for a {@code 101} the whole upgraded session
 * once its tunnel has ended. The request's fields are copied when the exchange starts, since a
 * servlet request may be recycled long before a WebSocket ends. Immutable.
 */
final class UpgradeRecord implements ProxyRecord {

    /** The request's side, copied when the exchange starts. */
    record Request(String method, String path, String query, String clientAddress, String prefix,
            String upgrade, long startNanos) {
    }

    private final Request request;
    private final int status;
    private final Outcome outcome;
    private final Backend backend;
    private final int attempts;
    private final long responseBytes;
    private final long requestBytes;
    private final UpgradeEnd upgradeEnd;
    private final long latencyNanos;

    UpgradeRecord(Request request, int status, Outcome outcome, Backend backend, int attempts, long responseBytes,
            long requestBytes, UpgradeEnd upgradeEnd, long endNanos) {
        this.request = request;
        this.status = status;
        this.outcome = outcome;
        this.backend = backend;
        this.attempts = attempts;
        this.responseBytes = responseBytes;
        this.requestBytes = requestBytes;
        this.upgradeEnd = upgradeEnd;
        this.latencyNanos = endNanos - request.startNanos();
    }

    @Override
    public String method() {
        return request.method();
    }

    @Override
    public String path() {
        return request.path();
    }

    @Override
    public String query() {
        return request.query();
    }

    @Override
    public String clientAddress() {
        return request.clientAddress();
    }

    @Override
    public String prefix() {
        return request.prefix();
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public long responseBytes() {
        return responseBytes;
    }

    @Override
    public long requestBytes() {
        return requestBytes;
    }

    @Override
    public String upgrade() {
        return request.upgrade();
    }

    @Override
    public UpgradeEnd upgradeEnd() {
        return upgradeEnd;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public int attempts() {
        return attempts;
    }

    @Override
    public long latencyNanos() {
        return latencyNanos;
    }

    @Override
    public Outcome outcome() {
        return outcome;
    }

    @Override
    public String toString() {
        return "UpgradeRecord{" + request.method() + ' ' + request.path() + ' ' + status + ' ' + outcome
                + (upgradeEnd == null ? "" : " " + upgradeEnd) + ", backend=" + (backend == null ? "-" : backend.id())
                + '}';
    }
}
