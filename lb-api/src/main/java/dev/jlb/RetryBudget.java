package dev.jlb;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A route's retry budget, as Finagle's {@code RetryBudget}: over a sliding window (default 10 s),
 * retries may add up to a percent of the route's requests (default 20%), plus a number per second
 * (default 10) that is always there, however little traffic.
 *
 * <p>Each request deposits {@code percent / 100} of a retry when it starts ({@link #onRequest});
 * each retry withdraws one ({@link #tryRetry}), unless the balance is below one. Deposits and
 * withdrawals older than the window no longer count. So a sustained failure of every backend is
 * retried at most {@code percent}% of the time (the load grows by at most that much), while a burst,
 * such as the requests in flight on a backend that just crashed, is retried whole: the route's
 * recent traffic paid for it in advance. A budget over the requests in flight (Envoy's) refuses such a
 * burst whenever one backend's share of the traffic is above the percent (a fifth of the requests
 * with five backends and 20%).
 *
 * <p>The window is kept in 10 slices; a deposit lands in the current slice, and the oldest slice is
 * dropped as time moves on, so the window slides by a tenth of its length at a time. Callers pass
 * the time ({@link System#nanoTime()} or a ticker's reading), so that the budget reads no clock of
 * its own.
 *
 * <p>Thread-safe. {@link #onRequest} is lock-free (one atomic add, and a short lock once per slice
 * to move the window); {@link #tryRetry} takes a lock, which only failing requests reach. Counts
 * racing with a move of the window may land in the neighbouring slice: the budget is exact to within
 * a few requests, which is all it needs to be.
 */
public final class RetryBudget {

    /** Slices of the window. */
    static final int SLICES = 10;

    /** What one retry costs, in the budget's units; a request deposits {@code percent} of them. */
    static final long RETRY_COST = 100;

    private static final RetryBudget UNLIMITED = new RetryBudget();

    private final boolean unlimited;
    private final long percent;
    private final long reserve;
    private final long sliceNanos;
    private final AtomicLongArray slices = new AtomicLongArray(SLICES);
    /** The slice (time / sliceNanos) that deposits go to; {@code Long.MIN_VALUE} before the first. */
    private volatile long current = Long.MIN_VALUE;

    private RetryBudget() {
        this.unlimited = true;
        this.percent = 0;
        this.reserve = 0;
        this.sliceNanos = 1;
    }

    private RetryBudget(RetryPolicy policy) {
        this.unlimited = false;
        this.percent = policy.budgetPercent();
        long windowNanos = policy.budgetWindow().toNanos();
        this.sliceNanos = windowNanos / SLICES;
        // minRetriesPerSecond x window (in seconds), in units; in milliseconds at most
        // 1e6 x 100 x 3.6e6 = 3.6e14 before the division: no overflow.
        this.reserve = policy.budgetMinRetriesPerSecond() * RETRY_COST * policy.budgetWindow().toMillis() / 1000;
    }

    /**
     * The budget {@code policy} describes; without a budget, one that allows every retry.
     *
     * @param policy the policy
     * @return the budget {@code policy} describes
     */
    public static RetryBudget of(RetryPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return policy.hasBudget() ? new RetryBudget(policy) : UNLIMITED;
    }

    /** {@return whether this budget allows every retry (its policy has none)} */
    public boolean isUnlimited() {
        return unlimited;
    }

    /**
     * A request started at {@code nowNanos}: deposits its share of a retry.
     *
     * @param nowNanos the now nanos
     */
    public void onRequest(long nowNanos) {
        if (!unlimited) {
            add(nowNanos, percent);
        }
    }

    /**
     * Withdraws one retry at {@code nowNanos} when the balance allows it.
     *
     * @param nowNanos the now nanos
     * @return whether the retry may go
     */
    public boolean tryRetry(long nowNanos) {
        if (unlimited) {
            return true;
        }
        synchronized (this) {
            if (balance(nowNanos) < RETRY_COST) {
                return false;
            }
            add(nowNanos, -RETRY_COST);
            return true;
        }
    }

    /**
     * The retries the budget would allow at {@code nowNanos}, if they came at once (rounded down);
     * {@link Long#MAX_VALUE} when unlimited.
     *
     * @param nowNanos the now nanos
     * @return the long
     */
    public long available(long nowNanos) {
        return unlimited ? Long.MAX_VALUE : Math.max(0, balance(nowNanos)) / RETRY_COST;
    }

    private long balance(long nowNanos) {
        advance(Math.floorDiv(nowNanos, sliceNanos));
        long sum = reserve;
        for (int i = 0; i < SLICES; i++) {
            sum += slices.get(i);
        }
        return sum;
    }

    private void add(long nowNanos, long amount) {
        long slice = Math.floorDiv(nowNanos, sliceNanos);
        long at = current;
        if (slice > at) {
            at = advance(slice);
        }
        // A time older than the current slice (a caller that read the clock a moment ago) counts in
        // the current slice.
        slices.getAndAdd(Math.floorMod(at, SLICES), amount);
    }

    /** Moves the window so that {@code slice} is current, clearing the slices it leaves; returns the current slice. */
    private long advance(long slice) {
        long at = current;
        if (slice <= at) {
            return at;
        }
        synchronized (slices) {
            at = current;
            if (slice <= at) {
                return at;
            }
            if (at != Long.MIN_VALUE) {
                long clear = Math.min(slice - at, SLICES);
                for (long i = 1; i <= clear; i++) {
                    slices.set(Math.floorMod(at + i, SLICES), 0);
                }
            }
            current = slice;
            return slice;
        }
    }

    @Override
    public String toString() {
        return unlimited ? "RetryBudget{unlimited}"
                : "RetryBudget{" + percent + "% + " + reserve / RETRY_COST + " over the window, slice="
                        + sliceNanos / 1_000_000 + "ms}";
    }
}
