package dev.jlb.jetty.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpellingTest {

    private static final List<String> KEYS = List.of("servers", "server_weights", "strategy", "lb_port",
            "health_check_interval", "max_retry_limit", "routes", "server");

    @Test
    void suggestsTheClosestKnownWord() {
        assertThat(Spelling.suggest("stratgy", KEYS)).isEqualTo("strategy");
        assertThat(Spelling.suggest("startegy", KEYS)).as("a transposition is one edit").isEqualTo("strategy");
        assertThat(Spelling.suggest("server_weight", KEYS)).isEqualTo("server_weights");
        assertThat(Spelling.suggest("lb-port", KEYS)).as("- and _ are the same").isEqualTo("lb_port");
        assertThat(Spelling.suggest("LB_PORT", KEYS)).isEqualTo("lb_port");
        assertThat(Spelling.suggest("healthcheck_interval", KEYS)).isEqualTo("health_check_interval");
        assertThat(Spelling.suggest("serverz", KEYS)).as("ties go to the earlier candidate").isEqualTo("servers");
    }

    @Test
    void suggestsNothingWhenNoWordIsClose() {
        assertThat(Spelling.suggest("timeout", KEYS)).isNull();
        assertThat(Spelling.suggest("xyz", List.of("abc"))).isNull();
        assertThat(Spelling.suggest("port", List.of("path"))).as("two edits in a 4-letter word").isNull();
    }

    @Test
    void distanceCountsInsertionsDeletionsSubstitutionsAndTranspositions() {
        assertThat(Spelling.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Spelling.distance("ab", "ba")).isEqualTo(1);
        assertThat(Spelling.distance("", "abc")).isEqualTo(3);
        assertThat(Spelling.distance("same", "same")).isZero();
    }
}
