package dev.jlb.standalone;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The standalone balancer's command line: it names the configuration file and a few overrides;
 * every setting can be given by the file alone. Immutable.
 *
 * @param config the configuration file, or null for the demo
 * @param check validate the file and exit
 * @param help print the usage and exit
 * @param port a listen port that replaces the file's, or -1
 * @param address a listen address that replaces the file's, or null
 * @param watch reload the file when it changes (SIGHUP reloads either way)
 * @param demoBackends run only the demo's backends (no balancer), for trying a config file by hand
 * @param demoBasePort the demo's base port (see {@link Demo.Ports#from(int)}), or -1 for the default
 * @param version print the version and exit
 */
record CommandLine(Path config, boolean check, boolean help, int port, String address, boolean watch,
        boolean demoBackends, int demoBasePort, boolean version) {

    static final String USAGE = """
            Usage: java -jar jlb.jar [options]
                   java -jar jlb.jar simulate SCENARIO.yaml [--strategy NAME] [--csv FILE] [--svg FILE]

            With no options, runs the demo on 127.0.0.1: the balancer on port 8080 routing /lb (and
            everything under it) over 5 demo backends on 8081..8085, with health checks, and the admin
            listener (status page, JSON API, /metrics) on 9901. --demo-base-port N moves them all.

            Options:
              -c, --config FILE      run from a YAML (.yaml, .yml) or JSON (.json) configuration file: the
                                     Go original's config.yaml, or the native form (see
                                     examples/config.example.yaml). The file is watched: a valid change is
                                     applied without a restart, an invalid one is refused with its errors
                                     and the running configuration stays.
                  --check            with --config: validate the file, print every problem, and exit
                                     (0 valid, 1 invalid) without binding any port
              -p, --port N           listen on port N instead of the file's (lb_port or server.port), or
                                     the demo balancer's; 0 = any free port
                  --address ADDR     listen on ADDR instead of the file's (server.address)
                  --no-watch         do not watch the file (SIGHUP still reloads it)
                  --demo-base-port N the demo on N (balancer), N+1..N+5 (backends) and N+1821 (admin):
                                     every port moves by N-8080; 0 = any free ports, printed at start
                  --demo-backends    run only the 5 demo backends (127.0.0.1:8081..8085, or from
                                     --demo-base-port), like the Go original's mock cluster, to try a
                                     configuration by hand in another terminal
                  --version          print the version and the commit it was built from
              -h, --help             print this text

            A long option that takes a value also takes it after "=": --config=FILE, --port=8080.

            simulate runs the route of a scenario file (a configuration plus a simulation: section
            that models the backends, the load and changes over time) on a virtual clock with the real
            strategies, health, ejection, retries and budget, and prints each backend's share, latency
            percentiles, errors and retries (see examples/scenarios/).

            Signals: SIGHUP reloads the file; SIGTERM and SIGINT stop accepting, let requests in flight
            finish (server.shutdown_grace_period, default 30s) and exit 0; a second one exits at once (143).
            Exit codes: 0 done or valid; 1 invalid configuration; 2 bad command line; 3 could not start.
            Logging: SLF4J simple; e.g. -Dorg.slf4j.simpleLogger.defaultLogLevel=debug, or
            -Dorg.slf4j.simpleLogger.log.jlb.access=off.
            """;

    CommandLine {
        if (check && config == null) {
            throw new IllegalArgumentException("--check: without --config (expected: --check --config FILE)");
        }
        if (demoBackends && (config != null || check)) {
            throw new IllegalArgumentException("--demo-backends: with --config (expected: one of the two)");
        }
        if (demoBasePort >= 0 && config != null) {
            throw new IllegalArgumentException("--demo-base-port: with --config (expected: one of the two)");
        }
    }

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException naming the bad argument and what was expected
     */
    static CommandLine parse(List<String> args) {
        Objects.requireNonNull(args, "args");
        Path config = null;
        boolean check = false;
        boolean help = false;
        int port = -1;
        String address = null;
        boolean watch = true;
        boolean demoBackends = false;
        int demoBasePort = -1;
        boolean version = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--config", "-c" -> {
                    value = value != null ? value : next(args, ++i, arg, "a file name");
                    config = Path.of(value);
                }
                case "--port", "-p" -> {
                    value = value != null ? value : next(args, ++i, arg, "a port");
                    port = number(value);
                    if (port < 0 || port > 65535) {
                        throw new IllegalArgumentException(arg + ": " + value + " (expected: a port in 0..65535)");
                    }
                }
                case "--demo-base-port" -> {
                    value = value != null ? value : next(args, ++i, arg, "a port");
                    demoBasePort = number(value);
                    if (demoBasePort < 0 || demoBasePort > Demo.Ports.MAX_BASE) {
                        throw new IllegalArgumentException(arg + ": " + value + " (expected: 0, or a port in 1.."
                                + Demo.Ports.MAX_BASE + " so that the admin port, N+" + Demo.Ports.ADMIN_OFFSET
                                + ", is at most 65535)");
                    }
                }
                case "--address" -> address = value != null ? value : next(args, ++i, arg, "an address");
                case "--check" -> check = flag(arg, value, true);
                case "--no-watch" -> watch = !flag(arg, value, true);
                case "--demo-backends" -> demoBackends = flag(arg, value, true);
                case "--help", "-h" -> help = flag(arg, value, true);
                case "--version" -> version = flag(arg, value, true);
                default -> throw new IllegalArgumentException(arg + ": unknown option (expected: one of --config, "
                        + "--check, --port, --address, --no-watch, --demo-base-port, --demo-backends, --version, "
                        + "--help)");
            }
        }
        return new CommandLine(config, check, help, port, address, watch, demoBackends, demoBasePort, version);
    }

    /** The value as a number, or -1 when it is not one. */
    private static int number(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String next(List<String> args, int i, String option, String what) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new IllegalArgumentException(option + ": missing value (expected: " + what + ")");
        }
        return args.get(i);
    }

    private static boolean flag(String option, String value, boolean result) {
        if (value != null) {
            throw new IllegalArgumentException(option + "=" + value + ": a flag with a value (expected: " + option + ")");
        }
        return result;
    }
}
