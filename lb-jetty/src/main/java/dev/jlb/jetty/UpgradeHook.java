package dev.jlb.jetty;

import dev.jlb.jetty.upgrade.TunnelConnector;
import dev.jlb.jetty.upgrade.UpgradeExchange;
import dev.jlb.jetty.upgrade.UpgradedConnections;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * What an adapter adds to carry upgraded connections (WebSocket): the {@link TunnelConnector} to
 * backends (only when the route allows an upgrade) and the one call that takes an upgrade request
 * off the usual path. Started and stopped with its adapter; thread-safe once started.
 */
final class UpgradeHook {

    private final ProxyCore core;
    private final TunnelConnector connector;
    private final UpgradedConnections registry;

    UpgradeHook(ProxyCore core, Executor executor, Scheduler scheduler, ByteBufferPool pool) {
        this.core = core;
        ProxyOptions options = core.options;
        this.connector = options.upgrades().isEmpty() ? null : new TunnelConnector(executor, scheduler, pool,
                options.connectTimeout(), options.attemptTimeout(), options.websocketIdleTimeout());
        this.registry = UpgradedConnections.of(core.loadBalancer);
    }

    void start() throws Exception {
        if (connector != null) {
            connector.start();
        }
    }

    void stop() {
        if (connector != null) {
            LifeCycle.stop(connector);
        }
    }

    /** The connector as a bean for a container adapter (null when the route allows no upgrade). */
    TunnelConnector connector() {
        return connector;
    }

    /** The {@code Upgrade} value of a request that asks for an upgrade, or null (see {@link UpgradeExchange#upgradeRequested}). */
    static String upgradeRequested(Request request) {
        HttpFields headers = request.getHeaders();
        return UpgradeExchange.upgradeRequested(request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1,
                headers.get(HttpHeader.UPGRADE), headers.contains(HttpHeader.CONNECTION, "upgrade"));
    }

    /**
     * Takes {@code request} when it asks for an upgrade (see {@link #upgradeRequested}) and returns
     * true; {@code callback} completes once the answer (a 101, a relayed refusal or an error) is
     * written. Returns false for every other request.
     */
    boolean handle(Request request, Response response, Callback callback, String mountPath) {
        String upgrade = upgradeRequested(request);
        if (upgrade == null) {
            return false;
        }
        HttpURI uri = request.getHttpURI();
        String target = ProxyHeaders.targetPath(uri.getPath(), uri.getDecodedPath(), mountPath,
                core.options.stripPrefix(), uri.getQuery());
        String scheme = uri.getScheme() != null ? uri.getScheme() : request.isSecure() ? "https" : "http";
        new UpgradeExchange(core.loadBalancer, core.options, core.sticky, connector == null ? null : connector::connect,
                registry, new CoreClient(request, response, callback), target, mountPath, scheme).start(upgrade);
        return true;
    }

    /** Adds {@code from} to {@code to}, a header that may appear once replacing what {@code to} has. */
    private static void copy(HttpFields from, HttpFields.Mutable to) {
        for (HttpField field : from) {
            if (ProxyHeaders.isSingleServerHeader(field.getHeader()) || field.getHeader() == HttpHeader.CONNECTION
                    || field.getHeader() == HttpHeader.UPGRADE || field.getHeader() == HttpHeader.CONTENT_LENGTH) {
                to.put(field);
            } else {
                to.add(field);
            }
        }
    }

    /** A jetty-core request and its response, as an upgrade's client. */
    private static final class CoreClient implements UpgradeExchange.Client {
        private final Request request;
        private final Response response;
        private final Callback callback;

        CoreClient(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String path() {
            return request.getHttpURI().getPath();
        }

        @Override
        public String query() {
            return request.getHttpURI().getQuery();
        }

        @Override
        public HttpFields headers() {
            return request.getHeaders();
        }

        @Override
        public String remoteAddress() {
            return Request.getRemoteAddr(request);
        }

        @Override
        public String protocol() {
            return request.getConnectionMetaData().getProtocol();
        }

        @Override
        public EndPoint endPoint() {
            return request.getConnectionMetaData().getConnection().getEndPoint();
        }

        @Override
        public void switchProtocols(HttpFields headers, Connection upgraded, Runnable abandon) {
            response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
            copy(headers, response.getHeaders());
            request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, upgraded);
            response.write(true, null, Callback.from(callback::succeeded, x -> {
                abandon.run();
                callback.failed(x);
            }));
        }

        @Override
        public void respond(int status, HttpFields headers, ByteBuffer body, boolean close) {
            try {
                if (close) {
                    response.reset(); // an error: nothing of an earlier answer stays
                }
                response.setStatus(status);
                copy(headers, response.getHeaders());
                response.write(true, body, callback);
            } catch (Throwable x) {
                callback.failed(x);
            }
        }
    }
}
