package dev.jlb.jetty.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A Jetty handler playing the Kubernetes API server for EndpointSlices, on a loopback port: a list
 * answers {@link #listBody}; each watch request gets its own queue of lines (written as a chunked
 * stream, one JSON event per line, as the real API server does) until {@link #END}. Optionally
 * https, with client certificates required.
 */
final class FakeApiServer implements AutoCloseable {
    static final String END = "END";
    /** One queue of lines per watch request, in the order the watches arrived. */
    final List<BlockingQueue<String>> watches = new CopyOnWriteArrayList<>();
    /** Each request: path?query, a space, the Authorization header (or null), a space, the client certificate's subject. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile String listBody = "{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}";
    /** Lists answered 500 before the next one succeeds. */
    final AtomicInteger failLists = new AtomicInteger();
    private final Server server = new Server();
    private final ServerConnector connector;

    /** Plain http. */
    FakeApiServer() throws Exception {
        this(null, null, false);
    }

    /** https with {@code keyStore} (PKCS#12, password "pw"), trusting {@code trustStore} for required client certificates. */
    FakeApiServer(Path keyStore, Path trustStore, boolean needClientAuth) throws Exception {
        if (keyStore == null) {
            connector = new ServerConnector(server);
        } else {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(keyStore.toString());
            ssl.setKeyStorePassword("pw");
            if (trustStore != null) {
                ssl.setTrustStorePath(trustStore.toString());
                ssl.setTrustStorePassword("pw");
                ssl.setTrustStoreType("PKCS12");
            }
            ssl.setNeedClientAuth(needClientAuth);
            HttpConfiguration http = new HttpConfiguration();
            SecureRequestCustomizer src = new SecureRequestCustomizer();
            src.setSniHostCheck(false);
            http.addCustomizer(src);
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String q = request.getHttpURI().getQuery();
                Object tls = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
                java.security.cert.X509Certificate[] c = tls instanceof EndPoint.SslSessionData d ? d.peerCertificates() : null;
                String subject = c != null && c.length > 0 ? c[0].getSubjectX500Principal().getName() : "-";
                requests.add(request.getHttpURI().getPath() + "?" + q + " " + request.getHeaders().get("Authorization")
                        + " " + subject);
                response.getHeaders().put("Content-Type", "application/json");
                if (q == null || !q.contains("watch=true")) {
                    if (failLists.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        response.setStatus(500);
                        Content.Sink.write(response, true, "{\"kind\":\"Status\",\"code\":500}", callback);
                        return true;
                    }
                    Content.Sink.write(response, true, listBody, callback);
                    return true;
                }
                BlockingQueue<String> events = new LinkedBlockingQueue<>();
                watches.add(events);
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    String line;
                    while ((line = events.poll(30, TimeUnit.SECONDS)) != null && !line.equals(END)) {
                        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
                callback.succeeded();
                return true;
            }
        });
        server.start();
    }

    String url() {
        return (connector.getDefaultConnectionFactory() instanceof SslConnectionFactory ? "https" : "http")
                + "://127.0.0.1:" + connector.getLocalPort();
    }

    int port() {
        return connector.getLocalPort();
    }

    /** The queue of the {@code index}-th watch request (0-based), waiting up to 10 s for it to arrive. */
    BlockingQueue<String> watch(int index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (watches.size() <= index && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(watches).as("watch requests").hasSizeGreaterThan(index);
        return watches.get(index);
    }

    static String slice(String name, String rv, int port, String endpoints) {
        return "{\"metadata\":{\"name\":\"" + name + "\",\"resourceVersion\":\"" + rv + "\"},"
                + "\"ports\":[{\"name\":\"http\",\"port\":" + port + "},{\"name\":\"admin\",\"port\":9000}],"
                + "\"endpoints\":[" + endpoints + "]}";
    }

    static String slice(String name, String rv, String endpoints) {
        return slice(name, rv, 8080, endpoints);
    }

    static String ep(String address, boolean ready, boolean serving, boolean terminating) {
        return "{\"addresses\":[\"" + address + "\"],\"conditions\":{\"ready\":" + ready + ",\"serving\":" + serving
                + ",\"terminating\":" + terminating + "}}";
    }

    static String event(String type, String object) {
        return "{\"type\":\"" + type + "\",\"object\":" + object + "}";
    }

    static String list(String rv, String... slices) {
        return "{\"metadata\":{\"resourceVersion\":\"" + rv + "\"},\"items\":[" + String.join(",", slices) + "]}";
    }

    @Override
    public void close() {
        watches.forEach(w -> w.add(END));
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the fake API server", e);
        }
    }
}
