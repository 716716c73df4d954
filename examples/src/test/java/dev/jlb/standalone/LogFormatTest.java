package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * One format for one run: the core's {@link System.Logger} lines (lb-api depends on the JDK alone)
 * reach SLF4J through slf4j-jdk-platform-logging and come out exactly like the standalone's own.
 */
class LogFormatTest {

    /** SLF4J simple as the standalone configures it: time, level, logger, message. */
    static final String LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO %s - %s";

    @Test
    void aBackendStateChangeOfTheCoreIsLoggedThroughSlf4j() throws Exception {
        assertThat(System.getLogger("dev.jlb").getClass().getName()).startsWith("org.slf4j.");
        Backend backend = Backend.of("http://127.0.0.1:8081");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (LoadBalancer lb = LoadBalancer.builder().name("log-format").backends(List.of(backend)).build()) {
            lb.pool().update(backend.withWeight(0));
            LoggerFactory.getLogger("jlb").info("a line of the standalone");
        } finally {
            System.setOut(stdout);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).anyMatch(l -> l.matches(LINE.formatted("dev\\.jlb",
                "jlb\\[log-format\\]: STATE_CHANGED 127\\.0\\.0\\.1:8081 HEALTHY -> DRAINING \\(weight 0\\)")));
        assertThat(lines).anyMatch(l -> l.matches(LINE.formatted("jlb", "a line of the standalone")));
    }
}
