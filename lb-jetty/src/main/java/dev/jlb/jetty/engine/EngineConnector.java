package dev.jlb.jetty.engine;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A {@link ServerConnector} whose selectors also carry an {@link HttpEngine}'s backend connections:
 * put the engine first among its factories and the engine opens its connections to backends on this
 * connector's selector threads instead of a selector of its own, each on the selector of the client
 * connection it serves, so that a client connection and the backend connections serving it are
 * handled by the same thread, without a wake-up of another thread per request; a kept-alive backend
 * connection is reused first by the clients of its own selector (see {@code BackendPool}). On a plain
 * {@code ServerConnector} the engine works the same and keeps its own selector for the backends.
 * Behind TLS the same holds: the selector of a client connection is that of the encrypted end point
 * under the decrypted one the engine reads.
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

    /**
     * A connection the engine opens on this connector's selectors: what the selector manager needs
     * to make its {@link Connection} and to tell the opener. Called on a selector thread.
     */
    interface Opening {
        /** The engine's connection for the connected {@code endPoint}. */
        Connection newConnection(EndPoint endPoint);

        /** {@code connection} is open. */
        void opened(Connection connection);

        /** The connect failed (or timed out): {@code channel} is to be closed. */
        void failed(SelectableChannel channel, Throwable failure);
    }

    /** The selector the connection being registered on this thread goes to; null: Jetty's choice. */
    private static final ThreadLocal<ManagedSelector> CHOSEN = new ThreadLocal<>();

    /**
     * Connects {@code channel} (open, non-blocking, connect started or done) for {@code opening}, on
     * the selector of {@code client} when it is one of this connector's end points, or the decrypted
     * end point of one (so that with several selectors too the backend connection runs on its
     * client's thread), else on the next one.
     */
    void connect(SelectableChannel channel, boolean connected, Opening opening, EndPoint client) {
        SelectorManager manager = getSelectorManager();
        Tracked t = tracked(client);
        CHOSEN.set(t != null && t.connector == this ? t.selector : null);
        try {
            if (connected) {
                manager.accept(channel, opening);
            } else {
                manager.connect(channel, opening);
            }
        } finally {
            CHOSEN.remove();
        }
    }

    /**
     * The {@link Tracked} end point under {@code endPoint}: itself, or for the decrypted end point of
     * a TLS connection ({@link SslConnection.SslEndPoint}) the encrypted one it reads from; null when
     * there is none (an end point of another connector, or null).
     */
    static Tracked tracked(EndPoint endPoint) {
        if (endPoint instanceof Tracked t) {
            return t;
        }
        if (endPoint instanceof SslConnection.SslEndPoint ssl && ssl.getSslConnection().getEndPoint() instanceof Tracked t) {
            return t;
        }
        return null;
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        Tracked endPoint = new Tracked(this, channel, selector, key, getScheduler());
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    /**
     * An end point that remembers its connector and its selector, for {@link #connect} and for the
     * {@link BackendPool}'s idle lists per selector.
     */
    static final class Tracked extends SocketChannelEndPoint {
        final EngineConnector connector;
        final ManagedSelector selector;
        /** The index of {@link #selector} among the connector's selectors, from 0. */
        final int selectorId;

        Tracked(EngineConnector connector, SocketChannel channel, ManagedSelector selector, SelectionKey key,
                Scheduler scheduler) {
            super(channel, selector, key, scheduler);
            this.connector = connector;
            this.selector = selector;
            this.selectorId = ((Indexed) selector).id;
        }
    }

    /** A selector that tells its index among the connector's selectors (Jetty 12.1 keeps it private). */
    static final class Indexed extends ManagedSelector {
        final int id;

        Indexed(SelectorManager manager, int id) {
            super(manager, id);
            this.id = id;
        }
    }

    @Override
    protected SelectorManager newSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
        return new ServerConnectorManager(executor, scheduler, selectors) {
            @Override
            protected ManagedSelector newSelector(int id) {
                return new Indexed(this, id);
            }

            @Override
            protected ManagedSelector chooseSelector() {
                ManagedSelector chosen = CHOSEN.get();
                return chosen != null ? chosen : super.chooseSelector();
            }

            @Override
            public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment)
                    throws IOException {
                if (attachment instanceof Opening opening) {
                    return opening.newConnection(endPoint);
                }
                return super.newConnection(channel, endPoint, attachment);
            }

            @Override
            public void connectionOpened(Connection connection, Object context) {
                super.connectionOpened(connection, context);
                if (context instanceof Opening opening) {
                    opening.opened(connection);
                }
            }

            @Override
            protected void connectionFailed(SelectableChannel channel, Throwable failure, Object attachment) {
                if (attachment instanceof Opening opening) {
                    opening.failed(channel, failure);
                    return;
                }
                super.connectionFailed(channel, failure, attachment);
            }
        };
    }
}
