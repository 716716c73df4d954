package dev.jlb.standalone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import dev.jlb.jetty.ProxyListener;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty itself answers on the balancer's port (a malformed request, a request line too
 * long) in jlb's own form: one short line of plain text, such as
 * {@code bad request: Illegal character SPACE=' '}, instead of Jetty's HTML page that names the server and quotes
 * exception class names. A client error's message says what was wrong; a server error's says nothing
 * more than its status. Each answer to a request Jetty refused before any handler ran (a bad
 * message: 400, 414, 431...) is reported to the access log, as no route's listener saw it.
 */
final class PlainErrorHandler extends ErrorHandler {

    private final ProxyListener refusals;

    PlainErrorHandler() {
        this(null);
    }

    /** Reports each refused bad message to {@code refusals} (null: to nowhere). */
    PlainErrorHandler(ProxyListener refusals) {
        this.refusals = refusals;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        String known = HttpStatus.getMessage(code);
        String reason = known == null || known.isBlank() ? "error " + code : known.toLowerCase(Locale.ROOT);
        String text = reason;
        if (code < 500 && message != null && !message.isBlank() && !message.equalsIgnoreCase(reason)) {
            text = reason + ": " + message.strip();
        }
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (refusals != null && cause instanceof HttpException && code >= 400 && code < 500) {
            Router.report(refusals, request, code, body.length);
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
