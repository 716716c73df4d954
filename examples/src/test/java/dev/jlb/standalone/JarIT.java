package dev.jlb.standalone;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as an operator runs it: a config file, a reload on SIGHUP, and SIGTERM draining
 * a request in flight before exiting 0. Runs after {@code package} (failsafe).
 */
class JarIT {

    private static final Pattern LISTENING = Pattern.compile("jlb listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private Thread reader;

    @AfterEach
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private Process start(String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx64m", "-jar", jar()));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private void signal(String name) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start()
                .waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    private static String jar() {
        String jar = System.getProperty("jlb.jar", "target/jlb.jar");
        assertThat(Path.of(jar)).exists();
        return jar;
    }

    private String awaitLine(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && pattern.matcher(line).find()) {
                return line;
            }
        }
        throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", output));
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishAndExitsZero() throws Exception {
        try (TestBackend backend = new TestBackend("b1"); TestBackend other = new TestBackend("b2")) {
            Path config = Files.writeString(dir.resolve("config.yaml"), """
                    lb_port: 0
                    strategy: round-robin
                    health_check_interval: 1s
                    servers: ["%s"]
                    """.formatted(backend.uri()));
            start("--config", config.toString(), "--address", "127.0.0.1");
            Matcher m = LISTENING.matcher(awaitLine(LISTENING));
            assertThat(m.find()).isTrue();
            String base = "http://127.0.0.1:" + m.group(1);
            // HTTP/1.1: the JDK 17 client fails its streams still open when an HTTP/2 GOAWAY arrives
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/lb")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("b1");

            // A reload on SIGHUP: the second backend replaces the first.
            Files.writeString(config, Files.readString(config).replace(backend.uri(), other.uri()));
            signal("HUP");
            awaitLine(Pattern.compile("reload \\((SIGHUP|file change)\\): route /lb: backends"));
            assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/lb")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("b2");

            CompletableFuture<HttpResponse<String>> slow = client.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "/lb?delay=1000")).build(), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (other.arrivals.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // SIGTERM with kill(1): Process.destroy() would also close our end of the child's output.
            signal("TERM");

            HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("b2");
            assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
            reader.join(5_000);
            assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
            assertThat(output).anyMatch(l -> l.contains("stopping: no new connections"))
                    .anyMatch(l -> l.matches(".* INFO jlb - stopped in \\d+ms"));
        }
    }

    @Test
    void anInvalidFileExitsOneBeforeBindingAnyPort() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "lb_port: 8080\nstrategy: fastest\nservers: []\n");
        start("--config", config.toString());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output).contains(
                config + ":2: strategy: fastest (expected: one of consistent-hash, least-connections, p2c, peak-ewma, random,"
                        + " round-robin, weighted-round-robin)",
                config + ":3: servers: [] (expected: at least one backend URL)",
                "jlb: " + config + " has 2 problems; nothing was started");
    }

    @Test
    void checkValidatesTheGoOriginalsFile() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.copy(Path.of("../lb-jetty/src/test/resources/dev/jlb/jetty/config/go-config.yaml"), config);
        start("--check", "--config", config.toString());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);
        assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
        assertThat(output.get(0)).isEqualTo(config + ": valid, 1 route on 0.0.0.0:8080");
    }

    /** SLF4J simple as the jar configures it: time, level, logger, message. */
    private static final String LOG_LINE =
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) (TRACE|DEBUG|INFO|WARN|ERROR) \\S+ - .*";

    @Test
    void everyLineOfARunHasOneFormatTheCoresToo() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (TestBackend backend = new TestBackend("b1")) {
            Path config = Files.writeString(dir.resolve("config.yaml"), """
                    lb_port: 0
                    health_check_interval: 1s
                    servers: ["%s", "http://127.0.0.1:%d"]
                    """.formatted(backend.uri(), closedPort));
            start("--config", config.toString(), "--address", "127.0.0.1");
            // A line of the core (lb-api logs through System.Logger, routed to SLF4J), before or after
            // the standalone's "listening".
            String state = "STATE_CHANGED 127.0.0.1:" + closedPort;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (output.stream().noneMatch(l -> l.contains(state))
                    || output.stream().noneMatch(l -> LISTENING.matcher(l).find())) {
                assertThat(System.nanoTime()).as("%s and listening in:%n%s", state, String.join("\n", output))
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            String change = output.stream().filter(l -> l.contains(state)).findFirst().orElseThrow();
            assertThat(change).matches(".* INFO dev\\.jlb - jlb\\[/lb\\]: STATE_CHANGED 127\\.0\\.0\\.1:" + closedPort
                    + " HEALTHY -> UNHEALTHY \\(first health check failed: connection refused\\)");
            signal("TERM");
            assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
            reader.join(5_000);
            assertThat(output).isNotEmpty().allMatch(l -> l.matches(LOG_LINE), "lines like " + LOG_LINE);
        }
    }

    @Test
    void theDemoOnPortsTheOsChoosesPrintsThemAndBalances() throws Exception {
        start("--demo-base-port", "0");
        Pattern ports = Pattern.compile("^  ports     (\\d+) \\(balancer\\), (\\d+\\.\\.\\d+|\\d+(, \\d+){4}) \\(backends\\), (\\d+) \\(admin\\)"
                + " on 127\\.0\\.0\\.1; --demo-base-port N moves them all$");
        Matcher m = ports.matcher(awaitLine(ports));
        assertThat(m.find()).isTrue();
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> lb = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1) + "/lb"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(lb.statusCode()).isEqualTo(200);
        assertThat(lb.body()).isEqualTo("<--response-->");
        List<String> backends = new java.util.ArrayList<>(List.of(m.group(2).split(", ")));
        if (m.group(2).contains("..")) { // the OS chose consecutive ports: "first..last"
            backends.clear();
            String[] range = m.group(2).split("\\.\\.");
            for (int p = Integer.parseInt(range[0]); p <= Integer.parseInt(range[1]); p++) {
                backends.add(Integer.toString(p));
            }
        }
        assertThat(backends).hasSize(5);
        for (String backend : backends) {
            assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("<--response-->");
        }
        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(4) + "/admin/api/routes"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        signal("TERM");
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
    }

    @Test
    void versionNamesTheVersionAndTheCommit() throws Exception {
        start("--version");
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(5_000);
        assertThat(process.exitValue()).isZero();
        assertThat(output).containsExactly("jlb " + System.getProperty("jlb.version") + " (commit "
                + MainTest.headCommit() + ")");
    }
}
