package dev.jlb.jetty.upgrade;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.LoadBalancer;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.RetryPolicy;
import dev.jlb.Selection;
import dev.jlb.jetty.ProxyHeaders;
import dev.jlb.jetty.ProxyListener;
import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.ProxyRecord;
import dev.jlb.jetty.StickyTokens;
import dev.jlb.jetty.internal.Listeners;
import dev.jlb.jetty.internal.Retries;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Upgrade} handshake (a WebSocket, or another protocol the route allows), whichever data
 * path received it: the jetty-core adapters (the handler, and under the servlet API the servlet and
 * the filter) and the {@code HttpEngine} each give it their request and their way of answering as a
 * {@link Client}.
 *
 * <p>The backend is picked as for any request (the strategy, the sticky cookie, hash affinity on
 * the request's path and headers); the handshake is rewritten as requests are ({@code Host},
 * {@code X-Forwarded-*}, {@code Via}, the request id, the sticky cookie removed) and keeps
 * {@code Upgrade} and {@code Connection: Upgrade}; a connect failure is retried on another backend
 * as the route's policy allows. On the backend's {@code 101} the client gets it (with the sticky
 * cookie), and the two connections are spliced byte for byte until either side closes; any other
 * answer is relayed. The selection is held for the upgraded connection's whole life.
 *
 * <p>The route's {@link ProxyListener} is told once: when a refusal, a relayed answer or an error
 * is written, and for a {@code 101} when the tunnel has ended ({@link ProxyRecord.Outcome#UPGRADED}).
 *
 * <p>The plumbing of jlb's adapters: applications have no reason to use it directly. Threading:
 * started on the request's thread; the backend's answer arrives on an I/O thread. Nothing blocks.
 */
public final class UpgradeExchange implements RequestContext, TunnelConnector.HandshakeListener {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradeExchange.class);

    /** The request of an upgrade, and the way to answer it, as one data path has them. */
    public interface Client {
        /** {@return the request method, as sent} */
        String method();

        /** {@return the request path, as received (before any prefix is stripped)} */
        String path();

        /** {@return the query, or null} */
        String query();

        /** {@return the request headers, in their order} */
        HttpFields headers();

        /** {@return the address of the connection's peer} */
        String remoteAddress();

        /** {@return the protocol of the client connection, for {@code Via} ({@code HTTP/1.1})} */
        String protocol();

        /** {@return the client connection's end point, which the tunnel takes over after the 101} */
        EndPoint endPoint();

        /**
         * Writes a {@code 101} with {@code headers} and then hands the client's end point to
         * {@code upgraded}; when the {@code 101} cannot be written, runs {@code abandon}.
         *
         * @param headers the response headers ({@code Upgrade}, {@code Connection} among them)
         * @param upgraded the connection that takes the client's end point over
         * @param abandon run when the 101 could not be written
         */
        void switchProtocols(HttpFields headers, Connection upgraded, Runnable abandon);

        /**
         * Writes a final answer: a relayed refusal of the backend, or jlb's own error.
         *
         * @param status the status
         * @param headers the response headers ({@code Content-Length} among them)
         * @param body the body
         * @param close whether the connection closes after the answer
         */
        void respond(int status, HttpFields headers, ByteBuffer body, boolean close);
    }

    /** Opens backend connections for handshakes ({@link TunnelConnector#connect} is one). */
    @FunctionalInterface
    public interface Opener {
        /**
         * Opens a connection to {@code backend}, writes {@code request} and tells {@code listener}
         * the answer, once.
         *
         * @param backend the backend
         * @param request the handshake request, as bytes
         * @param listener told of the answer or of a failure
         */
        void connect(Backend backend, ByteBuffer request, TunnelConnector.HandshakeListener listener);
    }

    private final LoadBalancer loadBalancer;
    private final ProxyOptions options;
    private final RetryPolicy retry;
    private final StickyTokens sticky;
    private final Opener opener;
    private final UpgradedConnections registry;
    private final Client client;
    private final String targetPath;
    private final String mountPath;
    private final String scheme;
    private final long totalTimeoutNanos;
    private final long startNanos = System.nanoTime();
    /** The request's side of the listener's record, copied at once (a servlet request is recycled after the 101). */
    private final UpgradeRecord.Request recorded;
    private boolean websocket;
    private Selection selection;
    private StickyTokens.Entry stickyHeld;
    private int attempts;
    private List<Backend> tried;

    /**
     * Creates the exchange of one handshake; {@link #start} runs it.
     *
     * @param loadBalancer picks the backend
     * @param options the route's options (upgrades allowed, retries, headers, listener)
     * @param sticky the route's sticky-cookie tokens, or null when sticky sessions are off
     * @param opener opens backend connections (null when the route allows no upgrade)
     * @param registry where the tunnel is listed while it is open
     * @param client the request and the way to answer it
     * @param targetPath the target the backend gets (the prefix stripped if the route says so)
     * @param mountPath the path the sticky cookie is scoped to
     * @param scheme the scheme the client used ({@code http} or {@code https})
     */
    public UpgradeExchange(LoadBalancer loadBalancer, ProxyOptions options, StickyTokens sticky, Opener opener,
            UpgradedConnections registry, Client client, String targetPath, String mountPath, String scheme) {
        this.loadBalancer = Objects.requireNonNull(loadBalancer, "loadBalancer");
        this.options = Objects.requireNonNull(options, "options");
        this.retry = options.retry();
        this.totalTimeoutNanos = options.totalTimeout().toNanos();
        this.sticky = sticky;
        this.opener = opener;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.client = Objects.requireNonNull(client, "client");
        this.targetPath = targetPath;
        this.mountPath = mountPath;
        this.scheme = scheme;
        String prefix = options.prefix();
        this.recorded = options.listener() == null ? null : new UpgradeRecord.Request(client.method(),
                client.path(), client.query(), client.remoteAddress(), prefix == null ? "/" : prefix,
                firstToken(client.headers().get(HttpHeader.UPGRADE)), startNanos);
    }

    private static String firstToken(String upgrade) {
        List<String> tokens = upgrade == null ? List.of() : tokens(upgrade);
        return tokens.isEmpty() ? null : tokens.get(0);
    }

    /**
     * The {@code Upgrade} value of a request that asks for one ({@code Connection: upgrade} over
     * HTTP/1.1), or null: such requests are proxied as usual, {@code Upgrade} dropped as hop-by-hop.
     * A request for {@code h2c} alone is one of them (RFC 9113 3.2: a server may ignore it).
     *
     * @param http11 whether the request came over HTTP/1.1
     * @param upgrade the request's {@code Upgrade} value, or null
     * @param connectionUpgrade whether its {@code Connection} lists {@code upgrade}
     * @return the {@code Upgrade} value, or null when the request asks for no upgrade
     */
    public static String upgradeRequested(boolean http11, String upgrade, boolean connectionUpgrade) {
        if (!http11 || upgrade == null || upgrade.isBlank() || !connectionUpgrade) {
            return null;
        }
        for (String token : tokens(upgrade)) {
            if (!token.equals("h2c")) {
                return upgrade;
            }
        }
        return null;
    }

    /** The protocol names of an {@code Upgrade} value, lower case, versions removed ({@code websocket}, {@code foo}). */
    static List<String> tokens(String upgrade) {
        List<String> tokens = new ArrayList<>(2);
        for (String part : upgrade.split(",")) {
            String t = part.trim().toLowerCase(Locale.ROOT);
            int slash = t.indexOf('/');
            if (slash >= 0) {
                t = t.substring(0, slash);
            }
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        return tokens;
    }

    /**
     * Starts the handshake for {@code upgrade} (from {@link #upgradeRequested}): answers at once when
     * the route does not allow the protocol or no backend is available.
     *
     * @param upgrade the request's {@code Upgrade} value
     */
    public void start(String upgrade) {
        String allowed = null;
        for (String token : tokens(upgrade)) {
            if (options.upgrades().contains(token)) {
                allowed = token;
                break;
            }
        }
        if (allowed == null || opener == null) {
            sendError(HttpStatus.BAD_REQUEST_400, "bad request: upgrade to " + upgrade.trim()
                    + " is not allowed on this route (allowed: " + (options.upgrades().isEmpty() ? "none"
                    : String.join(", ", options.upgrades())) + ")", ProxyRecord.Outcome.REFUSED);
            return;
        }
        websocket = allowed.equals("websocket");
        Selection first;
        try {
            if (sticky == null) {
                first = loadBalancer.select(this);
            } else {
                stickyHeld = findStickyCookie(sticky);
                first = loadBalancer.selectPreferring(this, stickyHeld == null ? null : stickyHeld.backend);
            }
        } catch (NoBackendAvailableException e) {
            sendError(HttpStatus.SERVICE_UNAVAILABLE_503, e.getMessage(), ProxyRecord.Outcome.NO_BACKEND);
            return;
        } catch (Throwable e) {
            LOG.warn("jlb: selecting a backend failed for {}", this, e);
            sendError(HttpStatus.SERVICE_UNAVAILABLE_503, "service unavailable: no backend could be selected",
                    ProxyRecord.Outcome.PROXY_ERROR);
            return;
        }
        send(first);
    }

    private void send(Selection next) {
        selection = next;
        attempts++;
        try {
            opener.connect(next.backend(), UpgradeRequests.handshake(options, sticky, client, next.backend(),
                    targetPath, scheme), this);
        } catch (Throwable x) {
            LOG.warn("jlb: could not open an upgraded connection to {} for {}", next.backend().id(), this, x);
            next.close();
            sendError(HttpStatus.BAD_GATEWAY_502, Retries.REASON_PROXY, ProxyRecord.Outcome.PROXY_ERROR);
        }
    }

    /**
     * The backend answered: a {@code 101} is passed on and the connections spliced; anything else
     * is relayed.
     *
     * @param answer the backend's answer
     * @param handshake the backend connection
     */
    @Override
    public void onResponse(TunnelConnector.Response answer, TunnelConnector.Handshake handshake) {
        long latency = System.nanoTime() - startNanos;
        try {
            if (answer.status() != HttpStatus.SWITCHING_PROTOCOLS_101) {
                relay(answer, latency);
                return;
            }
            String protocol = answer.headers().get(HttpHeader.UPGRADE);
            if (protocol == null) {
                handshake.close();
                selection.onFailure(FailureKind.OTHER, latency);
                sendError(HttpStatus.BAD_GATEWAY_502, "bad gateway: the backend answered 101 without Upgrade",
                        ProxyRecord.Outcome.FAILED);
                return;
            }
            HttpFields.Mutable out = HttpFields.build();
            UpgradeRequests.copyResponseHeaders(answer.headers(), out);
            out.put(HttpHeader.UPGRADE, protocol);
            out.put(HttpHeader.CONNECTION, HttpHeaderValue.UPGRADE.asString());
            issueStickyCookie(out);
            Selection held = selection;
            int attempt = attempts;
            TunnelConnector.UpgradedConnection upgraded = handshake.tunnel(client.endPoint(), websocket, registry,
                    ended -> {
                        held.onSuccess(HttpStatus.SWITCHING_PROTOCOLS_101, latency);
                        if (recorded != null) {
                            report(new UpgradeRecord(recorded, HttpStatus.SWITCHING_PROTOCOLS_101,
                                    ProxyRecord.Outcome.UPGRADED, held.backend(), attempt, ended.toClient(),
                                    ended.fromClient(), ended.how(), System.nanoTime()));
                        }
                    });
            client.switchProtocols(out, upgraded.connection(), upgraded::abandon);
        } catch (Throwable x) {
            LOG.warn("jlb: relaying the upgrade answer of {} failed for {}", selection.backend().id(), this, x);
            handshake.close();
            selection.close();
            sendError(HttpStatus.BAD_GATEWAY_502, Retries.REASON_PROXY, ProxyRecord.Outcome.PROXY_ERROR);
        }
    }

    /** Relays a refused handshake (a 400, a 403, a 404...) as the backend's answer. */
    private void relay(TunnelConnector.Response answer, long latency) {
        int status = answer.status();
        if (status >= 500) {
            selection.onFailure(status, latency);
        } else {
            selection.onSuccess(status, latency);
        }
        HttpFields.Mutable out = HttpFields.build();
        UpgradeRequests.copyResponseHeaders(answer.headers(), out);
        out.remove(HttpHeader.CONTENT_LENGTH);
        byte[] body = answer.body() == null ? new byte[0] : answer.body();
        out.put(HttpHeader.CONTENT_LENGTH, body.length);
        issueStickyCookie(out);
        ended(status, ProxyRecord.Outcome.PROXIED, body.length);
        client.respond(status, out, ByteBuffer.wrap(body), false);
    }

    /**
     * No answer: a connect failure is retried on another backend as the route's policy allows;
     * otherwise the client gets a 502 or a 504.
     *
     * @param cause what failed
     * @param connected whether the TCP connection was opened
     */
    @Override
    public void onFailure(Throwable cause, boolean connected) {
        long now = System.nanoTime();
        FailureKind kind = !connected ? FailureKind.CONNECT
                : cause instanceof TimeoutException ? FailureKind.TIMEOUT : FailureKind.of(cause);
        Selection failed = selection;
        failed.onFailure(kind, now - startNanos);
        LOG.debug("jlb: upgrade attempt {} to {} failed ({}) for {}", attempts, failed.backend().id(), kind, this,
                cause);
        if (!connected && retry.shouldRetryFailure(FailureKind.CONNECT, method(), attempts, true)
                && now - startNanos < totalTimeoutNanos) {
            if (tried == null) {
                tried = new ArrayList<>(retry.maxAttempts());
            }
            tried.add(failed.backend());
            try {
                send(loadBalancer.select(this, tried));
                return;
            } catch (NoBackendAvailableException e) {
                // no other backend: answer below
            } catch (Throwable x) {
                LOG.warn("jlb: selecting a backend for a retry failed for {}", this, x);
            }
        }
        String reason = kind == FailureKind.TIMEOUT ? Retries.REASON_TIMEOUT
                : kind == FailureKind.CONNECT ? Retries.REASON_CONNECT : Retries.REASON_RESET;
        if (attempts > 1) {
            reason = reason + " (" + attempts + " attempts)";
        }
        sendError(kind == FailureKind.TIMEOUT ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502, reason,
                ProxyRecord.Outcome.FAILED);
    }

    private void issueStickyCookie(HttpFields.Mutable out) {
        if (sticky != null) {
            String value = sticky.setCookie(selection.backend(), stickyHeld, "https".equalsIgnoreCase(scheme),
                    mountPath);
            if (value != null) {
                out.add(HttpHeader.SET_COOKIE, value);
            }
        }
    }

    private StickyTokens.Entry findStickyCookie(StickyTokens tokens) {
        for (HttpField field : client.headers()) {
            if (field.getHeader() == HttpHeader.COOKIE) {
                StickyTokens.Entry entry = tokens.find(field.getValue());
                if (entry != null) {
                    return entry;
                }
            }
        }
        return null;
    }

    /** Tells the listener of an exchange that ends with this answer (anything but a 101). */
    private void ended(int status, ProxyRecord.Outcome outcome, long bytes) {
        if (recorded != null) {
            report(new UpgradeRecord(recorded, status, outcome, selection == null ? null : selection.backend(),
                    attempts, bytes, 0, null, System.nanoTime()));
        }
    }

    /** Tells the listener (there is one: {@link #recorded} is set only then). */
    private void report(ProxyRecord record) {
        Listeners.tell(options.listener(), record, LOG);
    }

    private void sendError(int status, String reason, ProxyRecord.Outcome outcome) {
        byte[] bytes = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        ended(status, outcome, bytes.length);
        HttpFields.Mutable headers = HttpFields.build();
        headers.put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
        headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        client.respond(status, headers, ByteBuffer.wrap(bytes), true);
    }

    // ---- RequestContext: what the strategy sees -----------------------------------------------------

    @Override
    public String method() {
        return client.method();
    }

    @Override
    public String path() {
        return client.path();
    }

    @Override
    public String header(String name) {
        return client.headers().get(name);
    }

    @Override
    public String clientAddress() {
        String peer = client.remoteAddress();
        if (!ProxyHeaders.trustsPeer(options, peer)) {
            return peer;
        }
        List<String> forwarded = client.headers().getValuesList(HttpHeader.X_FORWARDED_FOR);
        return ProxyHeaders.clientAddress(options, peer, forwarded.isEmpty() ? null : String.join(", ", forwarded));
    }

    @Override
    public String affinityKey() {
        return null;
    }

    @Override
    public String toString() {
        return "UpgradeExchange{" + method() + ' ' + path() + ", attempts=" + attempts + '}';
    }
}
