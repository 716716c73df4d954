package dev.jlb.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real Jetty backend on 127.0.0.1 and an OS-chosen port. By default it reads the whole request
 * body, records the request and answers 200 with its name; {@link #behaviour} swaps that.
 */
final class TestBackend implements AutoCloseable {

    /** What a backend does with a request, after the request has been recorded (body read). */
    @FunctionalInterface
    interface Behaviour {
        void respond(TestBackend backend, Recorded recorded, Request request, Response response, Callback callback)
                throws Exception;
    }

    /** A request as the backend saw it. */
    record Recorded(String method, String pathQuery, HttpFields headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    static final Behaviour OK = (b, r, req, res, cb) -> b.text(res, cb, 200, b.name);

    final String name;
    final Server server;
    final ServerConnector connector;
    final List<Recorded> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger arrivals = new AtomicInteger();
    /** The ids of the connections requests arrived on. */
    final java.util.Set<String> connectionIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile Behaviour behaviour = OK;
    /** When false the body is not read before {@link #behaviour} runs (it reads it itself, or not). */
    volatile boolean readBody = true;

    TestBackend(String name) throws Exception {
        this.name = name;
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("backend-" + name);
        server = new Server(pool);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                arrivals.incrementAndGet();
                connectionIds.add(request.getConnectionMetaData().getId());
                String pathQuery = request.getHttpURI().getPathQuery();
                HttpFields headers = HttpFields.build(request.getHeaders()).asImmutable();
                if (!readBody) {
                    Recorded recorded = new Recorded(request.getMethod(), pathQuery, headers, null);
                    requests.add(recorded);
                    run(recorded, request, response, callback);
                    return true;
                }
                Content.Source.asByteBufferAsync(request).whenComplete((buffer, failure) -> {
                    if (failure != null) {
                        callback.failed(failure);
                        return;
                    }
                    byte[] body = new byte[buffer.remaining()];
                    buffer.get(body);
                    Recorded recorded = new Recorded(request.getMethod(), pathQuery, headers, body);
                    requests.add(recorded);
                    run(recorded, request, response, callback);
                });
                return true;
            }
        });
        server.start();
    }

    private void run(Recorded recorded, Request request, Response response, Callback callback) {
        try {
            behaviour.respond(this, recorded, request, response, callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    void text(Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
    }

    /** How many distinct connections requests arrived on. */
    int connections() {
        return connectionIds.size();
    }

    int port() {
        return connector.getLocalPort();
    }

    String uri() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /**
     * Stops the backend as a crash would: it stops accepting and drops every open connection at
     * once, then stops. ({@link #close()} is Jetty's orderly stop, which may answer a request still
     * being read with its own {@code 500}, a response a proxy rightly passes on.)
     */
    void kill() throws Exception {
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof NetworkConnector network) {
                network.close();
            }
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                endPoint.close();
            }
        }
        server.stop();
    }

    @Override
    public String toString() {
        return "TestBackend{" + name + ", " + uri() + '}';
    }
}
