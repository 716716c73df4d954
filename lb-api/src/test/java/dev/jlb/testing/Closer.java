package dev.jlb.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test opened (servers, backends, balancers, clients) after it, last opened first, all of
 * them even when one fails: {@code @RegisterExtension final Closer closer = new Closer();} then
 * {@code closer.add(new TestBackend("a"))}. The modules' fixtures build on it. Not thread-safe: a test
 * adds what it opens from its own thread.
 */
public final class Closer implements AfterEachCallback {

    private final List<AutoCloseable> open = new ArrayList<>();

    /**
     * Registers {@code closeable} to be closed after the test, before what was added earlier.
     *
     * @param <T>       the type of what is closed
     * @param closeable what to close
     * @return {@code closeable}
     */
    public <T extends AutoCloseable> T add(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /**
     * Closes what was added, last first, and forgets it.
     *
     * @param context the test's context
     * @throws Exception the first failure to close, with the later ones suppressed
     */
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<AutoCloseable> lastFirst = new ArrayList<>(open);
        Collections.reverse(lastFirst);
        open.clear();
        closeAll(lastFirst.toArray(new AutoCloseable[0]));
    }

    /**
     * Closes each of {@code closeables} in the order given, skipping nulls, all of them even when one fails.
     *
     * @param closeables what to close
     * @throws Exception the first failure to close, with the later ones suppressed
     */
    public static void closeAll(AutoCloseable... closeables) throws Exception {
        Exception failure = null;
        for (AutoCloseable c : closeables) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
