package dev.jlb.standalone;

import dev.jlb.DurationFormat;
import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.jetty.config.ServerConfig;
import dev.jlb.simulate.SimulateCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar jlb.jar}: the standalone balancer. With no arguments it runs the demo; with
 * {@code --config FILE} it runs from a YAML or JSON file, reloads it when it changes or on SIGHUP,
 * and drains on SIGTERM; {@code --check} validates a file; {@code --help} lists the options;
 * {@code --version} prints the version and commit.
 */
public final class Main {

    /** Valid, or stopped normally. */
    static final int EXIT_OK = 0;
    /** The configuration file has problems. */
    static final int EXIT_INVALID = 1;
    /** The command line has problems. */
    static final int EXIT_USAGE = 2;
    /** jlb could not start (a port in use, a route that cannot start). */
    static final int EXIT_START_FAILED = 3;
    /** A second SIGTERM or SIGINT while draining: stopped at once (128 + SIGTERM's 15, as the JVM's default). */
    static final int EXIT_FORCED = 143;

    private static final Logger LOG = LoggerFactory.getLogger("jlb");

    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger stopSignals = new AtomicInteger();

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = new Main(System.out, System.err).run(Arrays.asList(args), true);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /**
     * Runs a command line that returns at once ({@code --help}, {@code --version}, {@code --check}, or
     * a bad command line); for tests.
     */
    static int runToCompletion(List<String> args, PrintStream out, PrintStream err) {
        return new Main(out, err).run(args, false);
    }

    private int run(List<String> args, boolean serve) {
        if (!args.isEmpty() && args.get(0).equals("simulate")) {
            return SimulateCommand.run(args.subList(1, args.size()), out, err);
        }
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jlb: " + e.getMessage());
            err.println("Run java -jar jlb.jar --help for the options.");
            return EXIT_USAGE;
        }
        if (cl.help()) {
            out.print(CommandLine.USAGE);
            return EXIT_OK;
        }
        if (cl.version()) {
            out.println(Version.current());
            return EXIT_OK;
        }
        if (cl.check()) {
            return check(cl);
        }
        if (!serve) {
            err.println("jlb: runToCompletion runs simulate, --help, --version and --check only");
            return EXIT_USAGE;
        }
        installSignals();
        try {
            if (cl.demoBackends()) {
                return demoBackends(cl);
            }
            return cl.config() == null ? demo(cl) : serve(cl);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        }
    }

    private int check(CommandLine cl) {
        try {
            JlbConfig config = overrides(ConfigLoader.load(cl.config()), cl);
            out.println(cl.config() + ": valid, " + config.routes().size() + " route"
                    + (config.routes().size() == 1 ? "" : "s") + " on " + config.server().address() + ":"
                    + config.server().port());
            config.routes().forEach(r -> out.println("  " + r.path() + ": " + r.summary()));
            return EXIT_OK;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.println(cl.config() + ": " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s"));
            return EXIT_INVALID;
        }
    }

    private static JlbConfig overrides(JlbConfig config, CommandLine cl) {
        if (cl.port() < 0 && cl.address() == null) {
            return config;
        }
        ServerConfig s = config.server();
        return new JlbConfig(s.withListen(cl.address() != null ? cl.address() : s.address(),
                cl.port() >= 0 ? cl.port() : s.port()), config.routes(), config.admin());
    }

    /** The demo's ports: from --demo-base-port (or 8080), with --port for the balancer's. */
    static Demo.Ports demoPorts(CommandLine cl) {
        Demo.Ports ports = cl.demoBasePort() >= 0 ? Demo.Ports.from(cl.demoBasePort()) : Demo.Ports.DEFAULT;
        return cl.port() >= 0 ? ports.withBalancer(cl.port()) : ports;
    }

    private int demo(CommandLine cl) throws InterruptedException {
        Demo.Ports ports = demoPorts(cl);
        Demo demo;
        try {
            demo = Demo.start(ports);
        } catch (Exception e) {
            err.println("jlb: could not start the demo: " + e.getMessage() + " (expected: ports " + ports.describe()
                    + " free on " + Demo.HOST + "; --demo-base-port N moves them all, --port N the balancer's)");
            return EXIT_START_FAILED;
        }
        out.print(demo.banner());
        out.flush();
        stop.await();
        demo.shutdown(demo.balancer().config().server().shutdownGracePeriod());
        return EXIT_OK;
    }

    private int demoBackends(CommandLine cl) throws InterruptedException {
        List<Integer> ports = demoPorts(cl).backends();
        DemoBackends backends;
        try {
            backends = new DemoBackends(Demo.HOST, ports);
        } catch (Exception e) {
            err.println("jlb: could not start the demo backends: " + e.getMessage() + " (expected: ports "
                    + Demo.Ports.range(ports) + " free on " + Demo.HOST + "; --demo-base-port N moves them)");
            return EXIT_START_FAILED;
        }
        out.println("demo backends running (each answers any path with 200 " + DemoBackends.BODY + "):");
        backends.uris().forEach(u -> out.println("  " + u));
        out.println("Stop with Ctrl-C.");
        out.flush();
        stop.await();
        try {
            backends.close();
        } catch (Exception e) {
            // exiting anyway
        }
        return EXIT_OK;
    }

    private int serve(CommandLine cl) throws InterruptedException {
        Path file = cl.config();
        JlbConfig config;
        byte[] digest;
        try {
            digest = ConfigReloader.digest(file);
            config = overrides(ConfigLoader.load(file), cl);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.println("jlb: " + file + " has " + e.problems().size() + " problem"
                    + (e.problems().size() == 1 ? "" : "s") + "; nothing was started");
            return EXIT_INVALID;
        }
        Standalone balancer;
        try {
            balancer = Standalone.start(config);
        } catch (Exception e) {
            err.println("jlb: could not start: " + e.getMessage());
            return EXIT_START_FAILED;
        }
        ConfigReloader reloader = new ConfigReloader(file, c -> overrides(c, cl), balancer, digest);
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> reloader.reload("SIGHUP", true));
        ConfigWatcher watcher = null;
        if (cl.watch()) {
            try {
                watcher = ConfigWatcher.start(file, () -> reloader.reload("file change", false));
            } catch (IOException e) {
                LOG.warn("{}: cannot watch it ({}); reload with SIGHUP", file, e.toString());
            }
        }
        LOG.info("configuration {}: reloaded on change{} and on SIGHUP", file, cl.watch() ? "" : " (off: --no-watch)");
        stop.await();
        if (watcher != null) {
            watcher.close();
        }
        reloader.close();
        Duration grace = balancer.config().server().shutdownGracePeriod();
        LOG.info("stopping: no new connections; requests in flight have {} to finish", DurationFormat.format(grace));
        balancer.shutdown(grace);
        return EXIT_OK;
    }

    private void installSignals() {
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    if (stopSignals.incrementAndGet() > 1) {
                        LOG.warn("SIG{} again: exiting now", name);
                        Runtime.getRuntime().halt(EXIT_FORCED);
                    }
                    stop.countDown();
                });
            } catch (IllegalArgumentException e) {
                LOG.debug("signal {} cannot be handled here", name);
            }
        }
    }
}
