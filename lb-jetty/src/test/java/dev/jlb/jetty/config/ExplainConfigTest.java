package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.ExplainOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code explain:} section of a route: who may ask for {@code X-Jlb-Decision}, and the history kept. */
class ExplainConfigTest {

    private static final String TOKEN = "explain-token-0123456789";

    private static ExplainOptions explain(String section) throws ConfigException {
        return yaml("routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:8081\"]\n" + section).routes().get(0)
                .proxy().explain();
    }

    private static List<String> problems(String section) {
        return yamlProblems("routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:8081\"]\n" + section);
    }

    @Test
    void withoutTheSectionLoopbackClientsMayAskAndFiftyAreKept() throws Exception {
        assertThat(explain("")).isSameAs(ExplainOptions.defaults());
        assertThat(ExplainOptions.defaults().history()).isEqualTo(50);
        assertThat(ExplainOptions.defaults().token()).isNull();
    }

    @Test
    void tokenHistoryAndEnabledAreRead() throws Exception {
        assertThat(explain("    explain: {token: \"" + TOKEN + "\", history: 5}\n"))
                .isEqualTo(ExplainOptions.of(TOKEN, 5));
        assertThat(explain("    explain: {history: 0}\n")).isEqualTo(ExplainOptions.of(null, 0));
        assertThat(explain("    explain: {enabled: false, history: 5}\n")).isSameAs(ExplainOptions.disabled());
    }

    @Test
    void badValuesNameTheFieldAndTheExpectationButNeverTheToken() {
        assertThat(problems("    explain: {token: short, history: -1}\n")).containsExactly(
                "config.yaml:4: routes[0].explain.token: 5 characters (expected: >= 16 characters)",
                "config.yaml:4: routes[0].explain.history: -1 (expected: 0..10000)");
        assertThat(problems("    explain: {tokn: \"" + TOKEN + "\"}\n")).hasSize(1)
                .allSatisfy(p -> assertThat(p).startsWith("config.yaml:4: routes[0].explain.tokn"));
    }
}
