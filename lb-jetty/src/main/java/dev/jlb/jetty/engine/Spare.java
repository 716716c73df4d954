package dev.jlb.jetty.engine;

import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * One buffer kept for what a connection does one at a time (the head of its current request, or of
 * its current response), in front of the engine's {@link ByteBufferPool}: {@link #acquire} lends the
 * kept buffer when it is free and large enough, else takes one from the pool; releasing a lent
 * buffer keeps it for the next request instead of giving it back. So a request on a kept-alive
 * connection takes nothing from the shared pool, whose {@code acquire} searches its entries: at 1,000
 * connections that search was a third of the engine's CPU (a JFR profile of {@code wrk -c1000}).
 *
 * <p>{@link #close} (the connection closed) gives the kept buffer back; one lent then goes back to
 * the pool when released. Thread-safe: a buffer is lent and released on any thread, once each.
 */
final class Spare implements ByteBufferPool {

    private final ByteBufferPool pool;
    /** The buffer kept while none is lent, else null. */
    private final AtomicReference<Lent> kept = new AtomicReference<>();
    private volatile boolean closed;

    Spare(ByteBufferPool pool) {
        this.pool = pool;
    }

    @Override
    public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
        Lent b = kept.getAndSet(null);
        if (b != null) {
            if (b.capacity() >= size && b.isDirect() == direct) {
                b.clear();
                return b;
            }
            b.giveBack(); // too small: the pool takes it, and a larger one is kept after this use
        }
        return new Lent(pool.acquire(size, direct));
    }

    /** The connection closed: the kept buffer goes back to the pool, and so will one lent now. */
    void close() {
        closed = true;
        Lent b = kept.getAndSet(null);
        if (b != null) {
            b.giveBack();
        }
    }

    @Override
    public void clear() {
        Lent b = kept.getAndSet(null);
        if (b != null) {
            b.giveBack();
        }
    }

    /** A buffer of the pool lent by this spare: its release keeps it here (at most one is kept). */
    private final class Lent extends RetainableByteBuffer.Wrapper {
        Lent(RetainableByteBuffer.Mutable pooled) {
            super(pooled);
        }

        @Override
        public boolean release() {
            if (!closed && kept.compareAndSet(null, this)) {
                if (closed && kept.compareAndSet(this, null)) {
                    giveBack(); // closed meanwhile: close() may have looked before it was kept
                }
                return true;
            }
            return giveBack();
        }

        boolean giveBack() {
            return getWrapped().release();
        }
    }
}
