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
}
