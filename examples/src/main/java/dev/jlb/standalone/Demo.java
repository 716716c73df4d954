package dev.jlb.standalone;

import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The demo: 5 demo backends and a balancer routing {@code /lb} over them with health checks, built
 * from an ordinary configuration (shown in the banner's terms), so that the demo runs exactly the
 * code path of a configuration file. Owns both; {@link #close()} stops both.
 */
final class Demo implements AutoCloseable {

    /** The demo backends' ports when run from the command line. */
    static final List<Integer> BACKEND_PORTS = List.of(8081, 8082, 8083, 8084, 8085);
    /** The balancer's port when run from the command line. */
    static final int PORT = 8080;
    /** The admin listener's port when run from the command line (the balancer on port 0 gets one at random). */
    static final int ADMIN_PORT = 9901;
    /** Everything of the demo listens on loopback only. */
    static final String HOST = "127.0.0.1";

    private final DemoBackends backends;
    private final Standalone balancer;

    private Demo(DemoBackends backends, Standalone balancer) {
        this.backends = backends;
        this.balancer = balancer;
    }

    /**
     * Starts the backends, then the balancer.
     *
     * @param port the balancer's port (0: any free one)
     * @param backendPorts the backends' ports (0: any free one)
     */
    static Demo start(int port, List<Integer> backendPorts) throws Exception {
        DemoBackends backends = new DemoBackends(HOST, backendPorts);
        try {
            return new Demo(backends, Standalone.start(config(port, backends.uris())));
        } catch (Exception e) {
            backends.close();
            throw e;
        }
    }

    /** The demo's configuration: what a config.yaml for the same setup would say. */
    static JlbConfig config(int port, List<String> backendUris) throws ConfigException {
        String yaml = """
                server:
                  address: %s
                  port: %d
                  shutdown_grace_period: 5s
                routes:
                  - path: /lb
                    strategy: round-robin
                    backends: [%s]
                    health_check: {type: http, path: /, interval: 1s, timeout: 500ms, rise: 2, fall: 2}
                admin:
                  address: %s
                  port: %d
                """.formatted(HOST, port, backendUris.stream().map(u -> '"' + u + '"').collect(Collectors.joining(", ")),
                HOST, port == 0 ? 0 : ADMIN_PORT);
        return ConfigLoader.parse(yaml, "(demo)", ConfigFormat.YAML);
    }

    Standalone balancer() {
        return balancer;
    }

    List<String> backendUris() {
        return backends.uris();
    }

    /** What is running and what to try. */
    String banner() {
        String lb = "http://localhost:" + balancer.port() + "/lb";
        List<String> uris = backends.uris();
        StringBuilder sb = new StringBuilder();
        sb.append("\njlb demo is running\n");
        sb.append("  balancer  ").append(lb).append("  (and everything under /lb): round robin over ")
                .append(uris.size()).append(" backends, HTTP health checks every second\n");
        for (int i = 0; i < uris.size(); i++) {
            sb.append("  backend   b").append(i + 1).append("  ").append(uris.get(i))
                    .append("  answers any path with 200 ").append(DemoBackends.BODY).append('\n');
        }
        if (balancer.adminPort() >= 0) {
            String admin = "http://localhost:" + balancer.adminPort();
            sb.append("  status    ").append(admin).append("/admin/  (refreshes itself), JSON at ").append(admin)
                    .append("/admin/api/routes, Prometheus metrics at ").append(admin).append("/metrics\n");
        }
        String third = uris.get(Math.min(2, uris.size() - 1));
        sb.append("\nTry:\n");
        String[][] tries = {
            {"curl -i " + lb, "the " + DemoBackends.BACKEND_HEADER + " header names the backend that answered"},
            {"curl -X POST " + third + "/_demo/down", "that backend fails its checks: watch the log, jlb routes around it"},
            {"curl -X POST " + third + "/_demo/up", "and it comes back"},
            {"wrk -t2 -c100 -d10s " + lb, "load (Debian: apt-get install wrk)"},
            {"java -jar examples/target/jlb.jar --help", "run from a config.yaml instead"},
        };
        int width = 0;
        for (String[] t : tries) {
            width = Math.max(width, t[0].length());
        }
        for (String[] t : tries) {
            sb.append("  ").append(t[0]).append(" ".repeat(width - t[0].length() + 2)).append("# ").append(t[1])
                    .append('\n');
        }
        sb.append("\nStop with Ctrl-C.\n");
        return sb.toString();
    }

    /** Stops the balancer (within {@code grace}), then the backends. */
    void shutdown(java.time.Duration grace) {
        balancer.shutdown(grace);
        try {
            backends.close();
        } catch (Exception e) {
            // stopping anyway
        }
    }

    @Override
    public void close() {
        shutdown(java.time.Duration.ZERO);
    }
}
