package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.FailureKind;
import dev.jlb.NoBackendAvailableException;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request on its way through jlb: the logic shared by the servlet and the jetty-core
 * adapters, which only translate between their request/response API and this class.
 *
 * <p>It selects a backend, sends the request with Jetty's {@code HttpClient}, streams the response
 * back, and on a connect failure, a reset, a timeout or a retryable status, completes that attempt's
 * {@link Selection} as a failure and sends the request to another backend (excluding those tried)
 * while the {@link dev.jlb.RetryPolicy} allows and nothing went to the client yet. Every selection
 * is completed exactly once on every path, including exceptions thrown by adapter code in a
 * listener; the client always gets a response or, once the response was committed, a broken
 * connection.
 *
 * <p>The exchange is its own {@link RequestContext} (a view of the live request: nothing is copied)
 * and its own header copier, so the common path allocates only the exchange, one {@link Attempt}
 * and what Jetty's client needs. Time is read twice per attempt (start and response headers).
 *
 * <p>Threading: attempts run one after another; callbacks of one attempt are serialized by Jetty's
 * client, except its timer, which only ever aborts the attempt.
 */
abstract class ProxyExchange implements RequestContext, ProxyRecord, Consumer<HttpFields.Mutable> {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);

    static final String REASON_CONNECT = "bad gateway: could not connect to a backend";
    static final String REASON_RESET = "bad gateway: the backend closed the connection before a response";
    static final String REASON_TIMEOUT = "gateway timeout: no response from a backend in time";
    static final String REASON_OTHER = "bad gateway: invalid response from a backend";
    static final String REASON_PROXY = "bad gateway: the proxy failed to handle the backend response";
    static final String REASON_UPGRADE = "bad gateway: the backend switched protocols (101) without being asked to";

    private static final AtomicIntegerFieldUpdater<ProxyExchange> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(ProxyExchange.class, "finished");

    final ProxyCore core;
    private final long startNanos;
    private ReplayableBody body;
    private int attempts;
    private List<Backend> tried;
    private volatile Attempt attempt;
    private String requestId;
    private volatile int finished;
    /** The client's sticky cookie that named a current member, or null (sticky sessions off, none, unknown). */
    private StickyTokens.Entry stickyHeld;
    /** The gRPC rules of this request (see {@link GrpcCall}), or null when it is not a gRPC call. */
    private GrpcCall grpc;
    /** Whether response trailers are relayed: a gRPC call, or a client that said {@code TE: trailers}. */
    private boolean trailers;

    // What a ProxyListener reads (written before finished is set, read after).
    private Backend lastBackend;
    private int clientStatus;
    private long responseBytes;
    private ProxyRecord.Outcome outcome;
    private long endNanos;

    // Whether the route's retry budget (see RetryBudget) refused this request a retry.
    private boolean budgetRefused;

    // Scratch state of one header copy (see accept).
    private String connectionTokens;
    private String forwardedFor;
    private String forwardedProto;
    private String forwardedHost;
    private String via;
    private String incomingRequestId;

    ProxyExchange(ProxyCore core, long startNanos) {
        this.core = core;
        this.startNanos = startNanos;
    }

    // ---- What an adapter provides --------------------------------------------------------------

    /** The client's protocol, such as {@code HTTP/1.1}. */
    abstract String protocol();

    /** The scheme the client used: {@code http} or {@code https}. */
    abstract String scheme();

    /** The host the client asked for ({@code Host} header or authority), or null. */
    abstract String host();

    /** The client's query string, or null. */
    public abstract String query();

    /** The path and query to send to backends. */
    abstract String targetPath();

    /** A new backend request for an absolute target URI, with the client's method. */
    abstract Request newBackendRequest(String target);

    /**
     * Copies the client's headers with {@link #copyHeader(HttpField, HttpFields.Mutable)} or
     * {@link #copyHeader(String, String, HttpFields.Mutable)}, after
     * {@link #connectionTokens(String)} for each {@code Connection} header.
     */
    abstract void copyRequestHeaders(HttpFields.Mutable out);

    /** Sets the response status; headers follow with {@link #addResponseHeader}. */
    abstract void responseStatus(int status);

    /** Adds one backend response header to the client response (adapters may filter it). */
    abstract void addResponseHeader(HttpField field, Response backendResponse);

    /** Writes response content; completes {@code callback} when written (or failed). */
    abstract void write(ByteBuffer content, Callback callback);

    /** Whether bytes of the response went to the client. */
    abstract boolean isCommitted();

    /** Finishes the response successfully (after the last write). */
    abstract void complete();

    /** Answers with an error status and a short text body; the response is not committed. */
    abstract void sendError(int status, String reason);

    /** Breaks the response (the client sees a truncated response or a reset). */
    abstract void abort(Throwable cause);

    /**
     * The entry of the client's first {@code Cookie} header value in which
     * {@link StickyTokens#find(String)} finds one, or null. Called only with sticky sessions on.
     */
    abstract StickyTokens.Entry findStickyCookie(StickyTokens sticky);

    /** The route's mount point as the client addresses it (context path and prefix); empty or {@code /} for everything. */
    abstract String mountPath();

    /** Adds a header of jlb's own to the client response (not subject to the adapter's header filters). */
    abstract void addOwnResponseHeader(HttpHeader header, String value);

    /**
     * Relays the backend response's trailers, read once its content has ended, after the last write
     * (called once per forwarded response when trailers are wanted). Adapters that cannot send
     * trailers ignore it.
     */
    void forwardTrailers(Response backendResponse) {
    }

    /**
     * Answers a gRPC call that no backend answered: a trailers-only response with {@code grpcStatus}
     * and {@code message}; the response is not committed. By default, {@link #sendError}.
     */
    void sendGrpcStatus(int httpStatus, int grpcStatus, String message) {
        sendError(httpStatus, message);
    }

    // ---- Starting -------------------------------------------------------------------------------

    /**
     * Starts proxying. {@code content} is the client's body, or null when the request has none.
     */
    final void start(Content.Source content, long contentLength, String contentType) {
        if (content != null) {
            body = new ReplayableBody(content, contentLength, contentType, core.bufferLimit);
        }
        grpc = GrpcCall.of(contentType, header("grpc-timeout"), startNanos);
        trailers = grpc != null || ProxyHeaders.asksForTrailers(header("TE"));
        if (core.budgeted) {
            core.budget.onRequest(startNanos);
        }
        Selection selection;
        try {
            StickyTokens sticky = core.sticky;
            selection = sticky == null ? core.loadBalancer.select(this)
                    : core.loadBalancer.selectPreferring(this, stickyBackend(sticky));
        } catch (NoBackendAvailableException e) {
            finishError(HttpStatus.SERVICE_UNAVAILABLE_503, e.getMessage(), Outcome.NO_BACKEND);
            return;
        } catch (Throwable e) {
            LOG.warn("jlb: selecting a backend failed for {}", this, e);
            finishError(HttpStatus.SERVICE_UNAVAILABLE_503, "service unavailable: no backend could be selected",
                    Outcome.PROXY_ERROR);
            return;
        }
        send(selection, startNanos);
    }

    private void send(Selection selection, long now) {
        long remaining = deadline() - now;
        Attempt next = new Attempt(selection, now);
        attempts++;
        lastBackend = selection.backend();
        attempt = next;
        Request request;
        try {
            request = newBackendRequest(selection.backend().uri().toString() + targetPath());
            request.headers(this);
            request.idleTimeout(core.idleTimeoutMillis, TimeUnit.MILLISECONDS);
            request.onRequestBegin(next);
            if (body != null) {
                request.body(body.newContent());
            }
        } catch (Throwable x) {
            LOG.warn("jlb: could not build the request to {} for {}", selection.backend(), this, x);
            selection.close();
            finishError(HttpStatus.BAD_GATEWAY_502, REASON_PROXY, Outcome.PROXY_ERROR);
            return;
        }
        next.request = request;
        try {
            next.expireNanoTime = now + (grpc != null && grpc.hasDeadline() ? remaining
                    : Math.min(core.attemptTimeoutNanos, remaining));
            next.timeouts = core.timeouts();
            next.timeouts.add(next);
            request.send(next);
        } catch (Throwable x) {
            // HttpClient reports failures to the listener; a throw here means it is stopped or broken.
            LOG.warn("jlb: could not send the request to {} for {}", selection.backend(), this, x);
            next.cancelTimer();
            selection.close();
            finishError(HttpStatus.BAD_GATEWAY_502, REASON_PROXY, Outcome.PROXY_ERROR);
        }
    }

    /** The backend named by the client's sticky cookie, or null; remembers the cookie for {@link #issueStickyCookie}. */
    private Backend stickyBackend(StickyTokens sticky) {
        StickyTokens.Entry held = findStickyCookie(sticky);
        stickyHeld = held;
        return held == null ? null : held.backend;
    }

    /** Sets the sticky cookie for the backend whose response goes to the client, unless the client holds it. */
    private void issueStickyCookie(StickyTokens sticky, Backend answered) {
        String value = sticky.setCookie(answered, stickyHeld, "https".equalsIgnoreCase(scheme()), mountPath());
        if (value != null) {
            addOwnResponseHeader(HttpHeader.SET_COOKIE, value);
        }
    }

    /** Picks the next backend, excluding those tried; null when none is left. */
    private Selection selectNext(Backend failed) {
        if (tried == null) {
            tried = new ArrayList<>(core.retry.maxAttempts());
        }
        tried.add(failed);
        try {
            return core.loadBalancer.select(this, tried);
        } catch (NoBackendAvailableException e) {
            return null;
        } catch (Throwable e) {
            LOG.warn("jlb: selecting a backend for a retry failed for {}", this, e);
            return null;
        }
    }

    private boolean replayable() {
        return body == null || body.replayable();
    }

    private boolean timeLeft(long now) {
        return now - deadline() < 0;
    }

    /** When response headers must have arrived: the total timeout, or a gRPC call's deadline. */
    private long deadline() {
        return grpc != null && grpc.hasDeadline() ? grpc.deadlineNanos() : startNanos + core.totalTimeoutNanos;
    }

    /** Whether the retry policy lets this request be retried after an answer with {@code status}. */
    private boolean retryableStatus(int status, Response response, int attemptsMade) {
        if (grpc == null) {
            return core.retry.shouldRetryStatus(status, method(), attemptsMade, replayable());
        }
        return grpc.retryableAnswer(status, response.getHeaders(), core.retry, attemptsMade, body)
                || (core.retry.shouldRetryStatus(status, method(), attemptsMade, replayable())
                        && GrpcCall.replayable(body));
    }

    // ---- Request headers ------------------------------------------------------------------------

    /** Copies the client's headers into a backend request: hop-by-hop removed, proxy headers added. */
    @Override
    public final void accept(HttpFields.Mutable out) {
        connectionTokens = null;
        forwardedFor = null;
        forwardedProto = null;
        forwardedHost = null;
        via = null;
        incomingRequestId = null;
        copyRequestHeaders(out);
        ProxyOptions options = core.options;
        if (options.preserveHost() && !options.backendProtocol().isHttp2() && "HTTP/2.0".equals(protocol())) {
            String authority = host(); // an HTTP/2 client's :authority: the Host an HTTP/1.1 backend expects
            if (authority != null && !out.contains(HttpHeader.HOST)) {
                out.put(HttpHeader.HOST, authority);
            }
        }
        if (options.xForwardedHeaders()) {
            String client = clientAddress();
            if (client != null) {
                out.add(HttpHeader.X_FORWARDED_FOR, ProxyHeaders.append(forwardedFor, client));
            }
            out.add(HttpHeader.X_FORWARDED_PROTO, ProxyHeaders.append(forwardedProto, scheme()));
            String host = host();
            if (host != null) {
                out.add(HttpHeader.X_FORWARDED_HOST, ProxyHeaders.append(forwardedHost, host));
            }
        } else {
            addIfPresent(out, HttpHeader.X_FORWARDED_FOR, forwardedFor);
            addIfPresent(out, HttpHeader.X_FORWARDED_PROTO, forwardedProto);
            addIfPresent(out, HttpHeader.X_FORWARDED_HOST, forwardedHost);
        }
        out.add(HttpHeader.VIA, ProxyHeaders.append(via, core.via(protocol())));
        if (trailers) {
            out.add(HttpHeader.TE, "trailers"); // gRPC servers ask for it; the only TE HTTP/2 allows
        }
        String id = requestId();
        if (id != null) {
            out.add(options.requestIdHeader(), id);
        }
    }

    private static void addIfPresent(HttpFields.Mutable out, HttpHeader header, String value) {
        if (value != null) {
            out.add(header, value);
        }
    }

    /** The request id sent to backends: the client's when valid, else a generated one (or null). */
    final String requestId() {
        if (requestId == null) {
            if (ProxyHeaders.isValidRequestId(incomingRequestId)) {
                requestId = incomingRequestId;
            } else if (core.options.generateRequestId()) {
                requestId = ProxyHeaders.newRequestId();
            }
        }
        return requestId;
    }

    /** Records the names listed by one {@code Connection} header (call before copying headers). */
    final void connectionTokens(String connectionValue) {
        connectionTokens = ProxyHeaders.connectionTokens(connectionValue, connectionTokens);
    }

    /** Copies one client header field (jetty-core). */
    final void copyHeader(HttpField field, HttpFields.Mutable out) {
        String original = field.getValue();
        String value = classify(field.getHeader(), field.getName(), original);
        if (value == original) {
            if (value != null) {
                out.add(field);
            }
        } else if (value != null) {
            out.add(field.getName(), value); // rewritten (a Cookie header without the sticky cookie)
        }
    }

    /** Copies one client header value (servlet). */
    final void copyHeader(String name, String value, HttpFields.Mutable out) {
        String copied = classify(HttpHeader.CACHE.get(name), name, value);
        if (copied != null) {
            out.add(name, copied);
        }
    }

    /** Returns the value when the header is to be copied as is, null when it is dropped or merged. */
    private String classify(HttpHeader header, String name, String value) {
        switch (ProxyHeaders.requestAction(header)) {
            case ProxyHeaders.DROP:
                return null;
            case ProxyHeaders.HOST:
                // HTTP/2 has no Host beside :authority, which is the backend's own address here.
                return core.options.preserveHost() && !core.options.backendProtocol().isHttp2() ? value : null;
            case ProxyHeaders.X_FORWARDED_FOR:
                forwardedFor = forwardedFor == null ? value : forwardedFor + ", " + value;
                return null;
            case ProxyHeaders.X_FORWARDED_PROTO:
                forwardedProto = forwardedProto == null ? value : forwardedProto + ", " + value;
                return null;
            case ProxyHeaders.X_FORWARDED_HOST:
                forwardedHost = forwardedHost == null ? value : forwardedHost + ", " + value;
                return null;
            case ProxyHeaders.VIA:
                via = via == null ? value : via + ", " + value;
                return null;
            case ProxyHeaders.COOKIE: {
                StickyTokens sticky = core.sticky;
                return sticky == null || sticky.options().forwardToBackends() ? value : sticky.withoutCookie(value);
            }
            default:
                if (name.equalsIgnoreCase(core.options.requestIdHeader())) {
                    if (incomingRequestId == null) {
                        incomingRequestId = value;
                    }
                    return null;
                }
                if (connectionTokens != null && ProxyHeaders.isListed(connectionTokens, lowerCase(header, name))) {
                    return null;
                }
                return value;
        }
    }

    private static String lowerCase(HttpHeader header, String name) {
        return header != null ? header.lowerCaseName() : name.toLowerCase(java.util.Locale.ROOT);
    }

    // ---- Finishing ------------------------------------------------------------------------------

    private boolean finish() {
        return FINISHED.compareAndSet(this, 0, 1);
    }

    /** Whether the route's retry budget lets this request be retried once more, withdrawing the retry when it does. */
    private boolean budgetAllowsRetry(long now) {
        if (!core.budgeted || core.budget.tryRetry(now)) {
            return true;
        }
        budgetRefused = true;
        return false;
    }

    private void finishComplete() {
        if (finish()) {
            ended(Outcome.PROXIED);
            try {
                complete();
            } catch (Throwable x) {
                LOG.debug("jlb: completing the response failed for {}", this, x);
                abortQuietly(x);
            }
        }
    }

    /**
     * Ends the exchange with an error: {@code status} and a one-line {@code reason} when nothing was
     * sent to the client yet, else a broken response.
     */
    final void finishError(int status, String reason, Outcome how) {
        if (finish()) {
            try {
                if (isCommitted()) {
                    ended(how == Outcome.PROXY_ERROR ? how : Outcome.BROKEN);
                    abort(new IOException(reason));
                } else {
                    clientStatus = status;
                    responseBytes = reason.length() + 1L;
                    ended(how);
                    if (grpc != null) {
                        sendGrpcStatus(status, GrpcCall.localStatus(status), reason);
                    } else {
                        sendError(status, reason);
                    }
                }
            } catch (Throwable x) {
                LOG.debug("jlb: sending {} failed for {}", status, this, x);
                abortQuietly(x);
            }
        }
    }

    private void finishAbort(Throwable cause) {
        if (finish()) {
            ended(Outcome.CLIENT_ABORTED);
            abortQuietly(cause);
        }
    }

    /**
     * Records how the exchange ended and tells the listener, before the response is completed or
     * aborted: a servlet request may be recycled once its async cycle completes.
     */
    private void ended(Outcome how) {
        outcome = how;
        endNanos = System.nanoTime();
        notifyListener();
    }

    private void notifyListener() {
        ProxyListener listener = core.options.listener();
        if (listener != null) {
            try {
                listener.onComplete(this);
            } catch (Throwable x) {
                LOG.warn("jlb: the proxy listener {} failed for {}", listener, this, x);
            }
        }
    }

    // ---- ProxyRecord (read by the listener once the exchange has ended) ---------------------------

    @Override
    public String prefix() {
        String prefix = core.options.prefix();
        return prefix == null ? "/" : prefix;
    }

    @Override
    public int status() {
        return clientStatus;
    }

    @Override
    public long responseBytes() {
        return responseBytes;
    }

    @Override
    public Backend backend() {
        return lastBackend;
    }

    @Override
    public int attempts() {
        return attempts;
    }

    @Override
    public long latencyNanos() {
        return (endNanos == 0 ? System.nanoTime() : endNanos) - startNanos;
    }

    @Override
    public Outcome outcome() {
        return outcome;
    }

    private void abortQuietly(Throwable cause) {
        try {
            abort(cause);
        } catch (Throwable x) {
            LOG.debug("jlb: aborting the response failed for {}", this, x);
        }
    }

    private String reason(String reason) {
        String withAttempts = attempts > 1 ? reason + " (" + attempts + " attempts)" : reason;
        return budgetRefused ? withAttempts + " (retry budget exhausted)" : withAttempts;
    }

    /**
     * The client went away or failed while an attempt was in flight (called by adapters that learn
     * of it before a write fails): aborts the attempt; its selection completes as cancelled.
     */
    final void clientFailed(Throwable cause) {
        Attempt current = attempt;
        if (current != null && current.request != null) {
            current.request.abort(new ClientGoneException(cause));
        }
    }

    // ---- One attempt ----------------------------------------------------------------------------

    private static final int WAITING = 0;
    private static final int FORWARDING = 1;
    private static final int DISCARDING = 2;
    private static final int TIMED_OUT = 3;

    private static final AtomicIntegerFieldUpdater<Attempt> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Attempt.class, "state");

    /**
     * One attempt on one backend: the response listener, the timeout task, the request-begin
     * listener and the write callback of the response content (one write is in flight at a time).
     */
    final class Attempt implements Response.Listener, Request.BeginListener, Runnable, Callback,
            CyclicTimeouts.Expirable {
        final Selection selection;
        final long startNanos;
        Request request;
        /** When the attempt times out unless its headers arrived; {@code Long.MAX_VALUE} once they did. */
        volatile long expireNanoTime = Long.MAX_VALUE;
        /** Where the attempt is watched for its timeout, or null before it is. */
        AttemptTimeouts timeouts;
        volatile int state;
        private volatile boolean begun;
        private long headersNanos;
        private int status;
        private Selection next;
        private Content.Chunk chunk;
        private Runnable demander;

        Attempt(Selection selection, long startNanos) {
            this.selection = selection;
            this.startNanos = startNanos;
        }

        /** The request went on a connection: from now on the backend may see it. */
        @Override
        public void onBegin(Request request) {
            begun = true;
        }

        /** The attempt (or total) timeout: abort unless the response headers arrived. */
        @Override
        public void run() {
            if (STATE.compareAndSet(this, WAITING, TIMED_OUT)) {
                request.abort(new TimeoutException("no response headers from " + selection.backend().id()
                        + " in time"));
            }
        }

        @Override
        public void onHeaders(Response response) {
            try {
                if (state != WAITING) {
                    return; // timed out: the abort is on its way
                }
                int received = response.getStatus();
                if (received < HttpStatus.OK_200) {
                    if (received == HttpStatus.SWITCHING_PROTOCOLS_101) {
                        // jlb never asks a backend to upgrade (Upgrade is hop-by-hop): an unasked switch.
                        request.abort(new BadResponseException(REASON_UPGRADE));
                    }
                    // Another interim status reaches here only on a client without InterimResponses:
                    // the final response is awaited and the attempt timeout keeps running.
                    return;
                }
                cancelTimer();
                headersNanos = System.nanoTime();
                status = received;
                boolean retryable = retryableStatus(status, response, attempts);
                if (retryable && timeLeft(headersNanos) && budgetAllowsRetry(headersNanos)) {
                    Selection candidate = selectNext(selection.backend());
                    if (candidate != null) {
                        if (STATE.compareAndSet(this, WAITING, DISCARDING)) {
                            next = candidate;
                            // A gRPC UNAVAILABLE answer counts as the 503 it stands for.
                            selection.onFailure(grpc != null && status == HttpStatus.OK_200
                                    ? HttpStatus.SERVICE_UNAVAILABLE_503 : status, headersNanos - startNanos);
                        } else {
                            candidate.close();
                        }
                        return;
                    }
                }
                countExhausted(retryableStatus(status, response, 1));
                if (!STATE.compareAndSet(this, WAITING, FORWARDING)) {
                    return;
                }
                clientStatus = status;
                responseStatus(status);
                HttpFields headers = response.getHeaders();
                String tokens = ProxyHeaders.connectionTokens(headers);
                for (HttpField field : headers) {
                    if (ProxyHeaders.isHopByHopResponse(field.getHeader())
                            || (tokens != null && ProxyHeaders.isListed(tokens, field.getLowerCaseName()))) {
                        continue;
                    }
                    addResponseHeader(field, response);
                }
                StickyTokens sticky = core.sticky;
                if (sticky != null) {
                    issueStickyCookie(sticky, selection.backend());
                }
                if (trailers) {
                    forwardTrailers(response);
                }
            } catch (Throwable x) {
                failInternally(x);
            }
        }

        /**
         * A gRPC server may end a call (its status in trailers) while the client still streams its
         * messages; Jetty's client completes an exchange only once both sides have, so the rest of
         * the client's stream is cut off here and the status goes to the client at once.
         */
        @Override
        public void onSuccess(Response response) {
            if (grpc != null && state == FORWARDING) {
                request.abort(new ResponseEndedFirst());
            }
        }

        @Override
        public void onContent(Response response, Content.Chunk content, Runnable demander) {
            if (state != FORWARDING) {
                demander.run(); // a retried response, or an aborted one: drop it
                return;
            }
            try {
                content.retain();
                responseBytes += content.remaining();
                this.chunk = content;
                this.demander = demander;
                write(content.getByteBuffer(), this);
            } catch (Throwable x) {
                failed(new ClientGoneException(x));
            }
        }

        /** A response write completed: release the chunk and ask for more. */
        @Override
        public void succeeded() {
            Content.Chunk written = chunk;
            Runnable more = demander;
            chunk = null;
            demander = null;
            written.release();
            more.run();
        }

        /** A response write failed: the client went away. */
        @Override
        public void failed(Throwable x) {
            Content.Chunk written = chunk;
            chunk = null;
            demander = null;
            if (written != null) {
                written.release();
            }
            request.abort(x instanceof ClientGoneException ? x : new ClientGoneException(x));
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        @Override
        public void onComplete(Result result) {
            try {
                complete(result);
            } catch (Throwable x) {
                LOG.warn("jlb: completing an attempt failed for {}", ProxyExchange.this, x);
                selection.close();
                finishError(HttpStatus.BAD_GATEWAY_502, REASON_PROXY, Outcome.PROXY_ERROR);
            }
        }

        private void complete(Result result) {
            cancelTimer();
            int s = state;
            Throwable failure = result.getFailure();
            if (failure instanceof ResponseEndedFirst && result.getResponseFailure() == null) {
                failure = null; // see onSuccess: the response is whole
            }
            if (s == DISCARDING) {
                // The retryable response was read to its end (or failed): now the retry can go.
                Selection candidate = next;
                next = null;
                if (failure instanceof ClientGoneException) {
                    candidate.close();
                    finishAbort(failure);
                } else if (replayable()) {
                    send(candidate, System.nanoTime());
                } else {
                    candidate.close();
                    finishError(status, reason("bad gateway: the backend answered " + status), Outcome.FAILED);
                }
                return;
            }
            if (failure == null) {
                long latency = headersNanos - startNanos;
                if (status >= 500) {
                    selection.onFailure(status, latency);
                } else {
                    selection.onSuccess(status, latency);
                }
                finishComplete();
                return;
            }
            if (failure instanceof ClientGoneException || (body != null && body.clientFailure() != null)) {
                selection.close();
                finishAbort(failure);
                return;
            }
            if (failure instanceof InternalProxyException) {
                selection.close();
                finishError(HttpStatus.BAD_GATEWAY_502, REASON_PROXY, Outcome.PROXY_ERROR);
                return;
            }
            long now = System.nanoTime();
            boolean timedOut = s == TIMED_OUT;
            BadResponseException bad = BadResponseException.find(failure, core.options.maxResponseHeaderSize());
            FailureKind kind;
            if (timedOut) {
                kind = FailureKind.TIMEOUT;
            } else if (bad != null) {
                kind = FailureKind.OTHER;
            } else if (!begun) {
                kind = FailureKind.CONNECT; // never sent: refused, unreachable, connect timeout, queue full
            } else {
                kind = FailureKind.of(failure);
            }
            selection.onFailure(kind, now - startNanos);
            if (LOG.isDebugEnabled()) {
                LOG.debug("jlb: attempt {} to {} failed ({}) for {}", attempts, selection.backend().id(), kind,
                        ProxyExchange.this, failure);
            }
            String reason = bad != null ? bad.getMessage()
                    : timedOut || kind == FailureKind.TIMEOUT ? REASON_TIMEOUT
                    : kind == FailureKind.CONNECT ? REASON_CONNECT
                    : kind == FailureKind.RESET ? REASON_RESET : REASON_OTHER;
            int errorStatus = reason == REASON_TIMEOUT ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502;
            if (s == FORWARDING) {
                // Headers went out: no retry; the client gets a broken response (or a 502 if nothing
                // was written yet).
                finishError(errorStatus, reason(reason), Outcome.FAILED);
                return;
            }
            FailureKind retryKind = begun ? kind : FailureKind.CONNECT;
            boolean retryable = core.retry.shouldRetryFailure(retryKind, method(), attempts, replayable())
                    && (grpc == null || !begun || GrpcCall.replayable(body));
            if (retryable && timeLeft(now) && budgetAllowsRetry(now)) {
                Selection candidate = selectNext(selection.backend());
                if (candidate != null) {
                    send(candidate, now);
                    return;
                }
            }
            countExhausted(core.retry.shouldRetryFailure(retryKind, method(), 1, replayable()));
            finishError(errorStatus, reason(reason), Outcome.FAILED);
        }

        void cancelTimer() {
            expireNanoTime = Long.MAX_VALUE;
            AttemptTimeouts t = timeouts;
            if (t != null) {
                t.remove(this);
            }
        }

        @Override
        public long getExpireNanoTime() {
            return expireNanoTime;
        }

        private void failInternally(Throwable x) {
            LOG.warn("jlb: handling the response of {} failed for {}", selection.backend().id(), ProxyExchange.this,
                    x);
            request.abort(new InternalProxyException(x));
        }

        @Override
        public String toString() {
            return "Attempt{" + selection.backend().id() + ", state=" + state + '}';
        }
    }

    /**
     * Counts the request in {@link dev.jlb.LoadBalancerStats#retriesExhausted()} when its outcome is
     * one the policy retries ({@code retryable}) but it used every attempt or the retry budget
     * refused it another.
     */
    private void countExhausted(boolean retryable) {
        int max = core.retry.maxAttempts();
        if (retryable && max > 1 && (attempts >= max || budgetRefused)) {
            core.loadBalancer.recordRetriesExhausted();
        }
    }

    @Override
    public String affinityKey() {
        return null;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + '{' + method() + ' ' + path() + ", attempts=" + attempts
                + (requestId == null ? "" : ", id=" + requestId) + '}';
    }

    /** The client went away (a response write failed, or the adapter saw the connection fail). */
    static final class ClientGoneException extends IOException {
        private static final long serialVersionUID = 1L;

        ClientGoneException(Throwable cause) {
            super("client went away", cause);
        }
    }

    /** The backend's response ended before the client's request body (see {@code Attempt.onSuccess}). */
    static final class ResponseEndedFirst extends IOException {
        private static final long serialVersionUID = 1L;

        ResponseEndedFirst() {
            super("the backend ended the response before the request", null);
        }
    }

    /** Adapter code threw inside a listener: not the backend's fault. */
    static final class InternalProxyException extends IOException {
        private static final long serialVersionUID = 1L;

        InternalProxyException(Throwable cause) {
            super("proxy failure", cause);
        }
    }
}
