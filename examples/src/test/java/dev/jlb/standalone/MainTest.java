package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: --help, --check and its exit codes, and bad arguments. */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.runToCompletion(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsTheOptions() {
        assertThat(run("--help")).isEqualTo(Main.EXIT_OK);
        assertThat(out()).startsWith("Usage: java -jar jlb.jar [options]")
                .contains("-c, --config FILE", "--check", "-p, --port N", "--address ADDR", "--no-watch",
                        "--demo-base-port N", "--demo-backends", "--version", "-h, --help", "--config=FILE",
                        "SIGHUP reloads", "SIGTERM", "8080", "8081..8085", "9901");
    }

    @Test
    void helpNamesEveryOptionTheParserAccepts() {
        assertThat(run("-h")).isEqualTo(Main.EXIT_OK);
        String help = out();
        // Every option the parser knows (from its error message), and each alias, is in the text.
        assertThat(run("--nope")).isEqualTo(Main.EXIT_USAGE);
        String known = err().substring(err().indexOf("one of ") + 7, err().indexOf(')'));
        assertThat(known.split(", ")).hasSizeGreaterThan(8).allSatisfy(option -> assertThat(help).contains(option));
        // and each short alias, next to its long form (CommandLineTest checks that they parse)
        assertThat(help).contains("  -c, --config ", "  -p, --port ", "  -h, --help ");
    }

    @Test
    void versionPrintsTheVersionAndTheCommitItWasBuiltFrom() throws Exception {
        assertThat(run("--version")).isEqualTo(Main.EXIT_OK);
        assertThat(out()).isEqualTo("jlb " + System.getProperty("jlb.version") + " (commit " + headCommit() + ")\n");
        assertThat(err()).isEmpty();
    }

    /** What git says the commit is (12 digits), or "unknown" without git or a repository. */
    static String headCommit() throws Exception {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return git.waitFor() == 0 && out.matches("[0-9a-f]{12}") ? out : Version.UNKNOWN;
        } catch (java.io.IOException e) {
            return Version.UNKNOWN;
        }
    }

    @Test
    void checkAcceptsTheGoOriginalsFileUnchanged() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.copy(Path.of("../lb-jetty/src/test/resources/dev/jlb/jetty/config/go-config.yaml"), file);

        assertThat(run("--check", "--config", file.toString())).isEqualTo(Main.EXIT_OK);

        assertThat(out()).startsWith(file + ": valid, 1 route on 0.0.0.0:8080\n  /lb: [localhost:8081*2 localhost:8082"
                + " localhost:8083 localhost:8084 localhost:8085], least-connection, health check tcp connect every 5s,"
                + " outlier ejection after 5 failures, 3 attempts\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void checkPrintsEveryProblemAndExitsOne() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                lb_port: 8080
                strategy: fastest
                servers: ["http://localhost:8081", "http://localhost:8081"]
                server_weights: [-1]
                """);

        assertThat(run("--check", "--config", file.toString())).isEqualTo(Main.EXIT_INVALID);

        assertThat(err()).isEqualTo(file + ":2: strategy: fastest (expected: one of consistent-hash, least-connections,"
                + " p2c, peak-ewma, random, round-robin, weighted-round-robin)\n"
                + file + ":3: servers[1]: http://localhost:8081 (expected: each backend once; first at line 3)\n"
                + file + ":4: server_weights[0]: -1 (expected: >= 0)\n"
                + file + ":4: server_weights: 1 weight (expected: 2, one per server)\n"
                + file + ": 4 problems\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void theReadmesErrorExampleIsWhatCheckPrints() throws Exception {
        Path file = Files.writeString(dir.resolve("config.yaml"), """
                lb_port: 8080
                strategy: least-conection
                health_check_interval: "5 parsecs"
                servers:
                  - http://localhost:8081
                  - http://localhost:8081
                  - http://localhost:8083
                server_weights: [2, -1]
                max_retry_limt: 3
                """);
        String readme = Files.readString(Path.of("../README.md"));
        String printed;
        assertThat(run("--check", "--config", file.toString())).isEqualTo(Main.EXIT_INVALID);
        printed = err().replace(file.toString(), "config.yaml");
        assertThat(readme).contains("$ java -jar examples/target/jlb.jar --check --config config.yaml\n" + printed);
    }

    @Test
    void checkAppliesThePortOverride() throws Exception {
        Path file = Files.writeString(dir.resolve("c.json"), "{\"servers\": [\"http://127.0.0.1:9\"]}");
        assertThat(run("--check", "--config", file.toString(), "--port", "9090", "--address", "127.0.0.1"))
                .isEqualTo(Main.EXIT_OK);
        assertThat(out()).startsWith(file + ": valid, 1 route on 127.0.0.1:9090\n");
    }

    @Test
    void badCommandLinesExitTwoWithTheReason() {
        assertThat(run("--frobnicate")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).isEqualTo("jlb: --frobnicate: unknown option (expected: one of --config, --check, --port,"
                + " --address, --no-watch, --demo-base-port, --demo-backends, --version, --help)\n"
                + "Run java -jar jlb.jar --help for the options.\n");

        err.reset();
        assertThat(run("--port", "http")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).startsWith("jlb: --port: http (expected: a port in 0..65535)\n");

        err.reset();
        assertThat(run("--check")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).startsWith("jlb: --check: without --config (expected: --check --config FILE)\n");

        err.reset();
        assertThat(run("--config")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err()).startsWith("jlb: --config: missing value (expected: a file name)\n");
    }
}
