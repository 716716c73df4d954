package dev.jlb.jetty.admin;

import static dev.jlb.jetty.admin.AdminFailure.abbreviate;

import dev.jlb.Backend;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The request bodies of the mutating endpoints: reading one (JSON only, at most
 * {@link AdminOptions#MAX_BODY_BYTES}), discarding the rest of a refused one, and checking the
 * shapes in it ({@code {"uri": ..., "weight": ...}}, the fields allowed). Every refusal is an
 * {@link AdminFailure} (400, 413 or 415) whose message names the field as the client wrote it.
 *
 * <p>Stateless; each call reads the one request it is given, on the thread serving that request.
 */
final class AdminBodies {

    private AdminBodies() {
    }

    /** The body of {@code request} as JSON. */
    static JsonNode read(HttpServletRequest request) throws IOException {
        String type = request.getContentType();
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith(AdminResponses.JSON)) {
            throw new AdminFailure(415, "content-type: " + type + " (expected: " + AdminResponses.JSON + ")");
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(AdminOptions.MAX_BODY_BYTES + 1);
        }
        if (bytes.length > AdminOptions.MAX_BODY_BYTES) {
            throw new AdminFailure(413, "body: more than " + AdminOptions.MAX_BODY_BYTES + " bytes (expected: at most "
                    + AdminOptions.MAX_BODY_BYTES + ")");
        }
        if (bytes.length == 0) {
            throw new AdminFailure(400, "body: empty (expected: a JSON object)");
        }
        try {
            return AdminJson.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new AdminFailure(400, "body: not valid JSON (expected: a JSON object): " + e.getOriginalMessage());
        }
    }

    /**
     * Reads what is left of a refused request's body (up to the limit), so that the connection can
     * carry the next request; beyond the limit the connection is closed after the answer.
     */
    static void discard(HttpServletRequest request, HttpServletResponse response) {
        try {
            InputStream in = request.getInputStream();
            long left = AdminOptions.MAX_BODY_BYTES;
            byte[] buffer = new byte[8192];
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                left -= n;
            }
            if (left <= 0) {
                response.setHeader("Connection", "close");
            }
        } catch (IOException | IllegalStateException e) {
            response.setHeader("Connection", "close");
        }
    }

    /** {@code node}, refused (400) unless it is a JSON object; {@code name} names it in the message. */
    static JsonNode object(JsonNode node, String name) {
        if (node == null || !node.isObject()) {
            throw new AdminFailure(400, name + ": " + abbreviate(String.valueOf(node)) + " (expected: a JSON object)");
        }
        return node;
    }

    /** Refuses (400) a field of {@code node} that is not one of {@code allowed}. */
    static void checkFields(JsonNode node, String prefix, String... allowed) {
        List<String> names = List.of(allowed);
        for (String field : node.propertyNames()) {
            if (!names.contains(field)) {
                throw new AdminFailure(400, prefix + "field: " + abbreviate(field) + " (expected: one of " + names
                        + ")");
            }
        }
    }

    /** The backend {@code {"uri": ..., "weight": ...}} describes; {@code prefix} places it in the body. */
    static Backend backend(JsonNode node, String prefix) {
        checkFields(node, prefix, "uri", "weight");
        JsonNode uri = node.get("uri");
        if (uri == null || !uri.isString()) {
            throw new AdminFailure(400, prefix + "uri: " + (uri == null ? "missing" : abbreviate(uri.toString()))
                    + " (expected: a string such as \"http://127.0.0.1:8081\")");
        }
        Backend backend;
        try {
            backend = Backend.of(uri.stringValue());
        } catch (IllegalArgumentException e) {
            throw new AdminFailure(400, prefix + e.getMessage());
        }
        JsonNode weight = node.get("weight");
        return weight == null ? backend : withWeight(backend, weight, prefix);
    }

    /** {@code backend} with the weight {@code weight} holds, refused (400) unless an integer in range. */
    static Backend withWeight(Backend backend, JsonNode weight, String prefix) {
        if (!weight.isIntegralNumber() || !weight.canConvertToInt()) {
            throw new AdminFailure(400, prefix + "weight: " + abbreviate(weight.toString())
                    + " (expected: an integer in 0.." + Backend.MAX_WEIGHT + ")");
        }
        try {
            return backend.withWeight(weight.intValue());
        } catch (IllegalArgumentException e) {
            throw new AdminFailure(400, prefix + e.getMessage());
        }
    }
}
