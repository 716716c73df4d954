package dev.jlb.jetty.engine;

import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.component.ContainerLifeCycle;

/**
 * An {@link HttpEngine} under the protocol name of the factory it hands over to: the way to put the
 * engine where a connector looks for {@code HTTP/1.1} by name, that is behind TLS. Jetty finds
 * factories by protocol name ignoring case, so the {@code http/1.1} that ALPN negotiates and the
 * {@code HTTP/1.1} that an {@code SslConnectionFactory} names next are one name, which the engine
 * would otherwise need both for itself and for the Jetty-model path it hands requests to. This
 * factory takes that name and holds the Jetty-model factory itself, instead of the connector:
 *
 * <pre>{@code
 * HttpConnectionFactory http1 = new HttpConnectionFactory(secureConfiguration);
 * EngineConnectionFactory engineFirst = new EngineConnectionFactory(engine, http1); // "HTTP/1.1"
 * ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
 * ServerConnector connector = new EngineConnector(server, -1, new SslConnectionFactory(ssl, alpn.getProtocol()),
 *         alpn, new HTTP2ServerConnectionFactory(secureConfiguration), engineFirst);
 * }</pre>
 *
 * <p>Each connection is the engine's; a request it does not take goes, with the connection and
 * every byte read so far, to {@link #fallback()}. The fallback is this factory's managed bean (it
 * starts and stops with it); the engine is an ordinary bean (started here unless it already runs,
 * for example as a factory of another connector).
 *
 * <p>Thread-safe: both factories are.
 */
public final class EngineConnectionFactory extends ContainerLifeCycle implements ConnectionFactory {

    private final HttpEngine engine;
    private final ConnectionFactory fallback;

    /**
     * The engine, handing over to {@code fallback}, under {@code fallback}'s protocol name.
     *
     * @param engine the engine that serves the connections
     * @param fallback where requests the engine does not take go (an {@code HttpConnectionFactory},
     *     not added to the connector)
     */
    public EngineConnectionFactory(HttpEngine engine, ConnectionFactory fallback) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        addBean(engine);
        addBean(fallback, true);
    }

    /** {@return the engine that serves the connections} */
    public HttpEngine engine() {
        return engine;
    }

    /** {@return the factory requests the engine does not take go to} */
    public ConnectionFactory fallback() {
        return fallback;
    }

    /** {@return the fallback's protocol name (for an {@code HttpConnectionFactory}: {@code HTTP/1.1})} */
    @Override
    public String getProtocol() {
        return fallback.getProtocol();
    }

    /** {@return the fallback's protocol names} */
    @Override
    public List<String> getProtocols() {
        return fallback.getProtocols();
    }

    /**
     * An engine connection on {@code endPoint} that hands over to {@link #fallback()}.
     *
     * @param connector the connector the end point was accepted on
     * @param endPoint the end point (behind TLS: the decrypted one)
     * @return the engine's connection
     */
    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        return engine.newConnection(connector, endPoint, fallback);
    }

    @Override
    public String toString() {
        return "EngineConnectionFactory{" + getProtocol() + ", fallback=" + fallback + '}';
    }
}
