package dev.jlb.standalone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A backend for tests on 127.0.0.1 and an OS-chosen port: answers any path with 200 and its name,
 * after {@code ?delay=MS} milliseconds when asked (without blocking a thread), and counts requests.
 * With {@code ?echo=NAME} it answers the value of the request header NAME instead of its name.
 */
final class TestBackend implements AutoCloseable {

    final String name;
    final AtomicInteger requests = new AtomicInteger();
    private final Server server;
    private final ServerConnector connector;
    private final String scheme;

    TestBackend(String name) throws Exception {
        this(name, null);
    }

    /** A backend over TLS with {@code ssl} (its {@link #uri()} is {@code https://}), or plain HTTP when null. */
    TestBackend(String name, org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl) throws Exception {
        this.name = name;
        this.scheme = ssl == null ? "http" : "https";
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("test-backend-" + name);
        server = new Server(pool);
        // Case-sensitive header cache: a backend that rewrote header values (Jetty's default) would
        // hide what jlb forwards (see HeaderValuesTest).
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true);
        org.eclipse.jetty.server.HttpConnectionFactory h1 = new org.eclipse.jetty.server.HttpConnectionFactory(http);
        connector = ssl == null ? new ServerConnector(server, 1, 1, h1) : new ServerConnector(server, 1, 1,
                new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"), h1);
        if (ssl != null) {
            http.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
        }
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                requests.incrementAndGet();
                Fields query = Request.extractQueryParameters(request);
                long delay = query.get("delay") == null ? 0 : Long.parseLong(query.get("delay").getValue());
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.getHeaders().put(DemoBackends.BACKEND_HEADER, name);
                String echo = query.get("echo") == null ? null : query.get("echo").getValue();
                String text = echo == null ? name : String.valueOf(request.getHeaders().get(echo));
                ByteBuffer body = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                if (delay > 0) {
                    server.getScheduler().schedule(() -> response.write(true, body, callback), delay,
                            TimeUnit.MILLISECONDS);
                } else {
                    response.write(true, body, callback);
                }
                return true;
            }
        });
        server.start();
    }

    String uri() {
        return scheme + "://127.0.0.1:" + connector.getLocalPort();
    }

    String id() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
