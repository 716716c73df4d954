package dev.jlb.jetty.engine;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A {@link ServerConnector} whose selectors also carry an {@link HttpEngine}'s backend connections:
 * put the engine first among its factories and the engine opens its connections to backends on this
 * connector's selector threads instead of a selector of its own, so that with one selector (one core)
 * a client connection and the backend connections serving it are handled by the same thread, without a
 * wake-up of another thread per request. On a plain {@code ServerConnector} the engine works the same
 * and keeps its own selector for the backends.
 *
 * <p>Thread-safe as a {@code ServerConnector} is; the backend connections it opens are the engine's:
 * they do not go through the connector's connection factories.
 */
public class EngineConnector extends ServerConnector {

    /**
     * A connector with one acceptor and the given number of selectors.
     *
     * @param server the server
     * @param selectors the selector threads ({@code -1}: Jetty's default for the machine)
     * @param factories the connection factories, the {@link HttpEngine} first
     */
    public EngineConnector(Server server, int selectors, ConnectionFactory... factories) {
        super(server, 1, selectors, factories);
    }

    /** Connects {@code channel} (open, non-blocking, connect started or done) for {@code pending}. */
    void connect(SelectableChannel channel, boolean connected, BackendPool.Pending pending) {
        SelectorManager manager = getSelectorManager();
        if (connected) {
            manager.accept(channel, pending);
        } else {
            manager.connect(channel, pending);
        }
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment)
                    throws IOException {
                if (attachment instanceof BackendPool.Pending pending) {
                    return pending.newConnection(endPoint);
                }
                return super.newConnection(channel, endPoint, attachment);
            }

            @Override
            public void connectionOpened(Connection connection, Object context) {
                super.connectionOpened(connection, context);
                if (context instanceof BackendPool.Pending pending) {
                    pending.opened(connection);
                }
            }

            @Override
            protected void connectionFailed(SelectableChannel channel, Throwable failure, Object attachment) {
                if (attachment instanceof BackendPool.Pending pending) {
                    pending.failed(channel, failure);
                    return;
                }
                super.connectionFailed(channel, failure, attachment);
            }
        };
    }
}
