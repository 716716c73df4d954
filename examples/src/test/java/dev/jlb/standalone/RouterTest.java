package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.RouteConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The standalone's router on a real server: route matching, and a request racing a reload. */
class RouterTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    private static RouteConfig route(String path) throws Exception {
        return ConfigLoader.parse("routes: [{path: " + path + ", backends: [\"http://127.0.0.1:1\"]}]", "t.yaml",
                ConfigFormat.YAML).routes().get(0);
    }

    private static Handler answering(String text) {
        return new Handler.Abstract(InvocationType.NON_BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
    }

    private HttpResponse<String> get(String path) throws Exception {
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Router start() throws Exception {
        Router router = new Router();
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(router);
        server.start();
        return router;
    }

    @Test
    void anHttp10ChunkedRequestNoRouteTakesIsA400AndTheConnectionCloses() throws Exception {
        Router router = start();
        Router.Retirable api = router.new Retirable(answering("api"));
        api.start();
        router.setRoutes(List.of(new Router.Route(route("/api"), api)));
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /other HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /api/smuggled HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(reply).startsWith("HTTP/1.1 400 ").contains("Transfer-Encoding (chunked) on an HTTP/1.0 request")
                    .doesNotContain("api");
        }
    }

    @Test
    void longestPathWinsAndNoMatchIsJlbs404() throws Exception {
        Router router = start();
        Router.Retirable root = router.new Retirable(answering("root"));
        Router.Retirable api = router.new Retirable(answering("api"));
        root.start();
        api.start();
        router.setRoutes(List.of(new Router.Route(route("/"), root), new Router.Route(route("/api"), api)));
        assertThat(get("/api/x").body()).isEqualTo("api");
        assertThat(get("/apix").body()).isEqualTo("root");
        router.setRoutes(List.of(new Router.Route(route("/api"), api)));
        HttpResponse<String> none = get("/other");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(none.body()).isEqualTo("not found: no route matches /other\n");
        assertThat(server.getInvocationType()).isEqualTo(InvocationType.NON_BLOCKING);
    }

    @Test
    void aRequestThatReachesARetiredRouteGoesToItsReplacement() throws Exception {
        Router router = start();
        Router.Retirable replacement = router.new Retirable(answering("new"));
        replacement.start();
        RouteConfig lb = route("/lb");
        // The old route's handler is retired between the router's reading of the routes and its
        // call: it declines (as a stopped GracefulHandler does) after the new routes are published.
        Router.Retirable old = router.new Retirable(new Handler.Abstract(InvocationType.NON_BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                router.setRoutes(List.of(new Router.Route(lb, replacement)));
                return false;
            }
        });
        old.start();
        router.setRoutes(List.of(new Router.Route(lb, old)));
        HttpResponse<String> response = get("/lb/x");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("new");
    }
}
