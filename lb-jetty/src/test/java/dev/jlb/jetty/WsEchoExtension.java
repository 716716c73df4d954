package dev.jlb.jetty;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyFixture.Mode;
import dev.jlb.testing.Closer;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A WebSocket test's setup: before each test, one {@link WsEchoBackend} named {@code b1} behind a load
 * balancer named {@code ws} and a started WebSocket client; the test then starts the proxy with
 * {@link #start}. After the test, the client, the proxy, the backend and the balancer are closed, in
 * that order. {@code @RegisterExtension final WsEchoExtension echo = new WsEchoExtension();}
 */
final class WsEchoExtension implements BeforeEachCallback, AfterEachCallback {

    private final String strategy;
    /** The echo backend (set before each test; tests only read it, as the fields below). */
    WsEchoBackend backend;
    /** The load balancer in front of {@link #backend}. */
    LoadBalancer lb;
    /** The started WebSocket client. */
    WebSocketClient client;
    /** The proxy {@link #start} started, else null. */
    ProxyFixture proxy;

    /** The balancer's default strategy. */
    WsEchoExtension() {
        this(null);
    }

    /** The balancer picks with the strategy named {@code strategy} ({@code "least-connections"}, ...). */
    WsEchoExtension(String strategy) {
        this.strategy = strategy;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        backend = new WsEchoBackend("b1");
        LoadBalancer.Builder builder = LoadBalancer.builder().name("ws").backends(backend.uri());
        if (strategy != null) {
            builder.strategy(strategy);
        }
        lb = builder.build();
        client = WsClient.newClient();
    }

    /** Starts jlb at {@code /api} in front of {@link #lb} through {@code mode}; returns it (also {@link #proxy}). */
    ProxyFixture start(Mode mode, ProxyOptions options) throws Exception {
        if (proxy != null) {
            throw new IllegalStateException("the proxy is already started");
        }
        proxy = ProxyFixture.start(mode, lb, options);
        return proxy;
    }

    /** A socket opened through the started proxy to {@code pathQuery} (such as {@code /api/chat?room=1}). */
    WsClient connect(String pathQuery) throws Exception {
        return WsClient.connect(client, proxy.url(pathQuery));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        WebSocketClient c = client;
        AutoCloseable stopClient = c == null ? null : c::stop;
        Closer.closeAll(stopClient, proxy, backend, lb);
    }
}
