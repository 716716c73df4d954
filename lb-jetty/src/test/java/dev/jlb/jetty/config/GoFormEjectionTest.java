package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Go original's config.yaml, whose {@code health_check_interval} is a TCP check, with a backend
 * that accepts connections and answers every request with 503: once ejected, it stays out while its
 * TCP checks keep passing (a connect says nothing about its answers). Real checks on loopback; the
 * requests are the selections a proxy makes, completed as it would with the backends' statuses.
 */
class GoFormEjectionTest {

    /** A loopback port that accepts connections (all the TCP check asks) and counts them. */
    static final class Listener implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        /** One permit per connection accepted. */
        final Semaphore accepted = new Semaphore(0);
        final Thread thread = new Thread(this::acceptAll, "go-form-listener");

        Listener() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        private void acceptAll() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    accepted.release();
                    s.close();
                } catch (IOException e) {
                    return;
                }
            }
        }

        String uri() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aBackendAnswering503StaysEjectedWhileItsTcpChecksPass() throws Exception {
        try (Listener good = new Listener(); Listener bad = new Listener()) {
            RouteConfig route = yaml("""
                    lb_port: 0
                    strategy: round-robin
                    health_check_interval: 1s
                    max_retry_limit: 3
                    servers: ["%s", "%s"]
                    """.formatted(good.uri(), bad.uri())).routes().get(0);
            Backend failing = route.backends().get(1);
            List<String> events = new CopyOnWriteArrayList<>();
            try (LoadBalancer lb = ConfigBinder.loadBalancer(route).listener(e -> events.add(e.toString())).build()) {
                int toFailing = 0;
                for (int i = 0; i < 20; i++) {
                    Selection s = lb.select(RequestContext.empty());
                    if (s.backend().equals(failing)) {
                        toFailing++;
                        s.onFailure(503, 1_000_000);
                    } else {
                        s.onSuccess(200, 1_000_000);
                    }
                }
                assertThat(toFailing).as("the default consecutive_failures: 5").isEqualTo(5);
                assertThat(state(lb, failing)).isEqualTo(BackendState.EJECTED);

                // Three more TCP checks of it are accepted: the first two results are in for sure.
                bad.accepted.drainPermits();
                assertThat(bad.accepted.tryAcquire(3, 20, TimeUnit.SECONDS)).as("TCP checks while ejected").isTrue();
                assertThat(state(lb, failing)).isEqualTo(BackendState.EJECTED);
                assertThat(events).noneMatch(e -> e.startsWith("STATE_CHANGED " + failing.id() + " EJECTED ->"));
                for (int i = 0; i < 20; i++) {
                    Selection s = lb.select(RequestContext.empty());
                    assertThat(s.backend()).isNotEqualTo(failing);
                    s.onSuccess(200, 1_000_000);
                }
            }
        }
    }

    static BackendState state(LoadBalancer lb, Backend backend) {
        return lb.pool().stats(backend).orElseThrow().state();
    }
}
