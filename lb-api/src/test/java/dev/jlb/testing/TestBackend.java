package dev.jlb.testing;

import dev.jlb.Backend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The one test backend of every module: a real Jetty server on 127.0.0.1 and an OS-chosen port,
 * which it keeps across {@link #stop()} and {@link #start()}.
 *
 * <p>Every request is counted in {@link #arrivals}. {@link #healthPath} answers
 * {@link #healthStatus} and {@link #healthBody} after {@link #healthDelayMillis} and is counted
 * in {@link #healthChecks}. Any other request has its body read (unless {@link #readBody} is
 * false), is recorded in {@link #requests} and handed to {@link #behaviour}; the default,
 * {@link #OK}, answers 200 with the backend's name (and an {@code X-Backend} header) after
 * {@link #delayMillis} or {@code ?delay=MS} milliseconds, or with the value of request header
 * NAME for {@code ?echo=NAME}. Delays are scheduled, never blocking a thread. The server keeps
 * header values as received (case-sensitive header cache), so tests see what a proxy forwarded.
 *
 * <p>Test classes of lb-api, lb-jetty and examples share it through lb-api's test-jar.
 */
public final class TestBackend implements AutoCloseable {

    /** What a backend does with a request, after the request has been recorded (body read). */
    @FunctionalInterface
    public interface Behaviour {
        void respond(TestBackend backend, Recorded recorded, Request request, Response response, Callback callback)
                throws Exception;
    }

    /** A request as the backend saw it ({@code body} is null when {@link #readBody} was false). */
    public record Recorded(String method, String pathQuery, HttpFields headers, byte[] body) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private void record(Recorded recorded) {
        if (requests.size() < MAX_RECORDED) {
            requests.add(recorded);
        }
    }

    /** The default behaviour (see the class comment). */
    public static final Behaviour OK = (backend, recorded, request, response, callback) -> backend.answer(request,
            response, callback);

    /** The name it answers with; {@code "hello from PORT"} for a backend made without one. */
    public final String name;
    /** {@code http}, or {@code https} for a backend over TLS. */
    public final String scheme;
    public final Server server;
    public final ServerConnector connector;
    private final int port;
    /**
     * The first {@link #MAX_RECORDED} requests but health checks, in arrival order (a copy-on-write
     * list: safe to read while requests arrive; bounded because each add copies it).
     */
    public final List<Recorded> requests = new CopyOnWriteArrayList<>();
    /** How many requests {@link #requests} keeps; {@link #arrivals} counts them all. */
    public static final int MAX_RECORDED = 2_000;
    /** Every request, health checks included. */
    public final AtomicInteger arrivals = new AtomicInteger();
    /** The ids of the connections requests arrived on. */
    public final Set<String> connectionIds = ConcurrentHashMap.newKeySet();
    public volatile Behaviour behaviour = OK;
    /** When false the body is not read before {@link #behaviour} runs (it reads it itself, or not). */
    public volatile boolean readBody = true;
    /** Delay of the default answer. */
    public volatile long delayMillis;

    /** The path answered as a health check; null: none. */
    public volatile String healthPath = "/health";
    public volatile IntSupplier healthStatus = () -> 200;
    public volatile String healthBody = "ok";
    public volatile long healthDelayMillis;
    /** Health checks received. */
    public final AtomicInteger healthChecks = new AtomicInteger();
    /** Health checks answered. */
    public final AtomicInteger healthAnswers = new AtomicInteger();

    /** A backend answering {@code "hello from PORT"}. */
    public TestBackend() throws Exception {
        this(null);
    }

    public TestBackend(String name) throws Exception {
        this(name, null);
    }

    /**
     * A backend over TLS with {@code ssl} (its {@link #uri()} is {@code https://}; a request's
     * {@code isSecure()} is true), or over cleartext HTTP when {@code ssl} is null.
     */
    public TestBackend(String name, org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl) throws Exception {
        this.scheme = ssl == null ? "http" : "https";
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName(name == null ? "backend" : "backend-" + name);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true);
        if (ssl != null) {
            http.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
        }
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        connector = ssl == null ? new ServerConnector(server, 1, 1, h1)
                : new ServerConnector(server, 1, 1, new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"), h1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                arrivals.incrementAndGet();
                connectionIds.add(request.getConnectionMetaData().getId());
                String path = Request.getPathInContext(request);
                if (path.equals(healthPath)) {
                    health(response, callback);
                    return true;
                }
                String pathQuery = request.getHttpURI().getPathQuery();
                HttpFields headers = HttpFields.build(request.getHeaders()).asImmutable();
                if (!readBody) {
                    Recorded recorded = new Recorded(request.getMethod(), pathQuery, headers, null);
                    record(recorded);
                    run(recorded, request, response, callback);
                    return true;
                }
                Content.Source.asByteBuffer(request, promise(buffer -> {
                    byte[] body = new byte[buffer.remaining()];
                    buffer.get(body);
                    Recorded recorded = new Recorded(request.getMethod(), pathQuery, headers, body);
                    record(recorded);
                    run(recorded, request, response, callback);
                }, callback));
                return true;
            }
        });
        server.start();
        port = connector.getLocalPort();
        connector.setPort(port);
        this.name = name == null ? "hello from " + port : name;
    }

    private static org.eclipse.jetty.util.Promise<ByteBuffer> promise(java.util.function.Consumer<ByteBuffer> onBody,
            Callback callback) {
        return new org.eclipse.jetty.util.Promise<>() {
            @Override
            public void succeeded(ByteBuffer buffer) {
                onBody.accept(buffer);
            }

            @Override
            public void failed(Throwable failure) {
                callback.failed(failure);
            }
        };
    }

    private void health(Response response, Callback callback) {
        healthChecks.incrementAndGet();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        Runnable answer = () -> {
            healthAnswers.incrementAndGet();
            response.setStatus(healthStatus.getAsInt());
            response.write(true, ByteBuffer.wrap(healthBody.getBytes(StandardCharsets.UTF_8)), callback);
        };
        later(answer, healthDelayMillis);
    }

    private void answer(Request request, Response response, Callback callback) {
        Fields query = Request.extractQueryParameters(request);
        Fields.Field delayParameter = query.get("delay");
        long delay = delayParameter == null ? delayMillis : Long.parseLong(delayParameter.getValue());
        Fields.Field echo = query.get("echo");
        String text = echo == null ? name : String.valueOf(request.getHeaders().get(echo.getValue()));
        response.getHeaders().put("X-Backend", name);
        later(() -> text(response, callback, 200, text), delay);
    }

    private void later(Runnable task, long delayMillis) {
        if (delayMillis > 0) {
            server.getScheduler().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } else {
            task.run();
        }
    }

    private void run(Recorded recorded, Request request, Response response, Callback callback) {
        try {
            behaviour.respond(this, recorded, request, response, callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    /** Answers {@code status} with {@code text} as {@code text/plain;charset=utf-8}. */
    public void text(Response response, Callback callback, int status, String text) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
    }

    /** How many distinct connections requests arrived on. */
    public int connections() {
        return connectionIds.size();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return scheme + "://127.0.0.1:" + port;
    }

    /** {@code 127.0.0.1:PORT}, the id jlb gives this backend. */
    public String id() {
        return "127.0.0.1:" + port;
    }

    public Backend backend() {
        return Backend.of(uri());
    }

    public void stop() throws Exception {
        server.stop();
    }

    public void start() throws Exception {
        server.start();
    }

    /**
     * Jetty's orderly stop. Declares {@code IOException} rather than Jetty's {@code Exception}, so
     * that try-with-resources does not have to handle an {@code InterruptedException} (javac's
     * {@code try} lint); an interrupt is kept as the thread's status.
     */
    @Override
    public void close() throws IOException {
        LifeCycles.stop(server, this);
    }

    /**
     * Stops the backend as a crash would: it stops accepting and drops every open connection at
     * once, then stops. ({@link #close()} is Jetty's orderly stop, which may answer a request still
     * being read with its own {@code 500}, a response a proxy rightly passes on.)
     */
    public void kill() throws Exception {
        for (Connector each : server.getConnectors()) {
            if (each instanceof NetworkConnector network) {
                network.close();
            }
            for (EndPoint endPoint : each.getConnectedEndPoints()) {
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
