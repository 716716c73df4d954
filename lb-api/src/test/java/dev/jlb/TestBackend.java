package dev.jlb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real Jetty backend on 127.0.0.1 with an OS-chosen port that it keeps across stop/start.
 * {@code /health} answers with {@link #healthStatus} and {@link #healthBody} after
 * {@link #healthDelayMillis}; any other path answers 200 after {@link #delayMillis}. Delays are
 * scheduled, never blocking: the handler runs on Jetty's selector threads.
 */
final class TestBackend implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final int port;
    final AtomicInteger healthChecks = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    volatile IntSupplier healthStatus = () -> 200;
    volatile String healthBody = "ok";
    volatile long delayMillis;
    volatile long healthDelayMillis;
    final AtomicInteger healthAnswers = new AtomicInteger();

    TestBackend() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("backend");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                if (path.equals("/health")) {
                    healthChecks.incrementAndGet();
                    Runnable answer = () -> {
                        healthAnswers.incrementAndGet();
                        response.setStatus(healthStatus.getAsInt());
                        response.write(true, ByteBuffer.wrap(healthBody.getBytes(StandardCharsets.UTF_8)), callback);
                    };
                    long delay = healthDelayMillis;
                    if (delay > 0) {
                        server.getScheduler().schedule(answer, delay, TimeUnit.MILLISECONDS);
                    } else {
                        answer.run();
                    }
                    return true;
                }
                requests.incrementAndGet();
                Runnable answer = () -> response.write(true,
                        ByteBuffer.wrap(("hello from " + port()).getBytes(StandardCharsets.UTF_8)), callback);
                long delay = delayMillis;
                if (delay > 0) {
                    server.getScheduler().schedule(answer, delay, TimeUnit.MILLISECONDS);
                } else {
                    answer.run();
                }
                return true;
            }
        });
        server.start();
        port = connector.getLocalPort();
        connector.setPort(port);
    }

    int port() {
        return port;
    }

    Backend backend() {
        return Backend.of("http://127.0.0.1:" + port);
    }

    void stop() throws Exception {
        server.stop();
    }

    void start() throws Exception {
        server.start();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    @Override
    public String toString() {
        return "TestBackend{" + port + '}';
    }
}
