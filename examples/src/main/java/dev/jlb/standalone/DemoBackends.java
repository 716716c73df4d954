package dev.jlb.standalone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The demo's backends, like the Go original's mock cluster: each answers any path with
 * {@code 200 <--response-->} and names itself in the {@value #BACKEND_HEADER} header.
 *
 * <p>To watch jlb react to a failing backend, {@code POST /_demo/down} makes a backend answer 503 to
 * everything (health checks included) and {@code POST /_demo/up} restores it.
 *
 * <p>All backends share one server and one small thread pool, each on its own connector. Thread-safe.
 */
// close() stops a Jetty server, whose stop() throws Exception (InterruptedException among them).
@SuppressWarnings("try")
final class DemoBackends implements AutoCloseable {

    /** The header naming the backend that answered. */
    static final String BACKEND_HEADER = "X-Backend";
    /** The body of every healthy answer, as the Go original's mock servers sent it. */
    static final String BODY = "<--response-->";

    private static final ByteBuffer OK = ByteBuffer.wrap(BODY.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
    private static final ByteBuffer DOWN = ByteBuffer.wrap("backend down (demo)\n".getBytes(StandardCharsets.US_ASCII))
            .asReadOnlyBuffer();

    private final Server server;
    private final List<ServerConnector> connectors = new ArrayList<>();

    /**
     * Starts one backend per port on {@code host} (port 0 lets the OS choose), named b1, b2, ...
     *
     * @throws Exception when a port cannot be bound
     */
    DemoBackends(String host, List<Integer> ports) throws Exception {
        Objects.requireNonNull(host, "host");
        QueuedThreadPool pool = new QueuedThreadPool(8 + 2 * ports.size(), 2);
        pool.setName("demo-backend");
        server = new Server(pool);
        server.setStopAtShutdown(false);
        List<Handler> handlers = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            String name = "b" + (i + 1);
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
            connector.setName(name);
            connector.setHost(host);
            connector.setPort(ports.get(i));
            server.addConnector(connector);
            connectors.add(connector);
            handlers.add(new Backend(name));
        }
        handlers.forEach(h -> h.setServer(server));
        server.setHandler(new ByConnector(handlers.toArray(new Handler[0])));
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
    }

    /** The base URIs, such as {@code http://127.0.0.1:8081}, in order. */
    List<String> uris() {
        List<String> uris = new ArrayList<>();
        for (ServerConnector c : connectors) {
            String host = c.getHost();
            uris.add("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + c.getLocalPort());
        }
        return uris;
    }

    /** The ports the backends listen on, in order. */
    List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        for (ServerConnector c : connectors) {
            ports.add(c.getLocalPort());
        }
        return ports;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Sends each request to the handler of the connector it arrived on. */
    private final class ByConnector extends Handler.Abstract.NonBlocking {
        private final Handler[] byIndex;

        ByConnector(Handler[] byIndex) {
            this.byIndex = byIndex;
            for (Handler h : byIndex) {
                addBean(h);
            }
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            int index = connectors.indexOf(request.getConnectionMetaData().getConnector());
            return index >= 0 && byIndex[index].handle(request, response, callback);
        }
    }

    /** One demo backend. */
    private static final class Backend extends Handler.Abstract.NonBlocking {
        private final String name;
        private volatile boolean down;

        Backend(String name) {
            this.name = name;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            if (HttpMethod.POST.is(request.getMethod()) && path.startsWith("/_demo/")) {
                if (path.equals("/_demo/down") || path.equals("/_demo/up")) {
                    down = path.endsWith("down");
                    response.getHeaders().put(BACKEND_HEADER, name);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                    response.write(true, ByteBuffer.wrap((name + " is " + (down ? "down" : "up") + "\n")
                            .getBytes(StandardCharsets.US_ASCII)), callback);
                    return true;
                }
            }
            response.getHeaders().put(BACKEND_HEADER, name);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            if (down) {
                response.setStatus(HttpStatus.SERVICE_UNAVAILABLE_503);
                response.write(true, DOWN.duplicate(), callback);
            } else {
                response.setStatus(HttpStatus.OK_200);
                response.write(true, OK.duplicate(), callback);
            }
            return true;
        }

        @Override
        public String toString() {
            return "demo backend " + name + (down ? " (down)" : "");
        }
    }

    @Override
    public String toString() {
        return "DemoBackends" + uris();
    }

}
