package dev.jlb.testing;

import java.io.IOException;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Stops a Jetty component from a fixture's {@code close()}, so that the fixture can declare
 * {@code throws IOException} rather than {@code throws Exception} (a {@code close()} that may throw
 * {@link InterruptedException} is a javac warning in every try-with-resources that uses it).
 */
public final class LifeCycles {

    private LifeCycles() {
    }

    /**
     * Stops {@code component}; an interrupt is restored and reported as an {@link IOException}.
     *
     * @param component the server, client or other component to stop
     * @param what      the fixture's name, for the exception message
     * @throws IOException if stopping failed or was interrupted
     */
    public static void stop(LifeCycle component, Object what) throws IOException {
        try {
            component.stop();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping " + what, e);
        } catch (Exception e) {
            throw new IOException("stopping " + what + " failed", e);
        }
    }

    /** A stop that may wait, such as a process or a set of threads being joined. */
    @FunctionalInterface
    public interface Stop {
        /**
         * Stops and waits.
         *
         * @throws InterruptedException if the wait was interrupted
         */
        void stop() throws InterruptedException;
    }

    /**
     * Runs {@code stop}; an interrupt is restored and reported as an {@link IOException}.
     *
     * @param stop the stop to run
     * @param what the fixture's name, for the exception message
     * @throws IOException if the stop was interrupted
     */
    public static void awaitStop(Stop stop, Object what) throws IOException {
        try {
            stop.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping " + what, e);
        }
    }
}
