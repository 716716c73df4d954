package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyFixture.Mode;
import dev.jlb.testing.Closer;
import dev.jlb.testing.TestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What one test starts (backends, load balancers, proxies on 127.0.0.1:0), closed after it by a
 * {@link Closer}, last first: {@code @RegisterExtension final ServersExtension servers = new
 * ServersExtension();} then {@code servers.backend("a")}, {@code servers.proxy(mode, lb, options)}.
 * Not thread-safe: a test registers what it opens from its own thread.
 */
final class ServersExtension implements AfterEachCallback {

    /** The next low port {@link #refusedUri()} tries; shared by every class, so each call gets another port. */
    private static final AtomicInteger NEXT_REFUSED_PORT = new AtomicInteger(1);

    private final Closer closer = new Closer();

    /** Registers {@code closeable} to be closed after the test (before what was registered earlier); returns it. */
    <T extends AutoCloseable> T closeLater(T closeable) {
        return closer.add(closeable);
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
        closer.afterEach(context);
    }
}
