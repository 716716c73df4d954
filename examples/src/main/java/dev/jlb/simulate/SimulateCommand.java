package dev.jlb.simulate;

import dev.jlb.jetty.config.RouteConfig;
import dev.jlb.jetty.config.StrategyConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code jlb simulate SCENARIO.yaml [--csv FILE] [--svg FILE]}: runs a scenario on a virtual clock
 * and prints the report. Exit codes as the standalone's: 0 done, 1 the scenario is invalid (every
 * problem printed), 2 a usage error.
 */
public final class SimulateCommand {

    /** The usage line, for {@code --help}. */
    public static final String USAGE = "usage: jlb simulate SCENARIO.yaml [--strategy NAME] [--csv FILE] [--svg FILE]";

    private static final String QUIET = "org.slf4j.simpleLogger.log.dev.jlb";

    private SimulateCommand() {
    }

    /** Runs the command with the arguments after {@code simulate}; returns the exit code. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Path scenarioFile = null;
        Path csv = null;
        Path svg = null;
        String strategy = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--strategy") && i + 1 < args.size()) {
                strategy = args.get(++i);
            } else if ((a.equals("--csv") || a.equals("--svg")) && i + 1 < args.size()) {
                Path p = Path.of(args.get(++i));
                if (a.equals("--csv")) {
                    csv = p;
                } else {
                    svg = p;
                }
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            } else if (!a.startsWith("-") && scenarioFile == null) {
                scenarioFile = Path.of(a);
            } else {
                err.println("jlb simulate: " + a + ": unexpected argument\n" + USAGE);
                return 2;
            }
        }
        if (scenarioFile == null) {
            err.println("jlb simulate: no scenario file\n" + USAGE);
            return 2;
        }
        Scenario scenario;
        try {
            scenario = ScenarioReader.read(scenarioFile);
        } catch (ScenarioException e) {
            e.lines().forEach(err::println);
            return 1;
        }
        // The report lists the state changes at their simulated times; the log's would carry wall-clock times.
        if (System.getProperty(QUIET) == null) {
            System.setProperty(QUIET, "warn");
        }
        if (strategy != null) {
            try {
                scenario = scenario.withRoute(withStrategy(scenario.route(), strategy));
            } catch (IllegalArgumentException e) {
                err.println("jlb simulate: --strategy " + strategy + ": " + e.getMessage());
                return 1;
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        SimResult result = new Simulation(scenario).run();
        double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
        out.print(result.text(scenarioFile.toString(), cpu));
        try {
            if (csv != null) {
                Files.writeString(csv, result.csv(), StandardCharsets.UTF_8);
                out.println("csv: " + csv);
            }
            if (svg != null) {
                Files.writeString(svg, SvgPlot.render(result), StandardCharsets.UTF_8);
                out.println("plot: " + svg);
            }
        } catch (IOException e) {
            err.println("jlb simulate: cannot write: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** {@code route} with the strategy {@code name} and its default options; throws when there is none. */
    static RouteConfig withStrategy(RouteConfig route, String name) {
        StrategyConfig strategy = new StrategyConfig(name, Map.of());
        strategy.create();
        return new RouteConfig(route.name(), route.path(), route.backends(), strategy, route.healthCheck(),
                route.outlierDetection(), route.latencyHealth(), route.slowStart(), route.panicMode(),
                route.panicThreshold(), route.proxy());
    }

    /** The report of {@code scenario} as text, for tests: the same scenario gives the same text. */
    static String report(Scenario scenario) {
        return new Simulation(scenario).run().text("scenario", 0);
    }
}
