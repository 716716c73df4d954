package dev.jlb.standalone;

import dev.jlb.testing.ManualScheduler;
import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload waits until the file has been stable for the debounce (on a manual clock), and a reload
 * that loses routes says so loudly.
 */
class ReloadDebounceTest {

    @TempDir
    Path dir;

    private final ManualScheduler time = new ManualScheduler();
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private Path file;
    private ConfigWatcher watcher;
    private TestBackend a;
    private TestBackend b;
    private Standalone balancer;

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("jlb.yaml");
        a = new TestBackend("a");
        b = new TestBackend("b");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (balancer != null) {
            balancer.close();
        }
        a.close();
        b.close();
    }

    private String config(int weight) {
        return "server: {address: 127.0.0.1, port: 0}\nroutes:\n"
                + "  - {path: /a, backends: [{url: \"" + a.uri() + "\", weight: " + weight + "}], health_check: {type: none}}\n"
                + "  - {path: /b, backends: [\"" + b.uri() + "\"], health_check: {type: none}}\n";
    }

    private void watch(Runnable onChange) {
        watcher = new ConfigWatcher(file, onChange, time, time, ConfigWatcher.DEBOUNCE);
    }

    private void readOnChange() {
        watch(() -> {
            try {
                seen.add(Files.readString(file));
            } catch (Exception e) {
                seen.add(e.toString());
            }
        });
    }

    private void append(String text) throws Exception {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void aFileWrittenInTwoPartsIsReadOnlyOnceWhole() throws Exception {
        readOnChange();
        String whole = config(1);
        int half = whole.indexOf("  - {path: /b");

        append(whole.substring(0, half));
        watcher.changed();
        time.advance(Duration.ofMillis(300));
        append(whole.substring(half));
        watcher.changed();
        time.advance(ConfigWatcher.DEBOUNCE.minusMillis(1));
        assertThat(seen).as("the quiet period restarts with the second write").isEmpty();
        time.advance(Duration.ofMillis(1));

        assertThat(seen).containsExactly(whole);
        time.advance(Duration.ofMinutes(1));
        assertThat(seen).hasSize(1);
    }

    @Test
    void aWriteThatBringsNoEventRestartsTheQuietPeriodToo() throws Exception {
        readOnChange();
        append("servers: [\"http://127.0.0.1:1\"]\n");
        watcher.changed();
        time.advance(Duration.ofMillis(400));
        // Some file systems (network, container mounts) report nothing for a write.
        append("lb_port: 0\n");
        time.advance(Duration.ofMillis(100));
        assertThat(seen).as("the file differs from what the last event saw").isEmpty();
        time.advance(ConfigWatcher.DEBOUNCE.minusMillis(1));
        assertThat(seen).isEmpty();
        time.advance(Duration.ofMillis(1));

        assertThat(seen).containsExactly("servers: [\"http://127.0.0.1:1\"]\nlb_port: 0\n");
    }

    @Test
    void aBurstOfEventsGivesOneCallback() throws Exception {
        readOnChange();
        append("servers: []\n");
        for (int i = 0; i < 20; i++) {
            watcher.changed();
            time.advance(Duration.ofMillis(100));
        }
        time.advance(ConfigWatcher.DEBOUNCE);
        assertThat(seen).hasSize(1);
        assertThat(time.pending()).isZero();
    }

    @Test
    void aRunningBalancerSeesOnlyTheWholeFileAndKeepsServingEveryRoute() throws Exception {
        Files.writeString(file, config(1));
        balancer = Standalone.start(ConfigLoader.load(file), line -> { });
        List<ConfigReloader.Outcome> outcomes = new CopyOnWriteArrayList<>();
        try (ConfigReloader reloader = new ConfigReloader(file, c -> c, balancer, ConfigReloader.digest(file))) {
            watch(() -> outcomes.add(reloader.reloadNow("file change", false)));
            String next = config(2);
            int half = next.indexOf("  - {path: /b");

            // Written in place in two parts, 300 ms apart: the first part alone is a valid file without /b.
            Files.writeString(file, next.substring(0, half));
            watcher.changed();
            time.advance(Duration.ofMillis(300));
            append(next.substring(half));
            watcher.changed();
            time.advance(ConfigWatcher.DEBOUNCE);

            assertThat(outcomes).containsExactly(ConfigReloader.Outcome.APPLIED);
            assertThat(balancer.loadBalancer("/a").pool().backends().get(0).weight()).isEqualTo(2);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + balancer.port() + "/b")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aReloadThatLosesRoutesIsAppliedWithAWarningNamingThem() throws Exception {
        Files.writeString(file, config(1));
        balancer = Standalone.start(ConfigLoader.load(file), line -> { });
        try (ConfigReloader reloader = new ConfigReloader(file, c -> c, balancer, ConfigReloader.digest(file))) {
            String whole = config(1);
            Files.writeString(file, whole.substring(0, whole.indexOf("  - {path: /b")));

            String log = stdoutOf(() -> assertThat(reloader.reloadNow("file change", false))
                    .isEqualTo(ConfigReloader.Outcome.APPLIED));

            assertThat(log).contains("WARN jlb - reload (file change): " + file + " no longer has route /b: removing it"
                    + " (if the file was still being written, the next change brings it back)");
            assertThat(balancer.config().routes()).hasSize(1);
        }
        assertThat(ConfigReloader.lostRoutes(ConfigLoader.parse(config(1), "x.yaml",
                dev.jlb.jetty.config.ConfigFormat.YAML), ConfigLoader.parse("servers: [\"" + a.uri() + "\"]\n", "y.yaml",
                dev.jlb.jetty.config.ConfigFormat.YAML))).containsExactly("/a", "/b");
    }

    /** What the logger prints to standard output while {@code action} runs. */
    private static String stdoutOf(Runnable action) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
