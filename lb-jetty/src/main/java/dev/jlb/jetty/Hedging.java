package dev.jlb.jetty;

import dev.jlb.RetryPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The hedge of one hedged request (see {@link RetryPolicy#hedgeAfter()}): its timer, the attempts
 * in flight, and which of them answers the client. Guarded by the {@link AttemptLoop}'s monitor
 * (the loop's retry decision takes the same lock while a request is hedged); the timer fires on
 * the scheduler's thread.
 */
final class Hedging implements Timed {
    /** {@link #claim}: this attempt answers the client. */
    static final int ANSWERS = 1;
    /** {@link #claim}: another attempt answered first; this one is cancelled. */
    static final int LOST = 0;
    /** {@link #claim}: a retryable answer while another attempt is in flight, which may answer instead. */
    static final int YIELDS = -1;

    private final AttemptLoop loop;
    private volatile long expireNanoTime = Long.MAX_VALUE;
    /** Guarded by the loop: the attempts in flight, and the one whose response goes to the client. */
    private final List<Attempt> live = new ArrayList<>(2);
    private Attempt winner;
    private int hedges;

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
        loop.sendHedge(System.nanoTime());
    }

    /** An attempt went out. Called under the loop's lock. */
    void sent(Attempt a) {
        live.add(a);
    }

    /** Whether a hedge may go: nothing answered and exactly one attempt is in flight. Under the loop's lock. */
    boolean mayHedge() {
        return winner == null && live.size() == 1;
    }

    /** The attempt in flight that a hedge joins. Under the loop's lock, after {@link #mayHedge}. */
    Attempt original() {
        return live.get(0);
    }

    /** A hedge went. Under the loop's lock. */
    void hedged() {
        hedges++;
    }

    int count() {
        return hedges;
    }

    /** The attempts in flight (a copy). Under the loop's lock. */
    List<Attempt> inFlight() {
        return new ArrayList<>(live);
    }

    /**
     * What {@code a}'s response headers mean ({@link #ANSWERS}, {@link #LOST} or {@link #YIELDS});
     * {@code retryable}: whether the policy retries this answer at all. The losers of a claim are
     * cancelled, after {@code decision} (may be null) heard of each. Called without the loop's lock.
     */
    int claim(Attempt a, int status, boolean retryable, Decision decision) {
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
