package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.jetty.internal.Listeners;
import dev.jlb.jetty.internal.Retries;
import dev.jlb.jetty.upgrade.TunnelConnector;
import dev.jlb.jetty.upgrade.UpgradedConnections;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Upgrade} handshake (a WebSocket, or another protocol the route allows) through a
 * jetty-core request: the servlet and the filter reach the same core request under the servlet API.
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
 * <p>Threading: started on the request's thread; the backend's answer arrives on an I/O thread.
 * Nothing blocks.
 */
final class UpgradeExchange implements RequestContext, TunnelConnector.HandshakeListener {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradeExchange.class);

    private final ProxyCore core;
    private final TunnelConnector connector;
    private final UpgradedConnections registry;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String targetPath;
    private final String mountPath;
    private final String scheme;
    private final long startNanos = System.nanoTime();
    /** The request's side of the listener's record, copied at once (a servlet request is recycled after the 101). */
    private final UpgradeRecord.Request recorded;
    private boolean websocket;
    private Selection selection;
    private StickyTokens.Entry stickyHeld;
    private int attempts;
    private List<Backend> tried;

    UpgradeExchange(ProxyCore core, TunnelConnector connector, UpgradedConnections registry, Request request,
            Response response, Callback callback, String targetPath, String mountPath, String scheme) {
        this.core = core;
        this.connector = connector;
        this.registry = registry;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.targetPath = targetPath;
        this.mountPath = mountPath;
        this.scheme = scheme;
        String prefix = core.options.prefix();
        this.recorded = core.options.listener() == null ? null : new UpgradeRecord.Request(request.getMethod(),
                request.getHttpURI().getPath(), request.getHttpURI().getQuery(), Request.getRemoteAddr(request),
                prefix == null ? "/" : prefix, firstToken(request.getHeaders().get(HttpHeader.UPGRADE)), startNanos);
    }

    private static String firstToken(String upgrade) {
        List<String> tokens = upgrade == null ? List.of() : tokens(upgrade);
        return tokens.isEmpty() ? null : tokens.get(0);
    }

    /**
     * The {@code Upgrade} value of a request that asks for one ({@code Connection: upgrade} over
     * HTTP/1.1), or null: such requests are proxied as usual, {@code Upgrade} dropped as hop-by-hop.
     * A request for {@code h2c} alone is one of them (RFC 9113 3.2: a server may ignore it).
     */
    static String upgradeRequested(Request request) {
        if (request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_1_1) {
            return null;
        }
        HttpFields headers = request.getHeaders();
        String upgrade = headers.get(HttpHeader.UPGRADE);
        if (upgrade == null || upgrade.isBlank() || !headers.contains(HttpHeader.CONNECTION, "upgrade")) {
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

    /** Starts the handshake for {@code upgrade} (from {@link #upgradeRequested}). */
    void start(String upgrade) {
        String allowed = null;
        for (String token : tokens(upgrade)) {
            if (core.options.upgrades().contains(token)) {
                allowed = token;
                break;
            }
        }
        if (allowed == null) {
            sendError(HttpStatus.BAD_REQUEST_400, "bad request: upgrade to " + upgrade.trim()
                    + " is not allowed on this route (allowed: " + (core.options.upgrades().isEmpty() ? "none"
                    : String.join(", ", core.options.upgrades())) + ")", ProxyRecord.Outcome.REFUSED);
            return;
        }
        websocket = allowed.equals("websocket");
        Selection first;
        try {
            StickyTokens sticky = core.sticky;
            if (sticky == null) {
                first = core.loadBalancer.select(this);
            } else {
                stickyHeld = findStickyCookie(sticky);
                first = core.loadBalancer.selectPreferring(this, stickyHeld == null ? null : stickyHeld.backend);
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
            connector.connect(next.backend(), UpgradeRequests.handshake(core, request, next.backend(), targetPath,
                    scheme), this);
        } catch (Throwable x) {
            LOG.warn("jlb: could not open an upgraded connection to {} for {}", next.backend().id(), this, x);
            next.close();
            sendError(HttpStatus.BAD_GATEWAY_502, AttemptLoop.REASON_PROXY, ProxyRecord.Outcome.PROXY_ERROR);
        }
    }

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
            response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
            HttpFields.Mutable out = response.getHeaders();
            UpgradeRequests.copyResponseHeaders(answer.headers(), out);
            out.put(HttpHeader.UPGRADE, protocol);
            out.put(HttpHeader.CONNECTION, HttpHeaderValue.UPGRADE.asString());
            issueStickyCookie(out);
            Selection held = selection;
            int attempt = attempts;
            TunnelConnector.UpgradedConnection upgraded = handshake.tunnel(
                    request.getConnectionMetaData().getConnection().getEndPoint(), websocket, registry, ended -> {
                        held.onSuccess(HttpStatus.SWITCHING_PROTOCOLS_101, latency);
                        if (recorded != null) {
                            report(new UpgradeRecord(recorded, HttpStatus.SWITCHING_PROTOCOLS_101,
                                    ProxyRecord.Outcome.UPGRADED, held.backend(), attempt, ended.toClient(),
                                    ended.fromClient(), ended.how(), System.nanoTime()));
                        }
                    });
            request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, upgraded.connection());
            response.write(true, null, Callback.from(callback::succeeded, x -> {
                upgraded.abandon();
                callback.failed(x);
            }));
        } catch (Throwable x) {
            LOG.warn("jlb: relaying the upgrade answer of {} failed for {}", selection.backend().id(), this, x);
            handshake.close();
            selection.close();
            sendError(HttpStatus.BAD_GATEWAY_502, AttemptLoop.REASON_PROXY, ProxyRecord.Outcome.PROXY_ERROR);
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
        response.setStatus(status);
        HttpFields.Mutable out = response.getHeaders();
        UpgradeRequests.copyResponseHeaders(answer.headers(), out);
        out.remove(HttpHeader.CONTENT_LENGTH);
        byte[] body = answer.body() == null ? new byte[0] : answer.body();
        out.put(HttpHeader.CONTENT_LENGTH, body.length);
        issueStickyCookie(out);
        ended(status, ProxyRecord.Outcome.PROXIED, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public void onFailure(Throwable cause, boolean connected) {
        long now = System.nanoTime();
        FailureKind kind = !connected ? FailureKind.CONNECT
                : cause instanceof TimeoutException ? FailureKind.TIMEOUT : FailureKind.of(cause);
        Selection failed = selection;
        failed.onFailure(kind, now - startNanos);
        LOG.debug("jlb: upgrade attempt {} to {} failed ({}) for {}", attempts, failed.backend().id(), kind, this,
                cause);
        if (!connected && core.retry.shouldRetryFailure(FailureKind.CONNECT, method(), attempts, true)
                && now - startNanos < core.totalTimeoutNanos) {
            if (tried == null) {
                tried = new ArrayList<>(core.retry.maxAttempts());
            }
            tried.add(failed.backend());
            try {
                send(core.loadBalancer.select(this, tried));
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
        StickyTokens sticky = core.sticky;
        if (sticky != null) {
            String value = sticky.setCookie(selection.backend(), stickyHeld, "https".equalsIgnoreCase(scheme),
                    mountPath);
            if (value != null) {
                out.add(HttpHeader.SET_COOKIE, value);
            }
        }
    }

    private StickyTokens.Entry findStickyCookie(StickyTokens sticky) {
        for (HttpField field : request.getHeaders()) {
            if (field.getHeader() == HttpHeader.COOKIE) {
                StickyTokens.Entry entry = sticky.find(field.getValue());
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
        Listeners.tell(core.options.listener(), record, LOG);
    }

    private void sendError(int status, String reason, ProxyRecord.Outcome outcome) {
        try {
            response.reset();
            response.setStatus(status);
            byte[] bytes = (reason + "\n").getBytes(StandardCharsets.UTF_8);
            ended(status, outcome, bytes.length);
            HttpFields.Mutable headers = response.getHeaders();
            headers.put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
            headers.put(HttpHeader.CONTENT_LENGTH, bytes.length);
            headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            response.write(true, ByteBuffer.wrap(bytes), callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    // ---- RequestContext: what the strategy sees -----------------------------------------------------

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return request.getHttpURI().getPath();
    }

    @Override
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    @Override
    public String clientAddress() {
        String peer = Request.getRemoteAddr(request);
        if (core.options.trusted().isEmpty()) {
            return peer;
        }
        List<String> forwarded = request.getHeaders().getValuesList(HttpHeader.X_FORWARDED_FOR);
        return ProxyHeaders.clientAddress(core.options, peer,
                forwarded.isEmpty() ? null : String.join(", ", forwarded));
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
