package dev.jlb.standalone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
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
 * more than its status.
 */
final class PlainErrorHandler extends ErrorHandler {

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
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
