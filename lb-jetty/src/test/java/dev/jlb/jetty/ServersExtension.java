package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyFixture.Mode;
import dev.jlb.testing.TestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What one test starts (backends, load balancers, proxies on 127.0.0.1:0), closed after it, last
 * first: {@code @RegisterExtension final ServersExtension servers = new ServersExtension();} then
 * {@code servers.backend("a")}, {@code servers.proxy(mode, lb, options)}. Not thread-safe: a test
 * registers what it opens from its own thread.
 */
final class ServersExtension implements AfterEachCallback {

    /** The next low port {@link #refusedUri()} tries; shared by every class, so each call gets another port. */
    private static final AtomicInteger NEXT_REFUSED_PORT = new AtomicInteger(1);

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Registers {@code closeable} to be closed after the test (before what was registered earlier); returns it. */
    <T extends AutoCloseable> T closeLater(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /** A started {@link TestBackend} named {@code name}, closed after the test. */
    TestBackend backend(String name) throws Exception {
        return closeLater(new TestBackend(name));
    }

    /** The load balancer {@code builder} builds, closed after the test. */
    LoadBalancer balancer(LoadBalancer.Builder builder) {
        return closeLater(builder.build());
    }

    /** jlb at {@code /api} through {@code mode} (see {@link ProxyFixture#start}), closed after the test. */
    ProxyFixture proxy(Mode mode, LoadBalancer lb, ProxyOptions options) throws Exception {
        return closeLater(ProxyFixture.start(mode, lb, options));
    }

    /**
     * A backend address that refuses connections: a low port nothing listens on (checked), another one
     * on each call. Not a closed ephemeral port, which another process could take, or which a client
     * could reach by a TCP self-connect.
     */
    static String refusedUri() {
        int port;
        while ((port = NEXT_REFUSED_PORT.getAndIncrement()) < 1024) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            } catch (IOException refused) {
                return "http://127.0.0.1:" + port;
            }
        }
        throw new AssertionError("no refusing port below 1024");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<AutoCloseable> lastFirst = new ArrayList<>(open);
        Collections.reverse(lastFirst);
        open.clear();
        closeInOrder(lastFirst.toArray(new AutoCloseable[0]));
    }

    /**
     * Closes each of {@code closeables} in order (skipping nulls), all of them even when one fails.
     *
     * @throws Exception the first failure, with the later ones suppressed
     */
    static void closeInOrder(AutoCloseable... closeables) throws Exception {
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
