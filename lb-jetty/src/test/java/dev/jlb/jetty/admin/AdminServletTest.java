package dev.jlb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LoadBalancer;
import dev.jlb.RequestContext;
import dev.jlb.Selection;
import dev.jlb.health.OutlierDetection;
import dev.jlb.strategy.Strategies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every admin call over real HTTP, including unauthorised and malformed ones. */
class AdminServletTest {

    private static final String TOKEN = "s3cret-t0ken-for-tests";
    private static final Backend A = Backend.of("http://127.0.0.1:9101");
    private static final Backend B = Backend.of("http://127.0.0.1:9102", 2);
    private static final String BACKENDS = "/admin/api/routes/api/backends";

    private final LoadBalancer api = LoadBalancer.builder().name("api").strategy(Strategies.roundRobin())
            .outlierDetection(OutlierDetection.disabled()).backends(List.of(A, B)).build();
    private final LoadBalancer web = LoadBalancer.builder().name("web").backends("http://127.0.0.1:9201").build();
    private AdminFixture admin;

    private AdminFixture start(AdminOptions options) throws Exception {
        admin = new AdminFixture(options, () -> List.of(api, web));
        return admin;
    }

    @AfterEach
    void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        api.close();
        web.close();
    }

    private static String auth() {
        return "Bearer " + TOKEN;
    }

    private List<Backend> members() {
        return api.pool().backends();
    }

    // ---- Reads ----------------------------------------------------------------------------------

    @Test
    void getRoutesRouteBackendsAndBackend() throws Exception {
        start(AdminOptions.defaults());
        Selection s = api.select(RequestContext.empty());
        s.onSuccess(200, 2_000_000);

        AdminFixture.Reply routes = admin.get("/admin/api/routes");
        assertThat(routes.status()).isEqualTo(200);
        assertThat(routes.header("Content-Type")).isEqualTo("application/json");
        assertThat(routes.header("Cache-Control")).isEqualTo("no-store");
        JsonNode list = routes.json().get("routes");
        assertThat(list.size()).isEqualTo(2);
        JsonNode route = list.get(0);
        assertThat(route.propertyNames()).containsExactly("name", "strategy", "panic", "inFlight", "requests",
                "noBackend", "noBackendByReason", "retries", "retriesExhausted", "recent", "backends", "discoveries");
        assertThat(route.get("name").stringValue()).isEqualTo("api");
        assertThat(route.get("strategy").stringValue()).isEqualTo("round-robin");
        assertThat(route.get("requests").longValue()).isEqualTo(1);
        assertThat(route.get("noBackendByReason").propertyNames())
                .containsExactly("none_configured", "all_unhealthy", "all_drained", "panic", "overloaded", "queue_timeout");
        assertThat(list.get(1).get("name").stringValue()).isEqualTo("web");

        JsonNode backend = admin.get(BACKENDS + "/" + s.backend().id()).json();
        assertThat(backend.propertyNames()).containsExactly("id", "uri", "weight", "source", "effectiveWeight", "state",
                "stateReason", "inFlight", "requests", "successes", "failures", "cancelled", "retries",
                "connectFailures", "timeouts", "responses", "ejections", "consecutiveFailures", "latencyMs", "recent");
        assertThat(backend.get("id").stringValue()).isEqualTo(s.backend().id());
        assertThat(backend.get("uri").stringValue()).isEqualTo(s.backend().uri().toString());
        assertThat(backend.get("source").stringValue()).as("listed, not discovered").isEqualTo("static");
        assertThat(backend.get("state").stringValue()).isEqualTo("HEALTHY");
        assertThat(backend.get("successes").longValue()).isEqualTo(1);
        assertThat(backend.get("responses").get("2xx").longValue()).isEqualTo(1);
        assertThat(backend.get("latencyMs").get("samples").longValue()).isEqualTo(1);
        assertThat(backend.get("latencyMs").get("p99").doubleValue()).isBetween(2.0 * 15 / 16, 2.0 * 17 / 16);
        assertThat(backend.get("recent").propertyNames())
                .containsExactly("seconds", "requestsPerSecond", "errorRate", "latencyMs");

        assertThat(admin.get("/admin/api/routes/api").json().get("backends").size()).isEqualTo(2);
        JsonNode backends = admin.get(BACKENDS).json().get("backends");
        assertThat(backends.size()).isEqualTo(2);
        assertThat(backends.get(1).get("weight").intValue()).isEqualTo(2);
        JsonNode other = backends.get(s.backend().equals(A) ? 1 : 0);
        assertThat(other.get("latencyMs").get("p99").isNull()).as("no samples").isTrue();
        assertThat(other.get("recent").get("errorRate").isNull()).as("no requests").isTrue();
    }

    @Test
    void unknownRouteBackendPathAndMethod() throws Exception {
        start(AdminOptions.defaults());
        AdminFixture.Reply route = admin.get("/admin/api/routes/nope");
        assertThat(route.status()).isEqualTo(404);
        assertThat(route.error()).isEqualTo("route: nope (expected: one of [api, web])");

        AdminFixture.Reply backend = admin.get(BACKENDS + "/127.0.0.1:1");
        assertThat(backend.status()).isEqualTo(404);
        assertThat(backend.error()).isEqualTo("backend: 127.0.0.1:1 (expected: a backend of route api)");
        assertThat(admin.send("DELETE", BACKENDS + "/127.0.0.1:1", null).status()).isEqualTo(404);

        AdminFixture.Reply path = admin.get("/admin/api/users");
        assertThat(path.status()).isEqualTo(404);
        assertThat(path.error()).isEqualTo(
                "path: /api/users (expected: /, /api/routes[/{route}[/backends[/{id}[/drain]]]])");

        AdminFixture.Reply method = admin.send("DELETE", "/admin/api/routes/api", null);
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.header("Allow")).isEqualTo("GET");
        assertThat(method.error()).isEqualTo("method: DELETE (expected: one of [GET])");
        AdminFixture.Reply post = admin.send("POST", BACKENDS + "/" + A.id(), "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET, PATCH, DELETE");
    }

    @Test
    void routesNamedByTheirPathAreReachedWithoutTheLeadingSlash() throws Exception {
        LoadBalancer lb = LoadBalancer.builder().name("/lb").backends("http://127.0.0.1:9501").build();
        LoadBalancer nested = LoadBalancer.builder().name("/api/v1").backends("http://127.0.0.1:9502").build();
        LoadBalancer root = LoadBalancer.builder().name("/").backends("http://127.0.0.1:9503").build();
        try (lb; nested; root; AdminFixture paths = new AdminFixture(AdminOptions.defaults(),
                () -> List.of(lb, nested, root))) {
            assertThat(paths.get("/admin/api/routes/lb").json().get("name").stringValue()).isEqualTo("/lb");
            assertThat(paths.get("/admin/api/routes/api/v1/backends/127.0.0.1:9502").json().get("id").stringValue())
                    .isEqualTo("127.0.0.1:9502");
            assertThat(paths.send("POST", "/admin/api/routes/api/v1/backends/127.0.0.1:9502/drain", null).status())
                    .isEqualTo(200);
            assertThat(nested.pool().backends().get(0).weight()).isZero();
            assertThat(paths.get("/admin/api/routes/backends").json().get("backends").get(0).get("id").stringValue())
                    .isEqualTo("127.0.0.1:9503");
            assertThat(paths.get("/admin/api/routes/x/backends").error())
                    .isEqualTo("route: x (expected: one of [/lb, /api/v1, /])");
        }
    }

    // ---- Changes --------------------------------------------------------------------------------

    @Test
    void addBackend() throws Exception {
        start(AdminOptions.defaults());
        AdminFixture.Reply added = admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9103\", \"weight\": 3}");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.header("Location")).isEqualTo(BACKENDS + "/127.0.0.1:9103");
        assertThat(added.json().get("weight").intValue()).isEqualTo(3);
        assertThat(added.json().get("state").stringValue()).isEqualTo("HEALTHY");
        assertThat(members()).extracting(Backend::id).containsExactly(A.id(), B.id(), "127.0.0.1:9103");
        assertThat(api.pool().find("127.0.0.1:9103").orElseThrow().weight()).isEqualTo(3);

        AdminFixture.Reply defaultWeight = admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9104\"}");
        assertThat(defaultWeight.json().get("weight").intValue()).isEqualTo(1);

        AdminFixture.Reply again = admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9103\", \"weight\": 1}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("backend: 127.0.0.1:9103 (expected: not yet in route api)");
        assertThat(api.pool().find("127.0.0.1:9103").orElseThrow().weight()).isEqualTo(3);
    }

    @Test
    void malformedBodiesGet400AndChangeNothing() throws Exception {
        start(AdminOptions.defaults());
        assertError("POST", BACKENDS, "{\"uri\": \"ftp://x\"}", 400, "uri: ftp://x (expected: scheme http or https)");
        assertError("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9105\", \"weight\": -1}", 400,
                "weight: -1 (expected: >= 0)");
        assertError("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9105\", \"weight\": \"2\"}", 400,
                "weight: \"2\" (expected: an integer in 0..10000)");
        assertError("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9105\", \"weight\": 1.5}", 400,
                "weight: 1.5 (expected: an integer in 0..10000)");
        assertError("POST", BACKENDS, "{\"url\": \"http://127.0.0.1:9105\"}", 400,
                "field: url (expected: one of [uri, weight])");
        assertError("POST", BACKENDS, "{\"weight\": 1}", 400,
                "uri: missing (expected: a string such as \"http://127.0.0.1:8081\")");
        assertError("POST", BACKENDS, "[1, 2]", 400, "body: [1,2] (expected: a JSON object)");
        assertError("POST", BACKENDS, "", 400, "body: empty (expected: a JSON object)");
        AdminFixture.Reply notJson = admin.send("POST", BACKENDS, "{\"uri\": ");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.error()).startsWith("body: not valid JSON (expected: a JSON object): ");
        AdminFixture.Reply duplicate = admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9105\", "
                + "\"uri\": \"http://127.0.0.1:9106\"}");
        assertThat(duplicate.status()).isEqualTo(400);
        assertThat(duplicate.error()).startsWith("body: not valid JSON (expected: a JSON object): Duplicate");
        AdminFixture.Reply text = admin.send("POST", BACKENDS, "{}", "Content-Type", "text/plain");
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.error()).isEqualTo("content-type: text/plain (expected: application/json)");
        assertError("PATCH", BACKENDS + "/" + A.id(), "{}", 400, "weight: missing (expected: an integer in 0..10000)");
        assertError("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 10001}", 400, "weight: 10001 (expected: <= 10000)");
        assertError("PUT", BACKENDS, "{\"backends\": [{\"uri\": \"http://127.0.0.1:9105\"}, {\"uri\": \"x\"}]}", 400,
                "backends[1].uri: x (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
        assertError("PUT", BACKENDS, "{\"backends\": {}}", 400,
                "backends: {} (expected: an array of {\"uri\": ..., \"weight\": ...})");
        assertError("PUT", BACKENDS, "{\"backends\": [{\"uri\": \"http://127.0.0.1:9105\"}, "
                + "{\"uri\": \"http://127.0.0.1:9105\", \"weight\": 2}]}", 400,
                "backend: http://127.0.0.1:9105 (expected: each backend once)");
        assertThat(members()).containsExactly(A, B);
        assertThat(members()).extracting(Backend::weight).containsExactly(1, 2);
    }

    private void assertError(String method, String path, String body, int status, String error) throws Exception {
        AdminFixture.Reply reply = admin.send(method, path, body);
        assertThat(reply.status()).as("%s %s %s", method, path, body).isEqualTo(status);
        assertThat(reply.error()).isEqualTo(error);
        assertThat(reply.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void reweightDrainAndRemoveLetRequestsInFlightFinish() throws Exception {
        start(AdminOptions.defaults());
        AdminFixture.Reply weighted = admin.send("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 5}");
        assertThat(weighted.status()).isEqualTo(200);
        assertThat(weighted.json().get("weight").intValue()).isEqualTo(5);
        assertThat(api.pool().find(A.id()).orElseThrow().weight()).isEqualTo(5);

        Selection onA = api.select(RequestContext.empty(), Set.of(B));
        AdminFixture.Reply drained = admin.send("POST", BACKENDS + "/" + A.id() + "/drain", null);
        assertThat(drained.status()).isEqualTo(200);
        assertThat(drained.json().get("state").stringValue()).isEqualTo("DRAINING");
        assertThat(drained.json().get("inFlight").intValue()).isEqualTo(1);
        for (int i = 0; i < 10; i++) {
            try (Selection s = api.select(RequestContext.empty())) {
                assertThat(s.backend()).isEqualTo(B);
            }
        }
        onA.onSuccess(200, 1_000_000);
        BackendStats a = api.pool().stats(A).orElseThrow();
        assertThat(a.state()).isEqualTo(BackendState.DRAINING);
        assertThat(a.inFlight()).isZero();
        assertThat(a.successes()).isEqualTo(1);

        Selection onB = api.select(RequestContext.empty());
        AdminFixture.Reply removed = admin.send("DELETE", BACKENDS + "/" + B.id(), null);
        assertThat(removed.status()).isEqualTo(200);
        assertThat(removed.json().get("id").stringValue()).isEqualTo(B.id());
        assertThat(removed.json().get("inFlight").intValue()).isEqualTo(1);
        assertThat(members()).containsExactly(A);
        onB.onSuccess(200, 1_000_000);
        assertThat(api.stats().requests()).as("10 + 1 on the removed backend (the first, on A, was a retry)")
                .isEqualTo(11);
    }

    @Test
    void replaceTheMembershipAtomically() throws Exception {
        start(AdminOptions.defaults());
        api.select(RequestContext.empty(), Set.of(B)).onSuccess(200, 1_000_000);
        AdminFixture.Reply replaced = admin.send("PUT", BACKENDS, "{\"backends\": [{\"uri\": \"http://127.0.0.1:9101\", "
                + "\"weight\": 4}, {\"uri\": \"http://127.0.0.1:9107\"}]}");
        assertThat(replaced.status()).isEqualTo(200);
        JsonNode backends = replaced.json().get("backends");
        List<String> ids = new ArrayList<>();
        backends.forEach(b -> ids.add(b.get("id").stringValue() + "/" + b.get("weight").intValue()));
        assertThat(ids).containsExactly("127.0.0.1:9101/4", "127.0.0.1:9107/1");
        assertThat(backends.get(0).get("successes").longValue()).as("kept statistics").isEqualTo(1);
        assertThat(members()).extracting(Backend::id).containsExactly("127.0.0.1:9101", "127.0.0.1:9107");
    }

    // ---- Security -------------------------------------------------------------------------------

    @Test
    void withATokenMutationsNeedItAndAWrongOneChangesNothing() throws Exception {
        start(AdminOptions.builder().bearerToken(TOKEN).build());
        AdminFixture.Reply missing = admin.send("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 7}");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.error()).isEqualTo("authorization: missing (expected: Bearer <token>)");
        assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"jlb\"");

        AdminFixture.Reply wrong = admin.send("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 7}",
                "Authorization", "Bearer s3cret-t0ken-for-tesTs");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).isEqualTo("authorization: wrong token (expected: the configured bearer token)");
        assertThat(wrong.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"jlb\", error=\"invalid_token\"");

        AdminFixture.Reply basic = admin.send("DELETE", BACKENDS + "/" + A.id(), null, "Authorization", "Basic eDp5");
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.error()).isEqualTo("authorization: not a bearer token (expected: Bearer <token>)");
        AdminFixture.Reply add = admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9108\"}",
                "Authorization", "Bearer " + TOKEN + "x");
        assertThat(add.status()).isEqualTo(401);
        assertThat(admin.send("POST", BACKENDS + "/" + A.id() + "/drain", null).status()).isEqualTo(401);
        assertThat(admin.send("PUT", BACKENDS, "{\"backends\": []}").status()).isEqualTo(401);
        assertThat(members()).containsExactly(A, B);
        assertThat(members()).extracting(Backend::weight).containsExactly(1, 2);

        // Reads stay open; the right token works.
        assertThat(admin.get(BACKENDS).status()).isEqualTo(200);
        AdminFixture.Reply ok = admin.send("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 7}", "Authorization", auth());
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(api.pool().find(A.id()).orElseThrow().weight()).isEqualTo(7);
        AdminFixture.Reply lowerCase = admin.send("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 8}",
                "Authorization", "bearer " + TOKEN);
        assertThat(lowerCase.status()).isEqualTo(200);
    }

    @Test
    void protectedReads() throws Exception {
        start(AdminOptions.builder().bearerToken(TOKEN).protectReads(true).build());
        AdminFixture.Reply api = admin.get("/admin/api/routes");
        assertThat(api.status()).isEqualTo(401);
        assertThat(api.error()).isEqualTo("authorization: missing (expected: Bearer <token>)");
        assertThat(admin.get("/admin/").status()).isEqualTo(401);
        assertThat(admin.get("/admin/api/routes", "Authorization", auth()).status()).isEqualTo(200);
        assertThat(admin.get("/admin/", "Authorization", auth()).status()).isEqualTo(200);
    }

    @Test
    void aMutationFromAnotherOriginIsRefused() throws Exception {
        start(AdminOptions.builder().bearerToken(TOKEN).build());
        AdminFixture.Reply evil = admin.send("POST", BACKENDS + "/" + A.id() + "/drain", null,
                "Origin", "http://evil.example", "Authorization", auth());
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.error()).isEqualTo("origin: http://evil.example (expected: none, or this server's own)");
        assertThat(api.pool().find(A.id()).orElseThrow().weight()).isEqualTo(1);
        // With the token, a page of the admin listener's own origin may change things.
        AdminFixture.Reply own = admin.send("POST", BACKENDS + "/" + A.id() + "/drain", null,
                "Origin", "http://127.0.0.1:" + admin.connector.getLocalPort(), "Authorization", auth());
        assertThat(own.status()).isEqualTo(200);
        assertThat(api.pool().find(A.id()).orElseThrow().weight()).isZero();
    }

    @Test
    void aHugeHostIsA400WithTheProjectsErrorNotAnHtmlPage() throws Exception {
        start(AdminOptions.defaults());
        String huge = "h".repeat(900_000);
        AdminFixture.Reply add = admin.send("POST", BACKENDS, "{\"uri\": \"http://" + huge + ":8080\"}");
        assertThat(add.status()).isEqualTo(400);
        assertThat(add.header("Content-Type")).isEqualTo("application/json");
        assertThat(add.error()).isEqualTo("host: " + "h".repeat(64) + "... (expected: at most 253 characters)");
        AdminFixture.Reply replace = admin.send("PUT", BACKENDS, "{\"backends\": [{\"uri\": \"http://127.0.0.1:1\"},"
                + " {\"uri\": \"http://" + huge + "\"}]}");
        assertThat(replace.status()).isEqualTo(400);
        assertThat(replace.error()).isEqualTo("backends[1].host: " + "h".repeat(64)
                + "... (expected: at most 253 characters)");
        assertThat(members()).containsExactly(A, B);
    }

    @Test
    void allowedBackendsLimitWhatCallsMayAdd() throws Exception {
        start(AdminOptions.builder().allowedBackends(List.of("127.0.0.1:9100-9199")).build());
        AdminFixture.Reply metadata = admin.send("POST", BACKENDS, "{\"uri\": \"http://169.254.169.254\"}");
        assertThat(metadata.status()).isEqualTo(403);
        assertThat(metadata.error()).isEqualTo("uri: http://169.254.169.254:80 (expected: a backend admitted by the"
                + " allowed backends [127.0.0.1:9100-9199])");
        assertThat(admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:8080\"}").status())
                .as("jlb's own port").isEqualTo(403);
        assertThat(admin.send("POST", BACKENDS, "{\"uri\": \"http://127.0.0.1:9103\"}").status()).isEqualTo(201);
        AdminFixture.Reply replace = admin.send("PUT", BACKENDS, "{\"backends\": [{\"uri\": \"http://127.0.0.1:9104\"},"
                + " {\"uri\": \"http://localhost:9105\"}]}");
        assertThat(replace.status()).isEqualTo(403);
        assertThat(replace.error()).isEqualTo("backends[1].uri: http://localhost:9105 (expected: a backend admitted by"
                + " the allowed backends [127.0.0.1:9100-9199])");
        assertThat(members()).containsExactly(A, B, Backend.of("http://127.0.0.1:9103"));
        // Members already there may stay in a replacement, and be re-weighted, drained or removed.
        admin.close();
        start(AdminOptions.builder().allowedBackends(List.of("10.0.0.0/8")).build());
        AdminFixture.Reply keep = admin.send("PUT", BACKENDS, "{\"backends\": [{\"uri\": \"" + A.uri() + "\"},"
                + " {\"uri\": \"http://10.0.0.7:80\"}]}");
        assertThat(keep.status()).as(keep.body()).isEqualTo(200);
        assertThat(admin.send("PATCH", BACKENDS + "/" + A.id(), "{\"weight\": 3}").status()).isEqualTo(200);
    }

    @Test
    void anUnexpectedFailureIsA500InJsonWithoutDetails() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        admin = new AdminFixture(AdminOptions.defaults(), () -> {
            if (gone.get()) {
                throw new IllegalStateException("the routes are gone");
            }
            return List.of(api);
        });
        gone.set(true);
        AdminFixture.Reply r = admin.get("/admin/api/routes");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.error()).isEqualTo("internal error: java.lang.IllegalStateException (expected: none; see the log)");
        assertThat(r.body()).doesNotContain("the routes are gone").doesNotContain("<html");
    }

    @Test
    void withoutATokenNoBrowserMayChangeAnythingEvenFromTheListenersOwnOrigin() throws Exception {
        start(AdminOptions.defaults());
        String drain = BACKENDS + "/" + A.id() + "/drain";
        AdminFixture.Reply own = admin.send("POST", drain, null,
                "Origin", "http://127.0.0.1:" + admin.connector.getLocalPort());
        assertThat(own.status()).isEqualTo(403);
        assertThat(own.error()).isEqualTo("origin: http://127.0.0.1:" + admin.connector.getLocalPort()
                + " (expected: no request from a browser, or a bearer token configured: without one a web page may"
                + " change nothing)");
        AdminFixture.Reply fetch = admin.send("POST", drain, null, "Sec-Fetch-Site", "same-origin");
        assertThat(fetch.status()).isEqualTo(403);
        assertThat(fetch.error()).startsWith("sec-fetch-site: same-origin (expected: no request from a browser");
        assertThat(admin.send("DELETE", BACKENDS + "/" + A.id(), null, "Sec-Fetch-Mode", "no-cors").status())
                .isEqualTo(403);
        assertThat(api.pool().find(A.id()).orElseThrow().weight()).isEqualTo(1);
        assertThat(members()).containsExactly(A, B);
        // Reads from a browser stay open; a change from a script (no browser header) from loopback works.
        assertThat(admin.get(BACKENDS, "Sec-Fetch-Site", "same-origin").status()).isEqualTo(200);
        assertThat(admin.send("POST", drain, null).status()).isEqualTo(200);
    }

    @Test
    void aHostHeaderThatIsNotThisServersIsRefusedAgainstDnsRebinding() throws Exception {
        start(AdminOptions.defaults());
        int port = admin.connector.getLocalPort();
        // A page on evil.example, its name rebound to 127.0.0.1: the browser sends its own name.
        AdminFixture.Reply read = admin.raw("GET", "/admin/api/routes", null, "Host: evil.example:" + port);
        assertThat(read.status()).isEqualTo(421);
        assertThat(read.error()).isEqualTo("host: evil.example:" + port
                + " (expected: localhost, a loopback address, 127.0.0.1 (this listener's))");
        assertThat(admin.raw("GET", "/admin/", null, "Host: evil.example").status()).isEqualTo(421);
        AdminFixture.Reply change = admin.raw("POST", BACKENDS + "/" + A.id() + "/drain", null,
                "Host: evil.example:" + port, "Origin: http://evil.example:" + port);
        assertThat(change.status()).isEqualTo(421);
        AdminFixture.Reply add = admin.raw("POST", BACKENDS, "{\"uri\": \"http://169.254.169.254\"}",
                "Host: evil.example:" + port);
        assertThat(add.status()).isEqualTo(421);
        assertThat(members()).containsExactly(A, B);
        assertThat(api.pool().find(A.id()).orElseThrow().weight()).isEqualTo(1);

        for (String own : new String[] {"localhost:" + port, "LOCALHOST", "localhost.", "app.localhost:" + port,
                "127.0.0.1:" + port, "127.0.0.2", "[::1]:" + port}) {
            assertThat(admin.raw("GET", "/admin/api/routes", null, "Host: " + own).status()).as(own).isEqualTo(200);
        }
        for (String other : new String[] {"127.0.0.1.evil.example", "localhost.evil.example", "evillocalhost",
                "0.0.0.0:" + port, "10.0.0.1", "[::2]"}) {
            assertThat(admin.raw("GET", "/admin/api/routes", null, "Host: " + other).status()).as(other).isEqualTo(421);
        }
        for (String malformed : new String[] {"[::1", "a:b:c", "localhost:x"}) {
            assertThat(admin.raw("GET", "/admin/api/routes", null, "Host: " + malformed).status()).as(malformed)
                    .isIn(400, 421);
        }
    }

    @Test
    void allowedHostsAddNamesAndAddresses() throws Exception {
        start(AdminOptions.builder().allowedHosts(List.of("JLB-1.internal", "*.admin.example", "192.0.2.7")).build());
        for (String host : new String[] {"jlb-1.internal:9901", "jlb-1.internal", "a.admin.example",
                "b.c.admin.example:1", "192.0.2.7:9901"}) {
            assertThat(admin.raw("GET", "/admin/api/routes", null, "Host: " + host).status()).as(host).isEqualTo(200);
        }
        for (String host : new String[] {"admin.example", "evil-admin.example", "jlb-2.internal", "192.0.2.8"}) {
            AdminFixture.Reply r = admin.raw("GET", "/admin/api/routes", null, "Host: " + host);
            assertThat(r.status()).as(host).isEqualTo(421);
        }
        assertThat(admin.raw("GET", "/admin/api/routes", null, "Host: jlb-2.internal").error()).isEqualTo(
                "host: jlb-2.internal (expected: localhost, a loopback address, 127.0.0.1 (this listener's) or one of"
                        + " [jlb-1.internal, *.admin.example, 192.0.2.7])");
        assertThatThrownBy(() -> AdminOptions.builder().allowedHosts(List.of("ok.example", "bad host")))
                .hasMessage("allowedHosts[1]: \"bad host\" (expected: a host name, *. and a domain, or an IP address,"
                        + " without a port)");
        assertThatThrownBy(() -> AdminOptions.builder().allowedHosts(List.of("jlb.internal:9901")))
                .hasMessageStartingWith("allowedHosts[0]: \"jlb.internal:9901\" (expected:");
    }

    @Test
    void withoutATokenOnlyLoopbackClientsMayChangeAnything() {
        assertThat(AdminServlet.isLoopback("127.0.0.1")).isTrue();
        assertThat(AdminServlet.isLoopback("127.1.2.3")).isTrue();
        assertThat(AdminServlet.isLoopback("[::1]")).isTrue();
        assertThat(AdminServlet.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(AdminServlet.isLoopback("10.0.0.1")).isFalse();
        assertThat(AdminServlet.isLoopback("[2001:db8::1]")).isFalse();
        assertThat(AdminServlet.isLoopback("localhost")).as("names are not resolved").isFalse();
        assertThat(AdminServlet.isLoopback("")).isFalse();
        assertThat(AdminServlet.isLoopback(null)).isFalse();
    }

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> AdminOptions.builder().bearerToken("short"))
                .hasMessage("bearerToken: 5 characters (expected: at least 16 visible ASCII characters)");
        assertThatThrownBy(() -> AdminOptions.builder().bearerToken("sixteen chars with space"))
                .hasMessage("bearerToken: 24 characters (expected: at least 16 visible ASCII characters)");
        assertThatThrownBy(() -> AdminOptions.builder().protectReads(true).build())
                .hasMessage("protectReads: true (expected: a bearerToken to protect them with)");
        assertThatThrownBy(() -> AdminOptions.builder().pageRefreshSeconds(-1))
                .hasMessage("pageRefreshSeconds: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new AdminServlet(AdminOptions.defaults(), api, api))
                .hasMessage("routes: two named api (expected: unique names)");
        AdminOptions options = AdminOptions.builder().bearerToken(TOKEN).build();
        assertThat(options.isBearerToken(TOKEN)).isTrue();
        assertThat(options.isBearerToken(TOKEN + " ")).isFalse();
        assertThat(options.isBearerToken(null)).isFalse();
        assertThat(options.toString()).isEqualTo("AdminOptions{bearerToken=set, protectReads=false, window=10s, "
                + "pageRefreshSeconds=2}").doesNotContain(TOKEN);
    }
}
