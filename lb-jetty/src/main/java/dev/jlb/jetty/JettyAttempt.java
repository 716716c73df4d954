package dev.jlb.jetty;

import dev.jlb.Selection;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;

/**
 * An {@link Attempt} carried by Jetty's {@code HttpClient}: the request built by the adapter
 * (method and target set), and the listener that turns the client's events into the attempt's.
 * One object per attempt, as before the split: the attempt is its own listener.
 */
final class JettyAttempt extends Attempt implements Response.Listener, Request.BeginListener {

    private final Request request;
    /** Whether the request went on a connection that carried an earlier exchange. */
    private volatile boolean reused;
    private volatile Response response;
    /** The response whose headers arrived (its trailers are read once its content has ended). */
    private volatile Response answered;

    /** {@code request} is new, its method and URI set; this sets headers, timeout, body and listeners. */
    JettyAttempt(AttemptLoop loop, Selection selection, long startNanos, Request request) {
        super(loop, selection, startNanos);
        this.request = request;
        request.headers(loop);
        request.idleTimeout(loop.core.idleTimeoutMillis, TimeUnit.MILLISECONDS);
        request.onRequestBegin(this);
        ReplayableBody body = loop.body;
        if (body != null) {
            request.body(body.newContent());
        }
    }

    @Override
    void send() {
        request.send(this);
    }

    @Override
    void abort(Throwable cause) {
        request.abort(cause);
    }

    /** Ours, or Jetty's parser refusing response headers over the limit (see {@link BadResponseException#find}). */
    @Override
    BadResponseException badResponse(Throwable failure) {
        return BadResponseException.find(failure, loop.core.options.maxResponseHeaderSize());
    }

    @Override
    boolean staleConnection(Throwable failure) {
        return reused && StaleConnections.isStale(failure, response);
    }

    @Override
    public void onBegin(Request request) {
        reused = StaleConnections.reused(request);
        onBegin();
    }

    @Override
    HttpFields trailers() {
        Response r = answered;
        return r == null ? null : r.getTrailers();
    }

    @Override
    public void onHeaders(Response response) {
        answered = response;
        onHeaders(response.getStatus(), response.getHeaders());
    }

    @Override
    public void onSuccess(Response response) {
        onResponseEnded();
    }

    @Override
    public void onContent(Response response, Content.Chunk chunk, Runnable demander) {
        onContent(chunk, demander);
    }

    @Override
    public void onComplete(Result result) {
        response = result.getResponse();
        Throwable failure = result.getFailure();
        if (failure instanceof ResponseEndedFirst && result.getResponseFailure() == null) {
            failure = null; // see onResponseEnded: the response is whole
        }
        onComplete(failure);
    }
}
