package dev.jlb.standalone;

import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.testing.Closer;
import dev.jlb.testing.TestBackend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The standalone balancer a test starts from a configuration, and the test backends it routes to:
 * {@code @RegisterExtension final StandaloneExtension standalone = new StandaloneExtension(3);} starts
 * the backends {@code b1} to {@code b3} before each test, {@link #start} the balancer. After the test,
 * what it started is closed by a {@link Closer}, last first (the balancer before its backends). Not
 * thread-safe: a test starts what it needs from its own thread.
 */
final class StandaloneExtension implements BeforeEachCallback, AfterEachCallback {

    private final int backendCount;
    private final List<TestBackend> backends = new ArrayList<>();
    private final Closer closer = new Closer();

    /** No backends before each test; a test starts its own with {@link #backend}. */
    StandaloneExtension() {
        this(0);
    }

    /** {@code backendCount} backends, {@code b1} first, started before each test. */
    StandaloneExtension(int backendCount) {
        this.backendCount = backendCount;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        for (int i = 1; i <= backendCount; i++) {
            backends.add(backend("b" + i));
        }
    }

    /** The backends started before the test, {@code b1} first (a view: it fills before each test). */
    List<TestBackend> backends() {
        return Collections.unmodifiableList(backends);
    }

    /** A started {@link TestBackend} named {@code name}, closed after the test. */
    TestBackend backend(String name) throws Exception {
        return closeLater(new TestBackend(name));
    }

    /** The standalone balancer started from {@code config}, its access log discarded; closed after the test. */
    Standalone start(JlbConfig config) throws Exception {
        return closeLater(Standalone.start(config, line -> { }));
    }

    /** Registers {@code closeable} to be closed after the test (before what was started earlier); returns it. */
    <T extends AutoCloseable> T closeLater(T closeable) {
        return closer.add(closeable);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        backends.clear();
        closer.afterEach(context);
    }
}
