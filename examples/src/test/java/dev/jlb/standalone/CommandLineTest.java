package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing the command line: aliases, --option=value, the demo's ports, and what is refused. */
class CommandLineTest {

    private static CommandLine parse(String... args) {
        return CommandLine.parse(List.of(args));
    }

    @Test
    void noArgumentsIsTheDemoOnItsDefaultPorts() {
        CommandLine cl = parse();
        assertThat(cl.config()).isNull();
        assertThat(cl.demoBasePort()).isEqualTo(-1);
        assertThat(Main.demoPorts(cl)).isEqualTo(Demo.Ports.DEFAULT);
        assertThat(cl.help()).isFalse();
        assertThat(cl.version()).isFalse();
    }

    @Test
    void shortAliasesAndEqualsSignsMeanTheSameAsTheLongForms() {
        CommandLine longForm = parse("--config", "a.yaml", "--port", "9090");
        assertThat(parse("-c", "a.yaml", "-p", "9090")).isEqualTo(longForm);
        assertThat(parse("--config=a.yaml", "--port=9090")).isEqualTo(longForm);
        assertThat(longForm.config()).isEqualTo(Path.of("a.yaml"));
        assertThat(longForm.port()).isEqualTo(9090);
        assertThat(parse("-h").help()).isTrue();
        assertThat(parse("--help").help()).isTrue();
        assertThat(parse("--version").version()).isTrue();
        assertThat(parse("--address=::1").address()).isEqualTo("::1");
    }

    @Test
    void theDemoBasePortMovesEveryDemoPortAndPortStillMovesTheBalancer() {
        assertThat(Main.demoPorts(parse("--demo-base-port", "18080"))).isEqualTo(Demo.Ports.from(18080));
        assertThat(Main.demoPorts(parse("--demo-base-port=0"))).isEqualTo(Demo.Ports.from(0));
        assertThat(Main.demoPorts(parse("--demo-base-port", "18080", "-p", "7000")))
                .isEqualTo(Demo.Ports.from(18080).withBalancer(7000));
        assertThat(Main.demoPorts(parse("--port", "7000"))).isEqualTo(Demo.Ports.DEFAULT.withBalancer(7000));
        assertThat(Main.demoPorts(parse("--demo-backends", "--demo-base-port", "20000")).backends())
                .containsExactly(20001, 20002, 20003, 20004, 20005);
    }

    @Test
    void badValuesNameTheOptionTheValueAndWhatWasExpected() {
        assertThatThrownBy(() -> parse("--demo-base-port", "63715")).hasMessage(
                "--demo-base-port: 63715 (expected: 0, or a port in 1..63714 so that the admin port, N+1821, is at most 65535)");
        assertThatThrownBy(() -> parse("--demo-base-port=x")).hasMessage(
                "--demo-base-port: x (expected: 0, or a port in 1..63714 so that the admin port, N+1821, is at most 65535)");
        assertThatThrownBy(() -> parse("--demo-base-port")).hasMessage("--demo-base-port: missing value (expected: a port)");
        assertThatThrownBy(() -> parse("--demo-base-port", "9000", "--config", "a.yaml"))
                .hasMessage("--demo-base-port: with --config (expected: one of the two)");
        assertThatThrownBy(() -> parse("-p", "70000")).hasMessage("-p: 70000 (expected: a port in 0..65535)");
        assertThatThrownBy(() -> parse("--version=yes")).hasMessage(
                "--version=yes: a flag with a value (expected: --version)");
        assertThatThrownBy(() -> parse("-x")).hasMessageStartingWith("-x: unknown option (expected: one of --config,");
    }
}
