package dev.jlb.jetty.admin;

import static dev.jlb.jetty.admin.AdminFailure.abbreviate;
import static dev.jlb.jetty.admin.AdminResponses.send;

import dev.jlb.Backend;
import dev.jlb.BackendStats;
import dev.jlb.DurationFormat;
import dev.jlb.LoadBalancer;
import dev.jlb.StatsWindow;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The endpoints under {@code /api/routes/{route}/backends} of one route, found already by
 * {@link AdminServlet}: reading its backends, and the changes (add, replace the membership,
 * re-weight, remove, drain with an optional deadline for upgraded connections). Each change goes
 * through the route's {@link dev.jlb.Pool}, which applies it atomically, is logged at INFO with the
 * client's address (under {@link AdminServlet}'s logger), and is answered with the backend (or the
 * backends) as they are after it. A backend a change brings in must be admitted by
 * {@link AdminOptions#allowedBackends()} (403).
 *
 * <p>Holds no state of its own: safe on any thread; concurrent changes are serialized by the pool.
 */
final class BackendEndpoints {

    // The servlet's name, which log configurations know.
    private static final Logger LOG = LoggerFactory.getLogger(AdminServlet.class);

    private final AdminOptions options;
    private final AdminRoutes routes;

    BackendEndpoints(AdminOptions options, AdminRoutes routes) {
        this.options = Objects.requireNonNull(options, "options");
        this.routes = Objects.requireNonNull(routes, "routes");
    }

    // ---- /api/routes/{route}/backends -------------------------------------------------------------

    /** {@code GET}, {@code POST} (add) or {@code PUT} (replace all) on the backends of {@code lb}. */
    void backends(String method, LoadBalancer lb, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        AdminFailure.allow(method, "GET", "POST", "PUT");
        switch (method) {
            case "GET":
                send(response, 200, backendsNode(lb));
                return;
            case "POST":
                add(lb, request, response);
                return;
            default: // PUT
                replace(lb, request, response);
        }
    }

    private void add(LoadBalancer lb, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Backend backend = AdminBodies.backend(AdminBodies.object(AdminBodies.read(request), "body"), "");
        checkAllowed(backend, "");
        if (lb.pool().find(backend.id()).isPresent()) {
            throw new AdminFailure(409, "backend: " + backend.id() + " (expected: not yet in route " + lb.name() + ")");
        }
        try {
            if (!lb.pool().add(backend)) {
                throw new AdminFailure(409, "backend: " + backend.id() + " (expected: not yet in route " + lb.name()
                        + ")");
            }
        } catch (IllegalArgumentException e) {
            throw new AdminFailure(409, e.getMessage());
        }
        LOG.info("jlb admin: route {}: added {} weight {} (from {})", lb.name(), backend.uri(), backend.weight(),
                request.getRemoteAddr());
        response.setHeader("Location", request.getRequestURI().replaceAll("/+$", "") + "/" + backend.id());
        send(response, 201, backendNode(lb, backend));
    }

    private void replace(LoadBalancer lb, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        JsonNode body = AdminBodies.object(AdminBodies.read(request), "body");
        AdminBodies.checkFields(body, "", "backends");
        JsonNode array = body.get("backends");
        if (array == null || !array.isArray()) {
            throw new AdminFailure(400, "backends: " + (array == null ? "missing" : abbreviate(array.toString()))
                    + " (expected: an array of {\"uri\": ..., \"weight\": ...})");
        }
        List<Backend> wanted = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String at = "backends[" + i + "]";
            Backend backend = AdminBodies.backend(AdminBodies.object(array.get(i), at), at + ".");
            if (!lb.pool().backends().contains(backend)) {
                checkAllowed(backend, at + ".");
            }
            wanted.add(backend);
        }
        try {
            lb.pool().replaceAll(wanted);
        } catch (IllegalArgumentException e) {
            throw new AdminFailure(400, e.getMessage());
        }
        LOG.info("jlb admin: route {}: membership replaced with {} backends (from {})", lb.name(), wanted.size(),
                request.getRemoteAddr());
        send(response, 200, backendsNode(lb));
    }

    // ---- /api/routes/{route}/backends/{id} --------------------------------------------------------

    /** {@code GET}, {@code PATCH} (re-weight) or {@code DELETE} on the backend {@code id} of {@code lb}. */
    void backend(String method, LoadBalancer lb, String id, HttpServletRequest request,
            HttpServletResponse response) throws IOException {
        AdminFailure.allow(method, "GET", "PATCH", "DELETE");
        Backend backend = member(lb, id);
        switch (method) {
            case "GET":
                send(response, 200, backendNode(lb, backend));
                return;
            case "PATCH": {
                JsonNode body = AdminBodies.object(AdminBodies.read(request), "body");
                AdminBodies.checkFields(body, "", "weight");
                JsonNode weight = body.get("weight");
                if (weight == null) {
                    throw new AdminFailure(400, "weight: missing (expected: an integer in 0.." + Backend.MAX_WEIGHT
                            + ")");
                }
                Backend updated = AdminBodies.withWeight(backend, weight, "");
                lb.pool().update(updated);
                LOG.info("jlb admin: route {}: {} weight {} -> {} (from {})", lb.name(), backend.id(), backend.weight(),
                        updated.weight(), request.getRemoteAddr());
                send(response, 200, backendNode(lb, updated));
                return;
            }
            default: { // DELETE
                ObjectNode last = backendNode(lb, backend);
                lb.pool().remove(backend);
                LOG.info("jlb admin: route {}: removed {} (from {})", lb.name(), backend.id(), request.getRemoteAddr());
                send(response, 200, last);
            }
        }
    }

    // ---- /api/routes/{route}/backends/{id}/drain --------------------------------------------------

    /**
     * {@code POST}: drains the backend {@code id} of {@code lb}; with a {@code websocket_deadline},
     * sets it on {@code timer}, asked for only then.
     */
    void drain(String method, LoadBalancer lb, String id, HttpServletRequest request, HttpServletResponse response,
            Supplier<Scheduler> timer) throws IOException {
        AdminFailure.allow(method, "POST");
        Backend drained = member(lb, id);
        Duration deadline = websocketDeadline(request);
        lb.pool().drain(drained);
        LOG.info("jlb admin: route {}: drained {}{} (from {})", lb.name(), drained.id(), deadline == null ? ""
                : ", websocket deadline " + DurationFormat.format(deadline), request.getRemoteAddr());
        ObjectNode node = backendNode(lb, drained);
        if (deadline != null) {
            node.put("upgradedConnections", DrainDeadline.schedule(lb, drained, deadline, timer.get()));
            node.put("websocketDeadline", DurationFormat.format(deadline));
        }
        send(response, 200, node);
    }

    // ---- Helpers ----------------------------------------------------------------------------------

    private ObjectNode backendsNode(LoadBalancer lb) {
        ObjectNode body = AdminJson.MAPPER.createObjectNode();
        body.set("backends", AdminJson.backends(routes.window(lb).recent()));
        return body;
    }

    private ObjectNode backendNode(LoadBalancer lb, Backend backend) {
        StatsWindow.Recent recent = routes.window(lb).recent();
        for (BackendStats stats : recent.current().backends()) {
            if (stats.backend().equals(backend)) {
                return AdminJson.backend(stats, recent);
            }
        }
        throw new AdminFailure(404, "backend: " + backend.id() + " (expected: a backend of route " + lb.name() + ")");
    }

    /** Refuses (403) a backend that the allowed backends do not admit. */
    private void checkAllowed(Backend backend, String prefix) {
        if (!options.isAllowedBackend(backend)) {
            throw new AdminFailure(403, prefix + "uri: " + backend.uri() + " (expected: a backend admitted by the"
                    + " allowed backends " + options.allowedBackends() + ")");
        }
    }

    private static Duration websocketDeadline(HttpServletRequest request) {
        try {
            return DrainDeadline.parse(request.getQueryString());
        } catch (IllegalArgumentException e) {
            throw new AdminFailure(400, e.getMessage());
        }
    }

    private static Backend member(LoadBalancer lb, String id) {
        Optional<Backend> backend = lb.pool().find(id);
        if (backend.isEmpty()) {
            throw new AdminFailure(404, "backend: " + id + " (expected: a backend of route " + lb.name() + ")");
        }
        return backend.get();
    }
}
