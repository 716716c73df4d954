package dev.jlb.jetty;

import org.eclipse.jetty.io.CyclicTimeouts;

/**
 * An entry of {@link AttemptTimeouts}: an attempt waiting for its response headers, or a
 * request's hedge timer. {@link #expire()} runs on the scheduler's thread and must not block.
 */
interface Timed extends CyclicTimeouts.Expirable {

    /** The deadline passed. */
    void expire();
}
