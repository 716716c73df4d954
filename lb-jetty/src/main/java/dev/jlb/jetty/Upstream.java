package dev.jlb.jetty;

import dev.jlb.Selection;

/**
 * The transport that carries attempts to backends: Jetty's {@code HttpClient} for the adapters
 * ({@link JettyAttempt}), another HTTP client for another data path. It is the only part of the
 * request path that knows the client library; {@link AttemptLoop} and {@link Attempt} do not.
 */
@FunctionalInterface
interface Upstream {

    /**
     * A new attempt of {@code loop} on {@code selection} to the absolute URI {@code target}, not
     * sent yet: the loop arms its timer, then calls {@link Attempt#send()}. The attempt writes its
     * request headers with the loop (a {@code Consumer<HttpFields.Mutable>}), sends the loop's
     * {@link AttemptLoop#body} when there is one, and reports the transport's events to the
     * attempt's {@code on*} methods.
     */
    Attempt newAttempt(AttemptLoop loop, Selection selection, long startNanos, String target);
}
