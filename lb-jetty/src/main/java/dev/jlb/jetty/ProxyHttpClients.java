package dev.jlb.jetty;

import java.net.URI;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpConversation;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Creates Jetty {@link HttpClient}s tuned for proxying to backends, for the adapters and for
 * applications that share one client between several of them (such as a standalone balancer with
 * several routes).
 *
 * <p>A proxy client follows no redirects, keeps no cookies, decodes no content (bodies pass through
 * byte for byte), handles no authentication challenges or {@code 100 Continue} itself
 * (interim {@code 1xx} responses of a backend are skipped: see {@link InterimResponses}), adds no
 * {@code User-Agent} and no default {@code Content-Type}, passes header values exactly (its header
 * cache is case-sensitive), sends the request's method as spelled ({@code get} stays {@code get}:
 * methods are case-sensitive, RFC 9110 9.1, and Jetty's own requests upper-case them), and speaks {@link ProxyOptions#backendProtocol()} to backends (HTTP/1.1
 * by default; HTTP/2 backends share one multiplexed pool per backend, bounded by
 * {@link ProxyOptions#maxStreamsPerConnection()}). Its connect timeout, idle timeout, pool sizes,
 * response header limit and TLS to {@code https://} backends ({@link ProxyOptions#backendTls()})
 * come from {@link ProxyOptions}.
 *
 * <pre>{@code
 * HttpClient client = ProxyHttpClients.newHttpClient(options, server.getThreadPool());
 * server.addBean(client); // started and stopped with the server
 * LoadBalancingHandler api = new LoadBalancingHandler(apiLb, apiOptions);
 * api.setHttpClient(client);
 * }</pre>
 */
public final class ProxyHttpClients {

    private ProxyHttpClients() {
    }

    /**
     * A new, not yet started proxy client on its own thread pool (named {@code jlb-client}).
     *
     * @param options the options
     * @return a new, not yet started proxy client on its own thread pool (named {@code jlb-client})
     */
    public static HttpClient newHttpClient(ProxyOptions options) {
        return newHttpClient(options, null);
    }

    /**
     * A new, not yet started proxy client.
     *
     * @param options connect timeout, idle timeout and pool sizes
     * @param executor the thread pool to run on, such as the server's ({@code server.getThreadPool()},
     * measured faster than two pools here); null for a pool of its own
     * @return a new, not yet started proxy client
     * @throws IllegalStateException when an HTTP/2 backend protocol is asked for without
     * {@code jetty-http2-client-transport} on the class path
     */
    public static HttpClient newHttpClient(ProxyOptions options, Executor executor) {
        Objects.requireNonNull(options, "options");
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        connector.setSslContextFactory(options.backendTls().newSslContextFactory());
        HttpClientTransport transport = BackendTransports.newTransport(options, connector);
        HttpClient client = new ProxyHttpClient(transport);
        if (executor != null) {
            client.setExecutor(executor);
        } else {
            QueuedThreadPool pool = new QueuedThreadPool();
            pool.setName("jlb-client");
            client.setExecutor(pool);
        }
        client.setConnectTimeout(options.connectTimeout().toMillis());
        // Idle pooled connections close before typical backends close them (see StaleConnections);
        // a request in flight has the route's idle timeout (ProxyExchange sets it per request).
        client.setIdleTimeout(StaleConnections.poolIdleMillis(options));
        client.setMaxConnectionsPerDestination(options.maxConnectionsPerBackend());
        client.setMaxRequestsQueuedPerDestination(options.maxRequestsQueuedPerBackend());
        client.setMaxResponseHeadersSize(options.maxResponseHeaderSize());
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        client.setDefaultRequestContentType(null);
        return client;
    }

    /**
     * Replaces the protocol handlers that {@link HttpClient#start()} installs with
     * {@link InterimResponses} alone, clears its content decoders, and makes requests that keep
     * their method's spelling.
     */
    // close() stops a Jetty server, whose stop() throws Exception (InterruptedException among them).
    @SuppressWarnings("try")
    private static final class ProxyHttpClient extends HttpClient {
        ProxyHttpClient(HttpClientTransport transport) {
            super(transport);
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            getProtocolHandlers().clear();
            getProtocolHandlers().put(new InterimResponses());
            getContentDecoderFactories().clear();
        }

        @Override
        public Request newRequest(URI uri) {
            return new ExactMethodRequest(this, uri);
        }

        @Override
        public String toString() {
            return "jlb " + super.toString();
        }
    }

    /**
     * A request whose method goes out exactly as given: {@link HttpRequest#method(String)} upper-cases
     * it, which would turn a client's {@code get} (a method of its own, which a backend may refuse)
     * into {@code GET}. The transport writes the request line from {@link #getMethod()}.
     */
    private static final class ExactMethodRequest extends HttpRequest {
        private String method;

        ExactMethodRequest(HttpClient client, URI uri) {
            super(client, new HttpConversation(), uri);
        }

        @Override
        public Request method(String method) {
            super.method(method);
            this.method = method;
            return this;
        }

        @Override
        public Request method(HttpMethod method) {
            return method(method.asString());
        }

        @Override
        public String getMethod() {
            return method != null ? method : super.getMethod();
        }
    }
}
