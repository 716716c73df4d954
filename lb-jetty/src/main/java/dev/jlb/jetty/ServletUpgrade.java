package dev.jlb.jetty;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.util.FutureCallback;

/**
 * Upgrades under the servlet API: the servlet (and so the filter) reaches the jetty-core request
 * beneath the servlet request ({@link ServletContextRequest}) and runs the same core handshake and
 * splice as {@link LoadBalancingHandler}, as Jetty's own {@code JettyWebSocketServlet} does.
 *
 * <p>{@code HttpServletRequest.upgrade(HttpUpgradeHandler)} is not used: Jetty 12's ee10 servlet
 * layer does not implement it, and its {@code WebConnection} streams would put a copy through the
 * servlet layer for every byte. The servlet thread waits for the backend's answer to be written (a
 * handshake is bounded by the connect, attempt and total timeouts), as Jetty's WebSocket servlet
 * waits for its upgrade; the splice then runs on the I/O threads.
 */
final class ServletUpgrade {

    private ServletUpgrade() {
    }

    /** Returns true when {@code request} asked for an upgrade and was answered. */
    static boolean handle(UpgradeHook hook, ProxyCore core, HttpServletRequest request, String mount)
            throws IOException {
        ServletContextRequest coreRequest = ServletContextRequest.getServletContextRequest(request);
        if (coreRequest == null || UpgradeHook.upgradeRequested(coreRequest) == null) {
            return false;
        }
        FutureCallback done = new FutureCallback();
        hook.handle(coreRequest, coreRequest.getServletContextResponse(), done, mount);
        long bound = core.options.totalTimeout().plus(core.options.attemptTimeout())
                .plus(core.options.connectTimeout()).toMillis() + 1000;
        try {
            done.get(bound, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("jlb: interrupted while waiting for an upgrade answer");
        } catch (ExecutionException e) {
            throw new IOException("jlb: writing the upgrade answer failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("jlb: no upgrade answer within " + bound + " ms", e);
        }
        return true;
    }
}
