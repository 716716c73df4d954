package dev.jlb.jetty;

import dev.jlb.jetty.upgrade.TunnelConnector;
import dev.jlb.jetty.upgrade.UpgradedConnections;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ByteBufferPool;
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

    /**
     * Takes {@code request} when it asks for an upgrade (see {@link UpgradeExchange#upgradeRequested})
     * and returns true; {@code callback} completes once the answer (a 101, a relayed refusal or an
     * error) is written. Returns false for every other request.
     */
    boolean handle(Request request, Response response, Callback callback, String mountPath) {
        String upgrade = UpgradeExchange.upgradeRequested(request);
        if (upgrade == null) {
            return false;
        }
        HttpURI uri = request.getHttpURI();
        String target = ProxyHeaders.targetPath(uri.getPath(), uri.getDecodedPath(), mountPath,
                core.options.stripPrefix(), uri.getQuery());
        String scheme = uri.getScheme() != null ? uri.getScheme() : request.isSecure() ? "https" : "http";
        new UpgradeExchange(core, connector, registry, request, response, callback, target, mountPath, scheme)
                .start(upgrade);
        return true;
    }
}
