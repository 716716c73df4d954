package dev.jlb.jetty;

import dev.jlb.Backend;
import dev.jlb.Explanation;
import dev.jlb.FailureKind;
import dev.jlb.RequestContext;
import dev.jlb.jetty.internal.DecisionLog;
import dev.jlb.jetty.internal.Loopback;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The explained decision of one request that asked for it ({@value #REQUEST_HEADER}) and was
 * allowed to: the strategy, the candidates its first pick compared with their scores, and each
 * attempt with its outcome and why it was, or was not, retried. It is the strategies' view of the
 * request (a {@link RequestContext} over the {@link ClientSide} that carries an
 * {@link Explanation}), so only explained requests pay for an explanation; it becomes the
 * {@value #RESPONSE_HEADER} response header and an entry of the route's {@link DecisionLog}.
 *
 * <p>Header format, one line of printable ASCII, at most {@value #MAX_HEADER_LENGTH} characters
 * (longer ones end in {@code ...}):
 * {@code strategy=<name>[; <strategy detail>]; candidates=<host:port(scores)> ...; attempts=<n>:<host:port>-><status or failure>[ retry(<why>) | no_retry(<why>)],...}.
 *
 * <p>Threading: used by the request's {@link AttemptLoop}; the attempts of a hedged request may
 * report from two threads at once, so every method that changes or reads the record is
 * synchronized (only explained requests have a decision). The {@link Explanation} is written by
 * the picker on the selecting thread and read in {@link #selected}, which follows it.
 */
final class Decision implements RequestContext {

    static final String REQUEST_HEADER = "X-Jlb-Explain";
    static final String RESPONSE_HEADER = "X-Jlb-Decision";
    static final int MAX_HEADER_LENGTH = 2048;

    private final ClientSide client;
    private final String strategy;
    private final Explanation explanation = new Explanation();
    // Guarded by this: a hedged request's attempts may report from two threads.
    private String detail;
    private List<String> candidates;
    private final List<String> attempts = new ArrayList<>(2);
    /** The attempts in flight, until their outcome is known: {@code n:host:port} and the backend. */
    private final List<String> pendingLabels = new ArrayList<>(2);
    private final List<Backend> pendingBackends = new ArrayList<>(2);
    private int numbered;
    /** Whether the next attempt is a hedge. */
    private boolean hedge;
    /** How the exchange ended, once it did. */
    private ProxyRecord.Outcome end;

    private Decision(ClientSide client, String strategy) {
        this.client = client;
        this.strategy = strategy;
    }

    /**
     * The decision of a request that asks for it and may, or null: without the header (the one
     * lookup an ordinary request pays), with explanations disabled, or not allowed.
     */
    static Decision of(ProxyCore core, ClientSide client) {
        ExplainOptions options = core.options.explain();
        if (!options.enabled()) {
            return null;
        }
        String value = client.header(REQUEST_HEADER);
        if (value == null || !allows(value, client.clientAddress(), options.token())) {
            return null;
        }
        return new Decision(client, core.loadBalancer.strategy().name());
    }

    /**
     * Whether a request whose {@value #REQUEST_HEADER} is {@code value} may see its decision: from a
     * loopback {@code clientAddress} with any value, from elsewhere only with the configured
     * {@code token} (compared in constant time).
     */
    static boolean allows(String value, String clientAddress, String token) {
        if (token != null && MessageDigest.isEqual(value.strip().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        return Loopback.isLoopback(clientAddress);
    }

    // ---- RequestContext: the client's, with the explanation ---------------------------------------

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
        return client.header(name);
    }

    @Override
    public String clientAddress() {
        return client.clientAddress();
    }

    @Override
    public String affinityKey() {
        return client.affinityKey();
    }

    @Override
    public Explanation explanation() {
        return explanation;
    }

    // ---- What happened ------------------------------------------------------------------------------

    /**
     * The next attempt goes to {@code backend}: keeps the first pick's description if the strategy
     * gave one for this backend ({@code sticky} when the client's sticky cookie chose it). The same
     * backend again while its attempt is open is a resend on a fresh connection (a reused one was
     * closed), under the same number.
     */
    synchronized void selected(Backend backend, boolean sticky) {
        int number;
        int open = hedge ? -1 : pendingBackends.indexOf(backend);
        if (open >= 0) {
            String label = pendingLabels.get(open);
            number = Integer.parseInt(label.substring(0, label.indexOf(':')));
            close(open, "stale_connection resent");
        } else {
            number = ++numbered;
        }
        pendingLabels.add(number + ":" + backend.id() + (hedge ? "(hedge)" : ""));
        pendingBackends.add(backend);
        hedge = false;
        if (candidates == null) {
            if (explanation.describes(backend)) {
                detail = explanation.detail();
                candidates = new ArrayList<>(explanation.candidates());
                if (explanation.omitted() > 0) {
                    candidates.add("+" + explanation.omitted() + " more");
                }
            } else {
                detail = sticky ? "sticky=cookie" : null;
                candidates = List.of(backend.id());
            }
        }
        explanation.begin(null);
    }

    /** The next attempt is a hedge (sent while the first is still in flight). */
    synchronized void hedging() {
        hedge = true;
    }

    /**
     * The attempt on {@code backend} got {@code status} (kind null) or failed with {@code kind};
     * {@code why} is its retry (or why none), or null.
     */
    void attempted(Backend backend, int status, FailureKind kind, String why) {
        outcome(backend, (kind == null ? Integer.toString(status) : failure(kind)) + (why == null ? "" : " " + why));
    }

    /** The reason in {@code retry(...)} for an outcome the policy retries. */
    static String retryReason(int status, FailureKind kind) {
        return kind == null ? "status " + status : failure(kind);
    }

    private static String failure(FailureKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** The open attempt on {@code backend} ended with {@code outcome}. */
    synchronized void outcome(Backend backend, String outcome) {
        int open = pendingBackends.indexOf(backend);
        if (open >= 0) {
            close(open, outcome);
        }
    }

    private void close(int open, String outcome) {
        attempts.add(pendingLabels.remove(open) + "->" + outcome);
        pendingBackends.remove(open);
    }

    /** The exchange ended with {@code how}: attempts still open end so. */
    synchronized void ended(ProxyRecord.Outcome how) {
        end = how;
        while (!pendingBackends.isEmpty()) {
            close(0, how.name().toLowerCase(Locale.ROOT));
        }
    }

    /** {@return the header value, as it stands (attempts still open end in {@code ->open})} */
    synchronized String header() {
        StringBuilder sb = new StringBuilder(160).append("strategy=").append(strategy);
        if (detail != null) {
            sb.append("; ").append(detail);
        }
        sb.append("; candidates=");
        sb.append(candidates == null ? "none" : String.join(" ", candidates));
        sb.append("; attempts=");
        List<String> all = new ArrayList<>(attempts);
        for (String label : pendingLabels) {
            all.add(label + "->open");
        }
        if (all.isEmpty()) {
            sb.append("none");
            if (end != null) {
                sb.append('(').append(end.name().toLowerCase(Locale.ROOT)).append(')');
            }
        } else {
            sb.append(String.join(",", all));
        }
        return bounded(sb);
    }

    /** Printable ASCII only (a header can never be broken), at most {@link #MAX_HEADER_LENGTH} characters. */
    static String bounded(CharSequence text) {
        int length = Math.min(text.length(), MAX_HEADER_LENGTH);
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            sb.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        if (text.length() > MAX_HEADER_LENGTH) {
            sb.setLength(MAX_HEADER_LENGTH - 3);
            sb.append("...");
        }
        return sb.toString();
    }

    /** Records the decision in {@code log} (if any), as the client got it with {@code status}. */
    synchronized void record(DecisionLog log, int status, String header) {
        if (log == null) {
            return;
        }
        List<String> all = new ArrayList<>(attempts);
        for (String label : pendingLabels) {
            all.add(label + "->open");
        }
        log.add(new DecisionLog.Entry(System.currentTimeMillis(), client.method(), client.path(),
                client.clientAddress(), status, strategy, candidates == null ? List.of() : candidates, all, header));
    }

    @Override
    public String toString() {
        return "Decision{" + header() + '}';
    }
}
