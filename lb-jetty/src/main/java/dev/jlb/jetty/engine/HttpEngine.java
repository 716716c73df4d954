package dev.jlb.jetty.engine;

import dev.jlb.Ticker;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.RefusedRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.DateGenerator;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lean HTTP/1.1 forwarding engine on Jetty's I/O layer: a {@link ConnectionFactory} to put first
 * on any {@code ServerConnector}, ahead of an {@code HttpConnectionFactory}, for the routes set with
 * {@link #setRoutes}.
 *
 * <pre>{@code
 * HttpEngine engine = new HttpEngine(server.getThreadPool(), server.getScheduler(), server.getByteBufferPool());
 * engine.setRoutes(List.of(new EngineRoute(loadBalancer, ProxyOptions.defaults())));
 * ServerConnector connector = new ServerConnector(server, engine, new HttpConnectionFactory());
 * }</pre>
 *
 * <p>It parses the request line and the headers that framing and routing need, strictly (see
 * {@link HeadParser}), copies the other header lines verbatim, and forwards bodies as bytes, over
 * backend connections kept alive in a pool. Requests it does not take go, with every byte read so
 * far, to the connector's {@code HTTP/1.1} factory for the rest of the connection (the Jetty-model
 * path): no engine route matches, {@code Upgrade}, {@code Expect}, HTTP/1.0, a target that is not
 * a plain origin-form path (absolute-form, {@code %}-encoded, dot segments, {@code ;} parameters),
 * and HTTP/2 with prior knowledge.
 *
 * <p>Behind TLS (Jetty's {@code SslConnectionFactory} terminating it, the engine reading the
 * decrypted end point) requests are secure: {@code X-Forwarded-Proto: https}, {@code Secure} sticky
 * cookies, the {@code https} scheme for upgrades. There the engine goes in the place of the
 * {@code HTTP/1.1} factory, wrapped in an {@link EngineConnectionFactory} that holds the factory it
 * hands over to (ALPN and TLS look the next factory up by that name); a connector whose TLS names
 * {@link #PROTOCOL} next takes the engine itself, handing over to the connector's {@code HTTP/1.1}
 * factory as on cleartext.
 *
 * <p>Threading: a client connection's callbacks and its backend connection's callbacks are
 * non-blocking and run in place on their selector threads (the server connector's and this
 * engine's client connector's); nothing on the path blocks. Thread-safe.
 */
public final class HttpEngine extends ContainerLifeCycle implements ConnectionFactory, Graceful {

    /** The protocol name of this factory on a connector. */
    public static final String PROTOCOL = "jlb-http/1.1";
    /** Default longest request line, in bytes, as Jetty's. */
    public static final int DEFAULT_MAX_REQUEST_LINE = 8192;
    /** Default longest request head (request line and headers), in bytes, as Jetty's. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 8192;

    private static final Comparator<EngineRoute> LONGEST_FIRST =
            Comparator.comparingInt((EngineRoute r) -> r.prefix().length()).reversed();

    final Executor executor;
    final Scheduler scheduler;
    final ByteBufferPool buffers;
    /**
     * Where the request and response heads are built: fresh heap buffers (thread-local allocation),
     * not {@link #buffers}. Measured side by side at 1,000 client connections, heads from Jetty's
     * pool cost the engine 15% more CPU per request than allocated ones (36.0 against 31.2 us; a
     * buffer kept per connection is cold in the cache, the shared pool's acquire searches its
     * entries); at 100 connections no measurable difference. Connection input buffers do come from
     * {@link #buffers}.
     */
    ByteBufferPool heads = new ByteBufferPool.NonPooling();
    final ClientConnector clientConnector = new ClientConnector();
    /**
     * The first {@link EngineConnector} the engine served a connection on: its selectors carry the
     * backend connections of clients on other connectors. Null until then, or when the engine sits
     * on plain connectors only.
     */
    volatile EngineConnector sharedConnector;
    /**
     * The {@link EngineConnector}s the engine served a connection on, in that order, each with the
     * first {@link BackendPool} slot of its selectors; copied on write (under this engine's lock).
     */
    private volatile Served[] served = new Served[0];
    final BackendPool pool;
    private Deadlines deadlines;
    private Ticker ticker = Ticker.systemTicker();
    private int maxRequestLine = DEFAULT_MAX_REQUEST_LINE;
    private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
    private long headerTimeoutNanos;
    private volatile EngineRoute[] routes = new EngineRoute[0];
    private volatile ProxyListener refusals;
    private static final Logger LOG = LoggerFactory.getLogger(HttpEngine.class);

    private final Set<ClientConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong active = new AtomicLong();
    private volatile CompletableFuture<Void> shutdown;

    private volatile byte[] date;
    private volatile long dateSecond;

    /**
     * Creates the engine.
     *
     * @param executor runs the work that may not run on a selector thread
     * @param scheduler fires the timeouts
     * @param buffers where the engine takes its I/O buffers
     */
    public HttpEngine(Executor executor, Scheduler scheduler, ByteBufferPool buffers) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.buffers = Objects.requireNonNull(buffers, "buffers");
        clientConnector.setExecutor(executor);
        clientConnector.setScheduler(scheduler);
        clientConnector.setByteBufferPool(buffers);
        clientConnector.setSelectors(1);
        clientConnector.setConnectTimeout(Duration.ofSeconds(60));
        clientConnector.setIdleTimeout(Duration.ofSeconds(30));
        addBean(clientConnector);
        this.pool = new BackendPool(this);
    }

    /**
     * Jetty's RFC 9110 compliance without bare-LF line endings: what the Jetty-model path behind an
     * engine uses so that both paths refuse the same heads (the engine refuses a bare LF, as the
     * request-smuggling guidance says).
     *
     * @return the org.eclipse.jetty.http.http compliance
     */
    public static org.eclipse.jetty.http.HttpCompliance strictCompliance() {
        return org.eclipse.jetty.http.HttpCompliance.RFC9110.without("RFC9110_NO_BARE_LF",
                org.eclipse.jetty.http.HttpCompliance.Violation.LF_HEADER_TERMINATION,
                org.eclipse.jetty.http.HttpCompliance.Violation.LF_CHUNK_TERMINATION);
    }

    /** Builds heads in buffers of {@code pool} (tests: a tracking pool checks their releases); call before start. */
    HttpEngine headBuffers(ByteBufferPool pool) {
        this.heads = Objects.requireNonNull(pool, "pool");
        return this;
    }

    /**
     * Uses {@code ticker} for timeouts (tests); call before start.
     *
     * @param ticker the ticker
     * @return the http engine
     */
    public HttpEngine ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        return this;
    }

    /**
     * The longest request line (414 beyond); default {@value #DEFAULT_MAX_REQUEST_LINE}.
     *
     * @param bytes the bytes
     * @return the longest request line (414 beyond)
     */
    public HttpEngine maxRequestLine(int bytes) {
        if (bytes < 64) {
            throw new IllegalArgumentException("maxRequestLine: " + bytes + " (expected: >= 64)");
        }
        this.maxRequestLine = bytes;
        return this;
    }

    /**
     * The longest request head (431 beyond); default {@value #DEFAULT_MAX_HEADER_SIZE}.
     *
     * @param bytes the bytes
     * @return the longest request head (431 beyond)
     */
    public HttpEngine maxHeaderSize(int bytes) {
        if (bytes < 256) {
            throw new IllegalArgumentException("maxHeaderSize: " + bytes + " (expected: >= 256)");
        }
        this.maxHeaderSize = bytes;
        return this;
    }

    /**
     * How long a request head may take from its first byte (408 and close after); zero, the
     * default, leaves slow heads to the connector's idle timeout.
     *
     * @param timeout the timeout
     * @return how long a request head may take from its first byte (408 and close after)
     */
    public HttpEngine headerTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("headerTimeout: " + timeout + " (expected: >= 0)");
        }
        this.headerTimeoutNanos = timeout.toNanos();
        return this;
    }

    /**
     * Where the answers the engine writes itself before any route takes a request (400, 414, 431,
     * 505 for a malformed head, 408 for a head that did not arrive in time) are reported, as
     * {@link RefusedRecord}s; null, the default, for nowhere. Requests a route took are reported to
     * that route's {@link ProxyOptions#listener()}.
     *
     * @param listener the listener, or null
     * @return this engine
     */
    public HttpEngine refusalListener(ProxyListener listener) {
        this.refusals = listener;
        return this;
    }

    /** Reports one of the engine's own answers to the {@link #refusalListener}, if any. */
    void refused(String method, String target, String client, int status, long bodyBytes, long latencyNanos) {
        ProxyListener l = refusals;
        if (l == null) {
            return;
        }
        int q = target.indexOf('?');
        try {
            l.onComplete(new RefusedRecord(method, q < 0 ? target : target.substring(0, q),
                    q < 0 ? null : target.substring(q + 1), client, status, bodyBytes, latencyNanos));
        } catch (RuntimeException e) {
            LOG.warn("jlb: the refusal listener failed", e);
        }
    }

    long headerTimeoutNanos() {
        return headerTimeoutNanos;
    }

    int maxRequestLine() {
        return maxRequestLine;
    }

    int maxHeaderSize() {
        return maxHeaderSize;
    }

    Deadlines deadlines() {
        return deadlines;
    }

    long now() {
        return ticker.read();
    }

    /**
     * Replaces the routes at once (a hot reload); started routes are not started again. Requests
     * already on a route finish there; a retired route is looked past.
     *
     * @param next the next
     */
    public synchronized void setRoutes(List<EngineRoute> next) {
        EngineRoute[] sorted = next.toArray(new EngineRoute[0]);
        Arrays.sort(sorted, LONGEST_FIRST);
        for (EngineRoute r : sorted) {
            r.start();
        }
        routes = sorted;
    }

    /** {@return the current routes, longest prefix first} */
    public List<EngineRoute> routes() {
        return List.of(routes);
    }

    /** The route for a path, entered (its in-flight count up), or null for none (Jetty's path takes it). */
    EngineRoute enter(String path) {
        for (int tries = 0; tries < 4; tries++) {
            EngineRoute[] current = routes;
            EngineRoute match = null;
            for (EngineRoute r : current) {
                if (r.matches(path)) {
                    match = r;
                    break;
                }
            }
            if (match == null || !match.isEngine()) {
                return null;
            }
            if (match.enter()) {
                return match;
            }
        }
        return null;
    }

    @Override
    protected void doStart() throws Exception {
        deadlines = new Deadlines(scheduler, ticker);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        pool.closeAll();
        super.doStop();
    }

    @Override
    public String getProtocol() {
        return PROTOCOL;
    }

    @Override
    public List<String> getProtocols() {
        return List.of(PROTOCOL);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        return newConnection(connector, endPoint, null);
    }

    /**
     * A client connection on {@code endPoint} whose requests the engine does not take go to
     * {@code fallback}, or when null to the connector's {@code HTTP/1.1} factory.
     */
    Connection newConnection(Connector connector, EndPoint endPoint, ConnectionFactory fallback) {
        if (connector instanceof EngineConnector engineConnector) {
            serve(engineConnector);
        }
        return new ClientConnection(this, connector, endPoint, fallback);
    }

    /** An {@link EngineConnector} and the pool slot of its first selector. */
    private record Served(EngineConnector connector, int firstSlot) {
    }

    /** Remembers {@code connector} among those served (once), the first as {@link #sharedConnector}. */
    private void serve(EngineConnector connector) {
        for (Served s : served) {
            if (s.connector == connector) {
                return;
            }
        }
        synchronized (this) {
            Served[] current = served;
            for (Served s : current) {
                if (s.connector == connector) {
                    return;
                }
            }
            Served last = current.length == 0 ? null : current[current.length - 1];
            int first = last == null ? 1 : last.firstSlot + last.connector.getSelectorManager().getSelectorCount();
            Served[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = new Served(connector, first);
            served = next;
            if (sharedConnector == null) {
                sharedConnector = connector;
            }
        }
    }

    /**
     * The {@link BackendPool} slot of the selector {@code endPoint} runs on (unwrapped from TLS): from
     * 1 for the selectors of the {@link EngineConnector}s served, in order; 0 for any other end point.
     */
    int slotOf(EndPoint endPoint) {
        EngineConnector.Tracked t = EngineConnector.tracked(endPoint);
        if (t != null) {
            for (Served s : served) {
                if (s.connector == t.connector) {
                    return s.firstSlot + t.selectorId;
                }
            }
        }
        return 0;
    }

    /**
     * The running {@link EngineConnector} on whose selectors a backend connection for {@code client}
     * opens: the client's own (unwrapped from TLS), else the {@link #sharedConnector}; null for the
     * engine's own client connector.
     */
    EngineConnector connectorFor(EndPoint client) {
        EngineConnector.Tracked t = EngineConnector.tracked(client);
        if (t != null && t.connector.isRunning()) {
            return t.connector;
        }
        EngineConnector shared = sharedConnector;
        return shared != null && shared.isRunning() ? shared : null;
    }

    void opened(ClientConnection c) {
        connections.add(c);
    }

    void closed(ClientConnection c) {
        connections.remove(c);
    }

    void exchangeStarted() {
        active.incrementAndGet();
    }

    void exchangeEnded() {
        if (active.decrementAndGet() == 0) {
            CompletableFuture<Void> s = shutdown;
            if (s != null) {
                s.complete(null);
            }
        }
    }

    /** {@return requests in flight on the engine} */
    public long inFlight() {
        return active.get();
    }

    /**
     * Stops keeping client and backend connections alive; completes when no request is in flight.
     */
    @Override
    public CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> s = shutdown;
        if (s == null) {
            s = new CompletableFuture<>();
            shutdown = s;
            for (ClientConnection c : connections) {
                c.closeIfIdle();
            }
            // Idle backend connections close too (and busy ones when released): on an EngineConnector
            // they are the connector's end points, whose graceful shutdown waits for every one.
            pool.closeAll();
            if (active.get() == 0) {
                s.complete(null);
            }
        }
        return s;
    }

    @Override
    public boolean isShutdown() {
        return shutdown != null;
    }

    /** The {@code Date} header line for responses, formatted once per second. */
    byte[] dateLine() {
        long second = System.currentTimeMillis() / 1000;
        byte[] d = date;
        if (d == null || second != dateSecond) {
            d = ("Date: " + DateGenerator.formatDate(second * 1000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            date = d;
            dateSecond = second;
        }
        return d;
    }

    @Override
    public String toString() {
        return "HttpEngine{routes=" + Arrays.toString(routes) + ", inFlight=" + active.get() + '}';
    }
}
