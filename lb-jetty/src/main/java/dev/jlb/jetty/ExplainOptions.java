package dev.jlb.jetty;

import java.util.Objects;

/**
 * Who may ask a route to explain its decisions, and how many explained decisions it keeps.
 *
 * <p>A request that carries {@code X-Jlb-Explain} and is allowed gets an {@code X-Jlb-Decision}
 * response header: the strategy, the candidates it compared with their scores, and each attempt with
 * why it was retried. A request is allowed when its client address is a loopback address and the
 * header's value is anything, or, from any address, when the header's value equals the
 * {@link #token()}. Any other request is served as if it had not asked (no header, nothing recorded).
 * The route keeps its last {@link #history()} explained decisions for the admin API
 * ({@code GET /api/routes/{route}/decisions}). A request that does not ask costs one header lookup.
 *
 * <p>Immutable and thread-safe.
 */
public final class ExplainOptions {

    /** Default {@link #history()}. */
    public static final int DEFAULT_HISTORY = 50;

    /** The largest {@link #history()}. */
    public static final int MAX_HISTORY = 10_000;

    /** The shortest {@link #token()}, in characters. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private static final ExplainOptions DEFAULTS = new ExplainOptions(true, null, DEFAULT_HISTORY);
    private static final ExplainOptions DISABLED = new ExplainOptions(false, null, 0);

    private final boolean enabled;
    private final String token;
    private final int history;

    private ExplainOptions(boolean enabled, String token, int history) {
        this.enabled = enabled;
        this.token = token;
        this.history = history;
    }

    /** {@return explained decisions for loopback clients only, keeping the last {@value #DEFAULT_HISTORY}} */
    public static ExplainOptions defaults() {
        return DEFAULTS;
    }

    /** {@return no explained decisions: the header is ignored, even from loopback} */
    public static ExplainOptions disabled() {
        return DISABLED;
    }

    /**
     * Explained decisions for loopback clients and for requests whose {@code X-Jlb-Explain} value
     * equals {@code token}.
     *
     * @param token the token, or {@code null} for loopback clients only; at least
     *     {@value #MIN_TOKEN_LENGTH} characters, printable ASCII without spaces
     * @param history how many explained decisions the route keeps, {@code 0..}{@value #MAX_HISTORY}
     * @return the options
     * @throws IllegalArgumentException when a value is out of range (a token's message gives its length only)
     */
    public static ExplainOptions of(String token, int history) {
        if (token != null) {
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("token: " + token.length() + " characters (expected: >= "
                        + MIN_TOKEN_LENGTH + " characters)");
            }
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c <= ' ' || c >= 0x7f) {
                    throw new IllegalArgumentException("token: a character at index " + i
                            + " (expected: printable ASCII without spaces)");
                }
            }
        }
        if (history < 0 || history > MAX_HISTORY) {
            throw new IllegalArgumentException("history: " + history + " (expected: 0.." + MAX_HISTORY + ")");
        }
        return new ExplainOptions(true, token, history);
    }

    /** {@return whether requests may ask for their decision at all (default {@code true})} */
    public boolean enabled() {
        return enabled;
    }

    /** {@return the token that allows a non-loopback client, or {@code null} (default: none)} */
    public String token() {
        return token;
    }

    /** {@return how many explained decisions the route keeps (default {@value #DEFAULT_HISTORY})} */
    public int history() {
        return history;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExplainOptions that && enabled == that.enabled && history == that.history
                && Objects.equals(token, that.token);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, token, history);
    }

    /** Never shows the token, only whether there is one. */
    @Override
    public String toString() {
        return !enabled ? "ExplainOptions{disabled}"
                : "ExplainOptions{loopback" + (token == null ? "" : " or token") + ", history=" + history + '}';
    }
}
