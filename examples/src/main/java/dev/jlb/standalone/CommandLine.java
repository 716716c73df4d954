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
 */
record CommandLine(Path config, boolean check, boolean help, int port, String address, boolean watch,
        boolean demoBackends) {

    static final String USAGE = """
            Usage: java -jar jlb.jar [options]

            With no options, runs the demo: 5 demo backends on 127.0.0.1:8081..8085 and the balancer on
            127.0.0.1:8080 routing /lb (and everything under it) over them, with health checks.

            Options:
              --config FILE    run from a YAML (.yaml, .yml) or JSON (.json) configuration file: the Go
                               original's config.yaml, or the native form (see examples/config.example.yaml).
                               The file is watched: a valid change is applied without a restart, an
                               invalid one is refused with its errors and the running configuration stays.
              --check          with --config: validate the file, print every problem, and exit
                               (0 valid, 1 invalid) without binding any port
              --port N         listen on port N instead of the file's (lb_port or server.port); 0 = any free port
              --address ADDR   listen on ADDR instead of the file's (server.address)
              --no-watch       do not watch the file (SIGHUP still reloads it)
              --demo-backends  run only the 5 demo backends (127.0.0.1:8081..8085), like the Go original's
                               mock cluster, to try a configuration by hand in another terminal
              --help           print this text

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
                    try {
                        port = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 0 || port > 65535) {
                        throw new IllegalArgumentException(arg + ": " + value + " (expected: a port in 0..65535)");
                    }
                }
                case "--address" -> address = value != null ? value : next(args, ++i, arg, "an address");
                case "--check" -> check = flag(arg, value, true);
                case "--no-watch" -> watch = !flag(arg, value, true);
                case "--demo-backends" -> demoBackends = flag(arg, value, true);
                case "--help", "-h" -> help = flag(arg, value, true);
                default -> throw new IllegalArgumentException(arg + ": unknown option (expected: one of --config, "
                        + "--check, --port, --address, --no-watch, --demo-backends, --help)");
            }
        }
        return new CommandLine(config, check, help, port, address, watch, demoBackends);
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
