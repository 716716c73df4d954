package dev.jlb.jetty.admin;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;

/**
 * How the admin API writes its answers: a JSON document (pretty-printed, one trailing newline), an
 * error answer from an {@link AdminFailure}, or the status page's HTML; each with
 * {@code Cache-Control: no-store} and {@code X-Content-Type-Options: nosniff}.
 *
 * <p>Stateless; each call writes the one response it is given, on the thread serving that request.
 */
final class AdminResponses {

    /** The media type of every JSON answer and of the bodies the API reads. */
    static final String JSON = "application/json";

    private AdminResponses() {
    }

    /** Answers {@code status} with {@code body}. */
    static void send(HttpServletResponse response, int status, JsonNode body) throws IOException {
        byte[] bytes = AdminJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType(JSON);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(bytes.length + 1);
        response.getOutputStream().write(bytes);
        response.getOutputStream().write('\n');
    }

    /**
     * Answers {@code failure} as {@code {"error": ...}}, replacing whatever was set on the response
     * but a {@code Connection} header; does nothing when the response is committed already.
     */
    static void sendError(HttpServletResponse response, AdminFailure failure) throws IOException {
        sendError(response, failure.status, failure.getMessage(), failure.allow, failure.bearerError);
    }

    /**
     * As {@link #sendError(HttpServletResponse, AdminFailure)}, from its parts ({@code allow} and
     * {@code bearerError} may be null).
     */
    static void sendError(HttpServletResponse response, int status, String message, String allow,
            String bearerError) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        String connection = response.getHeader("Connection");
        response.reset();
        if (connection != null) {
            response.setHeader("Connection", connection);
        }
        if (allow != null) {
            response.setHeader("Allow", allow);
        }
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"jlb\""
                    + (bearerError == null ? "" : ", error=\"" + bearerError + "\""));
        }
        send(response, status, AdminJson.error(message));
    }

    /** Answers 200 with the status page {@code page}, under a policy that allows no script. */
    static void sendPage(HttpServletResponse response, String page) throws IOException {
        byte[] html = page.getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        response.setContentLength(html.length);
        response.getOutputStream().write(html);
    }
}
