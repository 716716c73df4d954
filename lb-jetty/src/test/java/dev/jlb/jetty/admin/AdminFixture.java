package dev.jlb.jetty.admin;

import dev.jlb.LoadBalancer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import tools.jackson.databind.JsonNode;

/** A real Jetty server on 127.0.0.1:0 with an {@link AdminServlet} at {@code /admin/*}, and a client. */
final class AdminFixture implements AutoCloseable {

    final Server server;
    final ServerConnector connector;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminFixture(AdminOptions options, Supplier<? extends Collection<? extends LoadBalancer>> routes) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("admin");
        server = new Server(pool);
        // Jetty's per-connection header cache matches values case-insensitively by default: a token
        // differing from an earlier one on the connection only in case would read as the earlier one.
        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new AdminServlet(options, routes)), "/admin/*");
        server.setHandler(context);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + connector.getLocalPort() + path;
    }

    /** A response: status, headers and body. */
    record Reply(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            return AdminJson.MAPPER.readTree(body);
        }

        String error() {
            return json().get("error").stringValue();
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    Reply send(String method, String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            builder.setHeader(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers(), response.body());
    }

    /**
     * Sends {@code method path} over a raw connection with the given header lines (the JDK's client
     * does not let a caller set {@code Host}) and returns the status and the body.
     */
    Reply raw(String method, String path, String body, String... headerLines) throws IOException {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        byte[] content = body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (body != null) {
            request.append("Content-Type: application/json\r\n");
        }
        request.append("Content-Length: ").append(content.length).append("\r\nConnection: close\r\n\r\n");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            int split = answer.indexOf("\r\n\r\n");
            return new Reply(status, null, split < 0 ? "" : answer.substring(split + 4));
        }
    }

    Reply get(String path, String... headers) throws IOException, InterruptedException {
        return send("GET", path, null, headers);
    }

    @Override
    public void close() throws java.io.IOException {
        dev.jlb.testing.LifeCycles.stop(server, this);
    }
}
