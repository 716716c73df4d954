package dev.jlb.jetty;

import dev.jlb.FailureKind;
import dev.jlb.Selection;
import dev.jlb.jetty.ProxyRecord.Outcome;
import dev.jlb.jetty.internal.Retries;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of an {@link AttemptLoop} on one backend: the state machine from sending to the
 * end of the backend's response, whatever the transport. A transport (see {@link Upstream})
 * subclasses it with {@link #send()} and {@link #abort(Throwable)} and reports its events to
 * {@link #onBegin()}, {@link #onHeaders}, {@link #onContent} and {@link #onComplete}; the attempt
 * is also the write callback of the response content (one write is in flight at a time) and the
 * entry its {@link AttemptTimeouts} watches.
 *
 * <p>States: WAITING for headers, then FORWARDING the response to the client, DISCARDING a
 * retryable response (the retry goes once it is read), or TIMED_OUT. Only the timer races with
 * the transport's events; the state's compare-and-set settles it.
 */
abstract class Attempt implements Callback, Timed {

    private static final Logger LOG = LoggerFactory.getLogger(Attempt.class);

    private static final int WAITING = 0;
    private static final int FORWARDING = 1;
    private static final int DISCARDING = 2;
    private static final int TIMED_OUT = 3;

    private static final AtomicIntegerFieldUpdater<Attempt> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Attempt.class, "state");

    final AttemptLoop loop;
    final Selection selection;
    final long startNanos;
    /** When the attempt times out unless its headers arrived; {@code Long.MAX_VALUE} once they did. */
    private volatile long expireNanoTime = Long.MAX_VALUE;
    /** Where the attempt is watched for its timeout, or null before it is. */
    private AttemptTimeouts timeouts;
    private volatile int state;
    private volatile boolean begun;
    private long headersNanos;
    private int status;
    private Selection next;
    private Content.Chunk chunk;
    private Runnable demander;
    /** A hedged attempt that gave way to another in flight after a retryable answer (its selection is completed). */
    private boolean yielded;

    Attempt(AttemptLoop loop, Selection selection, long startNanos) {
        this.loop = loop;
        this.selection = selection;
        this.startNanos = startNanos;
    }

    /** Sends the request; failures are reported to {@link #onComplete}. */
    abstract void send();

    /** Aborts the attempt; the transport then reports {@link #onComplete} with a failure. */
    abstract void abort(Throwable cause);

    /** Starts watching the attempt's deadline. */
    final void watch(AttemptTimeouts timeouts, long expireNanoTime) {
        this.expireNanoTime = expireNanoTime;
        this.timeouts = timeouts;
        timeouts.add(this);
    }

    /** The attempt (or total) timeout passed: abort unless the response headers arrived. */
    @Override
    public final void expire() {
        if (STATE.compareAndSet(this, WAITING, TIMED_OUT)) {
            abort(new TimeoutException("no response headers from " + selection.backend().id() + " in time"));
        }
    }

    /** The request went on a connection: from now on the backend may see it. */
    final void onBegin() {
        begun = true;
    }

    /** The backend's response headers. */
    final void onHeaders(int status, HttpFields headers) {
        try {
            if (state != WAITING) {
                return; // timed out: the abort is on its way
            }
            if (status < HttpStatus.OK_200) {
                if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
                    // jlb never asks a backend to upgrade (Upgrade is hop-by-hop): an unasked switch.
                    abort(new BadResponseException(Retries.REASON_UPGRADE));
                }
                // Another interim status reaches here only on a transport that does not skip them:
                // the final response is awaited and the attempt timeout keeps running.
                return;
            }
            cancelTimer();
            long now = System.nanoTime();
            headersNanos = now;
            this.status = status;
            Hedging hedge = loop.hedge();
            if (hedge != null) {
                int claim = hedge.claim(this, status, headers, begun);
                if (claim == Hedging.LOST) {
                    abort(new HedgeLostException()); // another attempt answers
                    return;
                }
                if (claim == Hedging.YIELDS) {
                    // A retryable answer while another attempt is in flight: let that one answer.
                    if (STATE.compareAndSet(this, WAITING, DISCARDING)) {
                        yielded = true;
                        selection.onFailure(status, now - startNanos);
                    }
                    return;
                }
            }
            Selection candidate = loop.retryAfter(status, headers, null, begun, now, selection.backend());
            if (candidate != null) {
                if (STATE.compareAndSet(this, WAITING, DISCARDING)) {
                    next = candidate;
                    selection.onFailure(GrpcCall.failureStatus(loop.grpc, status), now - startNanos);
                    if (hedge != null) {
                        hedge.unclaim(this);
                    }
                } else {
                    candidate.close();
                }
                return;
            }
            if (!STATE.compareAndSet(this, WAITING, FORWARDING)) {
                return;
            }
            ClientSide client = loop.client;
            loop.clientStatus = status;
            client.responseStatus(status);
            loop.core.headers.copyResponseHeaders(headers, client);
            loop.issueStickyCookie(selection.backend());
            loop.explainResponse();
            if (loop.trailers) {
                client.forwardTrailers(this::trailers);
            }
        } catch (Throwable x) {
            LOG.warn("jlb: handling the response of {} failed for {}", selection.backend().id(), loop, x);
            abort(new InternalProxyException(x));
        }
    }

    /**
     * The backend's response ended, though the attempt has not (the client's body still streams):
     * a gRPC server may end a call (its status in trailers) while the client still sends messages,
     * so the rest of the client's stream is cut off and the status goes to the client at once. A
     * transport reports the abort's {@link ResponseEndedFirst} as a success.
     */
    final void onResponseEnded() {
        if (loop.grpc != null && state == FORWARDING) {
            abort(new ResponseEndedFirst());
        }
    }

    /** A chunk of the response body; {@code demander} asks for the next. */
    final void onContent(Content.Chunk content, Runnable demander) {
        if (state != FORWARDING) {
            demander.run(); // a retried response, or an aborted one: drop it
            return;
        }
        try {
            content.retain();
            loop.responseBytes += content.remaining();
            this.chunk = content;
            this.demander = demander;
            loop.client.write(content.getByteBuffer(), this);
        } catch (Throwable x) {
            failed(new ClientGoneException(x));
        }
    }

    /** A response write completed: release the chunk and ask for more. */
    @Override
    public final void succeeded() {
        Content.Chunk written = chunk;
        Runnable more = demander;
        chunk = null;
        demander = null;
        written.release();
        more.run();
    }

    /** A response write failed: the client went away. */
    @Override
    public final void failed(Throwable x) {
        Content.Chunk written = chunk;
        chunk = null;
        demander = null;
        if (written != null) {
            written.release();
        }
        abort(x instanceof ClientGoneException ? x : new ClientGoneException(x));
    }

    @Override
    public final InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    /** The attempt ended: the whole response was read ({@code failure} null) or it failed. */
    final void onComplete(Throwable failure) {
        try {
            complete(failure);
        } catch (Throwable x) {
            LOG.warn("jlb: completing an attempt failed for {}", loop, x);
            selection.close();
            loop.finishError(HttpStatus.BAD_GATEWAY_502, AttemptLoop.REASON_PROXY, Outcome.PROXY_ERROR);
        }
    }

    private void complete(Throwable failure) {
        cancelTimer();
        int s = state;
        // A hedged request: whether another of its attempts is still in flight.
        Hedging hedge = loop.hedge();
        boolean othersLive = hedge != null && hedge.ended(this);
        if (yielded) {
            return; // its selection completed when it gave way; the other attempt answers
        }
        if (failure instanceof HedgeLostException) {
            selection.close(); // cancelled: another attempt answered
            return;
        }
        if (s == DISCARDING) {
            // The retryable response was read to its end (or failed): now the retry can go.
            Selection candidate = next;
            next = null;
            if (failure instanceof ClientGoneException) {
                candidate.close();
                loop.finishAbort(failure);
            } else if (loop.replayable()) {
                loop.send(candidate, System.nanoTime());
            } else {
                candidate.close();
                loop.finishError(status, loop.retries.reason("bad gateway: the backend answered " + status),
                        Outcome.FAILED);
            }
            return;
        }
        if (failure == null) {
            long latency = headersNanos - startNanos;
            if (status >= 500) {
                selection.onFailure(status, latency);
            } else {
                selection.onSuccess(status, latency);
            }
            loop.finishComplete();
            return;
        }
        if (failure instanceof ClientGoneException || loop.clientBodyFailed()) {
            selection.close();
            loop.finishAbort(failure);
            return;
        }
        if (failure instanceof InternalProxyException) {
            selection.close();
            loop.finishError(HttpStatus.BAD_GATEWAY_502, AttemptLoop.REASON_PROXY, Outcome.PROXY_ERROR);
            return;
        }
        long now = System.nanoTime();
        if (!othersLive && s == WAITING && staleConnection(failure) && loop.resendAfterStale(selection, now)) {
            return; // the connection, not the backend, failed (see StaleConnections)
        }
        boolean timedOut = s == TIMED_OUT;
        BadResponseException bad = badResponse(failure);
        FailureKind kind;
        if (timedOut) {
            kind = FailureKind.TIMEOUT;
        } else if (bad != null) {
            kind = FailureKind.OTHER;
        } else if (!begun) {
            kind = FailureKind.CONNECT; // never sent: refused, unreachable, connect timeout, queue full
        } else {
            kind = FailureKind.of(failure);
        }
        selection.onFailure(kind, now - startNanos);
        if (othersLive && s != FORWARDING) {
            return; // a hedged request's other attempt may still answer
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("jlb: attempt {} to {} failed ({}) for {}", loop.attempts(), selection.backend().id(), kind,
                    loop, failure);
        }
        String tls = kind == FailureKind.TIMEOUT ? null : TlsFailures.reason(failure);
        String reason = bad != null ? bad.getMessage() : tls != null ? tls : Retries.failureReason(kind);
        int errorStatus = Retries.failureStatus(kind);
        if (s == FORWARDING) {
            // Headers went out: no retry; the client gets a broken response (or a 502 if nothing
            // was written yet).
            loop.finishError(errorStatus, loop.retries.reason(reason), Outcome.FAILED);
            return;
        }
        // A request that never went on a connection is retried as a connect failure, even if it timed out.
        Selection candidate = loop.retryAfter(0, null, begun ? kind : FailureKind.CONNECT, begun, now,
                selection.backend());
        if (candidate != null) {
            loop.send(candidate, now);
        } else {
            loop.finishError(errorStatus, loop.retries.reason(reason), Outcome.FAILED);
        }
    }

    /** The backend response's trailers, once its content has ended; null when none (or not known). */
    HttpFields trailers() {
        return null;
    }

    /**
     * Whether {@code failure} is a reused keep-alive connection that the backend had closed, found
     * before any response byte ({@link StaleConnections}); false unless the transport can tell.
     */
    boolean staleConnection(Throwable failure) {
        return false;
    }

    /**
     * The response jlb must not relay that {@code failure} reports (an unasked {@code 101}, headers
     * over the limit), or null. A transport whose client refuses such responses itself recognises
     * its own exceptions here.
     */
    BadResponseException badResponse(Throwable failure) {
        return failure instanceof BadResponseException bad ? bad : null;
    }

    final void cancelTimer() {
        expireNanoTime = Long.MAX_VALUE;
        AttemptTimeouts t = timeouts;
        if (t != null) {
            t.remove(this);
        }
    }

    @Override
    public final long getExpireNanoTime() {
        return expireNanoTime;
    }

    @Override
    public String toString() {
        return "Attempt{" + selection.backend().id() + ", state=" + state + '}';
    }
}
