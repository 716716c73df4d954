package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.health.OutlierDetection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values are judged by the builders of the core and the adapter: what a builder refuses is a problem
 * of the file at load, with the file's key, value and line, never an exception when the route starts.
 */
class BuilderJudgedTest {

    private static List<String> problems(String settings) {
        return yamlProblems("routes:\n  - path: /\n    backends: [\"http://a:1\"]\n" + settings);
    }

    @Test
    void whatTheBuildersRefuseIsReportedAtLoad() {
        assertThat(problems("    health_check: {path: \"/h#x\"}\n")).containsExactly(
                "config.yaml:4: routes[0].health_check.path: /h#x (expected: no fragment)");
        assertThat(problems("    health_check: {path: \"/a b\"}\n")).containsExactly(
                "config.yaml:4: routes[0].health_check.path: \"/a b\" (expected: a valid URI path, such as /health)");
        assertThat(problems("    sticky: {domain: example..com}\n")).containsExactly(
                "config.yaml:4: routes[0].sticky.domain: example..com (expected: a host name such as example.com)");
    }

    @Test
    void theKeysOfADisabledSectionAreStillChecked() throws Exception {
        assertThat(problems("    outlier_detection: {enabled: false, consecutive_failures: 0}\n")).containsExactly(
                "config.yaml:4: routes[0].outlier_detection.consecutive_failures: 0 (expected: >= 1)");
        assertThat(yaml("routes: [{path: /, backends: [\"http://a:1\"], outlier_detection: {enabled: false,"
                + " consecutive_failures: 7}}]").routes().get(0).outlierDetection()).isEqualTo(OutlierDetection.disabled());
    }

    @Test
    void aRuleBetweenTwoKeysIsToldAtTheKeyTheFileGives() {
        assertThat(problems("    outlier_detection: {base_ejection_time: 10m}\n")).containsExactly(
                "config.yaml:4: routes[0].outlier_detection.base_ejection_time: 10m (expected: <= max_ejection_time"
                        + " (5m))");
        assertThat(problems("    outlier_detection: {base_ejection_time: 0, max_ejection_time: 1s}\n"))
                .as("not again about a value refused already").containsExactly(
                "config.yaml:4: routes[0].outlier_detection.base_ejection_time: 0 (expected: > 0)");
    }

    @Test
    void sharesAndLimitsAreTheBuildersRestatedInTheFilesUnits() {
        assertThat(problems("    latency_health: {degraded_weight: 100%, minimum_samples: 2000000, relative_factor: 2000}\n"))
                .containsExactly(
                "config.yaml:4: routes[0].latency_health.relative_factor: 2000 (expected: <= 1000)",
                "config.yaml:4: routes[0].latency_health.minimum_samples: 2000000 (expected: <= 1000000)",
                "config.yaml:4: routes[0].latency_health.degraded_weight: 100% (expected: <= 99%)");
        assertThat(problems("    retry: {buffer_limit: 1GiB, attempts: 101}\n")).containsExactly(
                "config.yaml:4: routes[0].retry.attempts: 101 (expected: <= 100)",
                "config.yaml:4: routes[0].retry.buffer_limit: 1GiB (expected: <= 64MiB)");
        assertThat(problems("    health_check: {rise: 99999999999}\n")).containsExactly(
                "config.yaml:4: routes[0].health_check.rise: 99999999999 (expected: <= 2147483647)");
    }
}
