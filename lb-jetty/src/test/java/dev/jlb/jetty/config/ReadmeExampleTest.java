package dev.jlb.jetty.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import dev.jlb.jetty.LoadBalancingHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Loading a file in your own application" example, compiled and run: the README holds
 * the lines between the markers below, word for word.
 */
class ReadmeExampleTest {

    private static final Path SOURCE = Path.of("src/test/java/dev/jlb/jetty/config/ReadmeExampleTest.java");

    @TempDir
    Path dir;

    @Test
    void loadsBindsAndReloadsAsTheReadmeSays() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:9001\"]\n");
        // README: load
        JlbConfig config = ConfigLoader.load(file);                      // a ConfigException lists every problem
        RouteConfig route = config.routes().get(0);                      // the core's own option types
        LoadBalancer lb = ConfigBinder.loadBalancer(route).build();
        Handler handler = new LoadBalancingHandler(lb, ConfigBinder.proxyOptions(route, config.server()));
        // README: end
        Handler first = handler;
        Files.writeString(file, "routes:\n  - path: /api\n    backends: [{url: \"http://127.0.0.1:9001\", weight: 3},"
                + " \"http://127.0.0.1:9002\"]\n    timeouts: {attempt: 5s}\n");
        // README: reload
        RouteConfig next = ConfigLoader.load(file).routes().get(0);      // after the file changed
        RouteDiff diff = RouteDiff.of(route, next);
        diff.applyTo(lb);               // backends added, removed, re-weighted; strategy; health: in place
        if (diff.proxyChanged()) {      // retries, timeouts, headers, sticky sessions: a new handler, same lb
            handler = new LoadBalancingHandler(lb, ConfigBinder.proxyOptions(next, config.server()));
        }
        // README: end
        try (lb) {
            assertThat(lb.pool().backends()).containsExactly(Backend.of("http://127.0.0.1:9001"),
                    Backend.of("http://127.0.0.1:9002"));
            assertThat(lb.pool().backends()).extracting(Backend::weight).containsExactly(3, 1);
            assertThat(handler).isNotSameAs(first);
            assertThat(((LoadBalancingHandler) handler).getOptions().attemptTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(((LoadBalancingHandler) handler).getLoadBalancer()).isSameAs(lb);
        }
    }

    @Test
    void theReadmeShowsTheseLines() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        for (String block : blocks(Files.readAllLines(SOURCE))) {
            assertThat(readme).as("README.md holds the example as compiled here").contains(block);
        }
    }

    /** The lines between each {@code // README: <name>} and {@code // README: end}, without the test's indent. */
    private static List<String> blocks(List<String> lines) {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : lines) {
            String t = line.strip();
            if (t.equals("// README: end")) {
                blocks.add(block.toString());
                block = null;
            } else if (t.startsWith("// README: ")) {
                block = new StringBuilder();
            } else if (block != null) {
                block.append(line.length() > 8 ? line.substring(8) : line.strip()).append('\n');
            }
        }
        assertThat(blocks).as("marked blocks").hasSize(2);
        return blocks;
    }
}
