package dev.jlb.standalone;

import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The demo: 5 demo backends and a balancer routing {@code /lb} over them with health checks, built
 * from an ordinary configuration (shown in the banner's terms), so that the demo runs exactly the
 * code path of a configuration file. Owns both; {@link #close()} stops both.
 */
final class Demo implements AutoCloseable {

    /** Everything of the demo listens on loopback only. */
    static final String HOST = "127.0.0.1";

    /**
     * The demo's ports: the balancer's, its backends' and the admin listener's; 0 lets the OS choose.
     *
     * @param balancer the balancer's port
     * @param backends the backends' ports, one per backend
     * @param admin the admin listener's port
     */
    record Ports(int balancer, List<Integer> backends, int admin) {

        /** The balancer's port by default. */
        static final int BASE = 8080;
        /** How many backends the demo runs. */
        static final int BACKENDS = 5;
        /** The admin port is the base plus this (9901 for 8080, as in config.example.yaml). */
        static final int ADMIN_OFFSET = 9901 - BASE;
        /** The highest base port: its admin port is 65535. */
        static final int MAX_BASE = 65535 - ADMIN_OFFSET;
        /** The ports without --demo-base-port: 8080, 8081..8085, 9901. */
        static final Ports DEFAULT = from(BASE);

        Ports {
            backends = List.copyOf(Objects.requireNonNull(backends, "backends"));
        }

        /**
         * The balancer on {@code base}, the backends on {@code base+1..base+5}, the admin listener on
         * {@code base+1821}: every port moves by {@code base - 8080}. Base 0 lets the OS choose each.
         *
         * @throws IllegalArgumentException when {@code base} is outside {@code 0..MAX_BASE}
         */
        static Ports from(int base) {
            if (base < 0 || base > MAX_BASE) {
                throw new IllegalArgumentException("base: " + base + " (expected: 0.." + MAX_BASE + ")");
            }
            List<Integer> backends = new ArrayList<>();
            for (int i = 1; i <= BACKENDS; i++) {
                backends.add(base == 0 ? 0 : base + i);
            }
            return new Ports(base, backends, base == 0 ? 0 : base + ADMIN_OFFSET);
        }

        /** These ports with the balancer on {@code port} (the others unchanged). */
        Ports withBalancer(int port) {
            return new Ports(port, backends, admin);
        }

        /** For messages: {@code 8080 (balancer), 8081..8085 (backends), 9901 (admin)}; 0 reads "any". */
        String describe() {
            return port(balancer) + " (balancer), " + range(backends) + " (backends), " + port(admin) + " (admin)";
        }

        static String range(List<Integer> ports) {
            boolean consecutive = !ports.isEmpty() && ports.get(0) > 0;
            for (int i = 1; consecutive && i < ports.size(); i++) {
                consecutive = ports.get(i) == ports.get(0) + i;
            }
            return consecutive && ports.size() > 1 ? ports.get(0) + ".." + ports.get(ports.size() - 1)
                    : ports.stream().map(Ports::port).collect(Collectors.joining(", "));
        }

        private static String port(int port) {
            return port == 0 ? "any" : Integer.toString(port);
        }
    }

    private final DemoBackends backends;
    private final Standalone balancer;

    private Demo(DemoBackends backends, Standalone balancer) {
        this.backends = backends;
        this.balancer = balancer;
    }

    /** Starts the backends, then the balancer and its admin listener, on {@code ports}. */
    static Demo start(Ports ports) throws Exception {
        DemoBackends backends = new DemoBackends(HOST, ports.backends());
        try {
            return new Demo(backends, Standalone.start(config(ports.balancer(), ports.admin(), backends.uris())));
        } catch (Exception e) {
            backends.close();
            throw e;
        }
    }

    /** The demo's configuration: what a config.yaml for the same setup would say. */
    static JlbConfig config(int port, int adminPort, List<String> backendUris) throws ConfigException {
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
                HOST, adminPort);
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
        sb.append("  ports     ").append(ports().describe()).append(" on ").append(HOST)
                .append("; --demo-base-port N moves them all\n");
        String third = uris.get(Math.min(2, uris.size() - 1));
        sb.append("\nTry:\n");
        String[][] tries = {
            {"curl -i " + lb, "the " + DemoBackends.BACKEND_HEADER + " header names the backend that answered"},
            {"curl -X POST " + third + "/_demo/down", "that backend fails its checks: watch the log, jlb routes around it"},
            {"curl -X POST " + third + "/_demo/up", "and it comes back"},
            {"wrk -t2 -c100 -d10s " + lb, "load (Debian: apt-get install wrk)"},
        };
        int width = 0;
        for (String[] t : tries) {
            width = Math.max(width, t[0].length());
        }
        for (String[] t : tries) {
            sb.append("  ").append(t[0]).append(" ".repeat(width - t[0].length() + 2)).append("# ").append(t[1])
                    .append('\n');
        }
        sb.append("\nA configuration file instead (stop the demo first; --demo-backends runs its backends alone,\n")
                .append("--help lists every option):\n")
                .append("  java -jar examples/target/jlb.jar --config examples/config.example.yaml\n");
        sb.append("\nStop with Ctrl-C.\n");
        return sb.toString();
    }

    /** The ports the demo listens on (the ones the OS chose, where it was asked to). */
    Ports ports() {
        return new Ports(balancer.port(), backends.ports(), Math.max(balancer.adminPort(), 0));
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
