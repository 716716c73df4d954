package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hedge of one hedged request (see {@link RetryPolicy#hedgeAfter()}): its timer, the sending
 * of the hedge when it fires, the attempts in flight, and which of them answers the client. An
 * {@link AttemptLoop} has one only when its request is hedged (see {@link #delay}); its
 * {@link Attempt}s then claim the answer here before the loop's retry decision.
 *
 * <p>Threading: guarded by the {@link AttemptLoop}'s monitor (the loop's retry decision takes the
 * same lock while a request is hedged); every method here takes it itself. The timer fires on the
 * scheduler's thread; two attempts may claim at once from two I/O threads.
 */
final class Hedging implements Timed {
    /** {@link #claim}: this attempt answers the client. */
    static final int ANSWERS = 1;
    /** {@link #claim}: another attempt answered first; this one is cancelled. */
    static final int LOST = 0;
    /** {@link #claim}: a retryable answer while another attempt is in flight, which may answer instead. */
    static final int YIELDS = -1;

    /** The loop's own log: hedging is a step of its attempt loop. */
    private static final Logger LOG = LoggerFactory.getLogger(AttemptLoop.class);

    private final AttemptLoop loop;
    private volatile long expireNanoTime = Long.MAX_VALUE;
    /** Guarded by the loop: the attempts in flight, and the one whose response goes to the client. */
    private final List<Attempt> live = new ArrayList<>(2);
    private Attempt winner;

    Hedging(AttemptLoop loop) {
        this.loop = loop;
    }

    /**
     * The delay of a request's hedge, or -1 when it gets none: the policy hedges, the method is
     * idempotent, there is no body (a hedge and its original would read it at once) and it is not
     * a gRPC call (whose retries have rules of their own).
     */
    static long delay(ProxyCore core, String method, boolean hasBody, boolean grpc, long now) {
        HedgeDelay delay = core.hedgeDelay;
        if (delay == null || hasBody || grpc || !RetryPolicy.isIdempotent(method)) {
            return -1;
        }
        return delay.nanos(now);
    }

    /** Starts the timer: at {@code nanoTime} the hedge goes unless an answer came. */
    void arm(long nanoTime) {
        expireNanoTime = nanoTime;
        loop.core.timeouts().add(this);
    }

    void disarm() {
        loop.core.timeouts().remove(this);
    }

    @Override
    public long getExpireNanoTime() {
        return expireNanoTime;
    }

    @Override
    public void expire() {
        expireNanoTime = Long.MAX_VALUE;
        sendHedge(System.nanoTime());
    }

    /** Sends the hedge, unless an answer came, the request ended, or attempts, time or budget ran out. */
    private void sendHedge(long now) {
        Selection candidate;
        synchronized (loop) {
            if (loop.isFinished() || winner != null || live.size() != 1) {
                return; // a hedge goes only while nothing answered and exactly one attempt is in flight
            }
            candidate = loop.retries.hedge(now, loop.context(), live.get(0).selection.backend());
            if (candidate == null) {
                return;
            }
        }
        Decision d = loop.decision();
        if (d != null) {
            d.hedging();
        }
        LOG.debug("jlb: hedging {} on {}", loop, candidate.backend().id());
        loop.send(candidate, now);
    }

    /** An attempt to {@code backend} is about to go: counted in the loop's retries, under its lock. */
    void sending(Backend backend) {
        synchronized (loop) {
            loop.retries.sent(backend);
        }
    }

    /** An attempt went out. */
    void sent(Attempt a) {
        synchronized (loop) {
            live.add(a);
        }
    }

    /** The client went away: every attempt in flight is aborted (their selections complete as cancelled). */
    void clientFailed(Throwable cause) {
        List<Attempt> all;
        synchronized (loop) {
            all = new ArrayList<>(live);
        }
        all.forEach(a -> a.abort(new ClientGoneException(cause)));
    }

    /**
     * What {@code a}'s response headers mean ({@link #ANSWERS}, {@link #LOST} or {@link #YIELDS});
     * {@code begun}: whether the request had gone on a connection. The losers of a claim are
     * cancelled, after the loop's explained decision (if any) heard of each.
     */
    int claim(Attempt a, int status, HttpFields headers, boolean begun) {
        // Whether the policy retries this answer at all (however many attempts were made): then
        // another attempt in flight may still answer better.
        boolean retryable = loop.wouldRetry(status, headers, null, begun, 1);
        Decision decision = loop.decision();
        List<Attempt> losers;
        synchronized (loop) {
            if (winner != null) {
                if (winner != a && decision != null) {
                    decision.outcome(a.selection.backend(), status + " hedge_lost");
                }
                return winner == a ? ANSWERS : LOST;
            }
            if (retryable && live.size() > 1) {
                if (decision != null) {
                    decision.outcome(a.selection.backend(), status + " yielded(another attempt in flight)");
                }
                return YIELDS;
            }
            winner = a;
            losers = new ArrayList<>(live);
            losers.remove(a);
            if (decision != null) {
                for (Attempt loser : losers) {
                    decision.outcome(loser.selection.backend(), "cancelled(another attempt answered)");
                }
            }
        }
        disarm();
        for (Attempt loser : losers) {
            loser.abort(new HedgeLostException());
        }
        return ANSWERS;
    }

    /** {@code a} answered but is retried (its answer is discarded): a later attempt may answer. */
    void unclaim(Attempt a) {
        synchronized (loop) {
            if (winner == a) {
                winner = null;
            }
        }
    }

    /** Removes an ended attempt; whether another is still in flight (then the ended one ends quietly). */
    boolean ended(Attempt a) {
        synchronized (loop) {
            live.remove(a);
            return !live.isEmpty();
        }
    }
}
