package dev.jlb.jetty.discovery;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * What the discovery integration tests share: real Jetty backends on 127.0.0.x addresses (one port
 * for all, as a DNS name's addresses have), jlb's handler in front, and a bounded client load.
 */
final class Loopback {

    private Loopback() {
    }

    /** A Jetty server on {@code host:port} (port 0: any) answering 200 with its address. */
    static Server backend(String host, int port) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(8, 2);
        pool.setName("backend-" + host);
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, ByteBuffer.wrap(host.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        return server;
    }

    static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Backends on 127.0.0.{first..} sharing one port. */
    static List<Server> backends(int first, int count) throws Exception {
        for (int attempt = 0; ; attempt++) {
            List<Server> servers = new ArrayList<>();
            try {
                servers.add(backend("127.0.0." + first, 0));
                int port = port(servers.get(0));
                for (int i = 1; i < count; i++) {
                    servers.add(backend("127.0.0." + (first + i), port));
                }
                return servers;
            } catch (Exception busy) {
                for (Server s : servers) {
                    s.stop();
                }
                if (attempt == 5) {
                    throw busy;
                }
            }
        }
    }

    /** jlb's handler for {@code lb} on 127.0.0.1, any port. */
    static Server proxy(LoadBalancer lb) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(16, 4);
        pool.setName("proxy");
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new LoadBalancingHandler(lb));
        server.start();
        return server;
    }

    /** Waits for {@code condition}, at most {@code seconds}; fails with {@code what} otherwise. */
    static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Requests sent one after the other from each of four threads until {@link #stop} or {@code max}
     * requests in all; every answer is counted by status (0: the exchange failed).
     */
    static final class Load implements AutoCloseable {
        private final HttpClient client;
        private final String url;
        private final int max;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<Integer, Integer> statuses = new TreeMap<>();
        private final List<String> failures = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();

        Load(HttpClient client, String url, int max) {
            this.client = client;
            this.url = url;
            this.max = max;
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(this::run, "load-" + i);
                threads.add(t);
                t.start();
            }
        }

        private void run() {
            while (!stop.get() && started.incrementAndGet() <= max) {
                int status;
                String body;
                try {
                    ContentResponse r = client.newRequest(url).timeout(10, TimeUnit.SECONDS).send();
                    status = r.getStatus();
                    body = r.getContentAsString();
                } catch (Exception e) {
                    status = 0;
                    body = e.toString();
                }
                synchronized (this) {
                    statuses.merge(status, 1, Integer::sum);
                    if (status != 200 && failures.size() < 10) {
                        failures.add(status + " " + body);
                    }
                }
                try {
                    Thread.sleep(1); // a steady trickle across the changes, not a benchmark
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        synchronized int count() {
            return statuses.values().stream().mapToInt(Integer::intValue).sum();
        }

        synchronized Map<Integer, Integer> statuses() {
            return new TreeMap<>(statuses);
        }

        synchronized List<String> failures() {
            return new ArrayList<>(failures);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(20));
            }
        }

        @Override
        public void close() throws java.io.IOException {
            dev.jlb.testing.LifeCycles.awaitStop(this::stop, this);
        }
    }
}
