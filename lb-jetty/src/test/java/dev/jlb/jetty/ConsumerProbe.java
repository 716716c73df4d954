package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import dev.jlb.LoadBalancer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Run by {@link DependencyDietTest} inside class loaders that hold only the jars an application
 * gets. Each scenario is a class of its own: the JVM verifies a class as a whole, so a class that
 * mentions servlet types fails to load where they are missing even if that code never runs.
 */
public final class ConsumerProbe {

    private ConsumerProbe() {
    }

    static String get(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    /** The jetty-core handler in front of a backend: Jetty core and slf4j-api only. */
    public static final class Handler {
        private Handler() {
        }

        public static String run() throws Exception {
            try (TestBackend backend = new TestBackend("b");
                    LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build()) {
                org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
                org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server);
                connector.setHost("127.0.0.1");
                server.addConnector(connector);
                server.setHandler(new LoadBalancingHandler(lb, ProxyOptions.builder().prefix("/api").build()));
                server.start();
                try {
                    return "handler " + get("http://127.0.0.1:" + connector.getLocalPort() + "/api/x");
                } finally {
                    server.stop();
                }
            }
        }
    }

    /** The servlet and the filter: Jetty core, the ee10 servlet jars and jetty-ee10-proxy. */
    public static final class Servlets {
        private Servlets() {
        }

        public static String run() throws Exception {
            StringBuilder out = new StringBuilder();
            try (TestBackend backend = new TestBackend("b")) {
                for (ProxyFixture.Mode mode : new ProxyFixture.Mode[] {ProxyFixture.Mode.SERVLET, ProxyFixture.Mode.FILTER}) {
                    try (LoadBalancer lb = LoadBalancer.builder().backends(backend.uri()).build();
                            ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults())) {
                        out.append(out.length() == 0 ? "" : ", ").append(mode.name().toLowerCase(java.util.Locale.ROOT))
                                .append(' ').append(get(proxy.url("/api/x")));
                    }
                }
            }
            return out.toString();
        }
    }

    /** Loading a configuration file: the message, or "loaded" when the file was read. */
    public static final class ConfigFile {
        private ConfigFile() {
        }

        public static String run() throws Exception {
            try {
                dev.jlb.jetty.config.ConfigLoader.parse("servers: [\"http://127.0.0.1:9\"]\n", "c.yaml",
                        dev.jlb.jetty.config.ConfigFormat.YAML);
                return "loaded";
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        }
    }

    /** The admin servlet: "created", or the exception. */
    public static final class Admin {
        private Admin() {
        }

        public static String run() {
            try (LoadBalancer lb = LoadBalancer.builder().backends("http://127.0.0.1:9").build()) {
                new dev.jlb.jetty.admin.AdminServlet(dev.jlb.jetty.admin.AdminOptions.defaults(), lb);
                return "created";
            } catch (LinkageError e) {
                return e.toString();
            }
        }
    }
}
