package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code retry.hedge_after}: a duration or a percentile, and what a bad value says. */
class HedgeConfigTest {

    private static String route(String hedge) {
        return "routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:8081\"]\n    retry: {hedge_after: " + hedge + "}\n";
    }

    private static RetryPolicy retry(String hedge) throws Exception {
        return yaml(route(hedge)).routes().get(0).proxy().retry();
    }

    @Test
    void aDurationOrAPercentile() throws Exception {
        assertThat(retry("50ms").hedgeAfter()).isEqualTo(Duration.ofMillis(50));
        assertThat(retry("p95").hedgePercentile()).isEqualTo(95);
        assertThat(retry("P99.9").hedgePercentile()).isEqualTo(99.9);
        assertThat(yaml("routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:8081\"]\n").routes().get(0).proxy()
                .retry().hedges()).as("off by default").isFalse();
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatWasExpected() {
        assertThat(yamlProblems(route("p100"))).containsExactly("config.yaml:4: routes[0].retry.hedge_after: p100"
                + " (expected: a percentile such as p95, in (0, 100))");
        assertThat(yamlProblems(route("pfast"))).containsExactly("config.yaml:4: routes[0].retry.hedge_after: pfast"
                + " (expected: a duration such as 50ms, or a percentile of the route's latency such as p95)");
        assertThat(yamlProblems(route("0s"))).containsExactly("config.yaml:4: routes[0].retry.hedge_after: 0s"
                + " (expected: > 0s)");
        assertThat(yamlProblems(route("2h"))).containsExactly("config.yaml:4: routes[0].retry.hedge_after: 2h"
                + " (expected: <= 1h)");
    }
}
