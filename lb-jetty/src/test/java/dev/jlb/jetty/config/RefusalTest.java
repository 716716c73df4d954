package dev.jlb.jetty.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A builder's refusal taken apart, and its constraint restated in the file's units. */
class RefusalTest {

    @Test
    void takesTheHouseFormatApart() {
        Refusal r = Refusal.of(new IllegalArgumentException("maxEjectionTime: 30s (expected: >= baseEjectionTime (1m))"));
        assertThat(r).isEqualTo(new Refusal("maxEjectionTime", "30s", ">= baseEjectionTime (1m)"));
        assertThat(Refusal.of("retryBudget percent: 0 (expected: >= 1)"))
                .isEqualTo(new Refusal("retryBudget percent", "0", ">= 1"));
        assertThat(Refusal.of("key: query:id (expected: header:<name>, cookie:<name>, client or path)").value())
                .isEqualTo("query:id");
        assertThat(Refusal.of("something odd")).as("not in the format: kept whole")
                .isEqualTo(new Refusal("", "something odd", "something odd"));
    }

    @Test
    void fractionsBecomeTheWholePercentagesTheyAllow() {
        assertThat(Refusal.percent("> 0.0")).isEqualTo(">= 1%");
        assertThat(Refusal.percent("< 1.0")).isEqualTo("<= 99%");
        assertThat(Refusal.percent(">= 0.1")).isEqualTo(">= 10%");
        assertThat(Refusal.percent("<= 0.5")).isEqualTo("<= 50%");
        assertThat(Refusal.percent("> 0.125")).isEqualTo(">= 13%");
        assertThat(Refusal.percent(">= 0.0 and <= 1.0")).isEqualTo(">= 0% and <= 100%");
    }

    @Test
    void bytesBecomeSizesAndNumbersLoseANeedlessPointZero() {
        assertThat(Refusal.size("<= 67108864")).isEqualTo("<= 64MiB");
        assertThat(Refusal.size(">= 0")).isEqualTo(">= 0B");
        assertThat(Refusal.plain("> 1.0")).isEqualTo("> 1");
        assertThat(Refusal.plain("<= 1000.0")).isEqualTo("<= 1000");
        assertThat(Refusal.plain(">= 1.5")).isEqualTo(">= 1.5");
    }

    @Test
    void aRangeIsNarrowedToTheSideTheValueBroke() {
        assertThat(Refusal.range("500..599", 404)).isEqualTo(">= 500");
        assertThat(Refusal.range("500..599", 700)).isEqualTo("<= 599");
        assertThat(Refusal.range("a port in 1..65535", 0)).as("not a bare range").isEqualTo("a port in 1..65535");
    }
}
