package dev.jlb.jetty.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The test parser itself: it accepts the format and rejects what Prometheus rejects. */
class PrometheusTextTest {

    @Test
    void parsesValidText() {
        PrometheusText.Exposition e = PrometheusText.parse("# HELP a_total Some help\n# TYPE a_total counter\n"
                + "a_total{x=\"1\",y=\"q\\\"uo\\\\te\\n\"} 3.0\na_total{x=\"2\"} 4 1700000000000\n"
                + "# TYPE g gauge\ng NaN\ng{l=\"\"} -Inf\n");
        assertThat(e.types()).containsEntry("a_total", "counter").containsEntry("g", "gauge");
        assertThat(e.value("a_total", "x", "1", "y", "q\"uo\\te\n")).isEqualTo(3.0);
        assertThat(e.value("a_total", "x", "2")).isEqualTo(4.0);
        assertThat(e.value("g")).isNaN();
        assertThat(e.has("a_total", "x", "2")).isTrue();
        assertThat(e.has("a_total", "x", "3")).isFalse();
    }

    @Test
    void rejectsMalformedText() {
        assertThatThrownBy(() -> PrometheusText.parse("1bad 1\n")).hasMessageStartingWith("bad metric name");
        assertThatThrownBy(() -> PrometheusText.parse("a{x=1} 1\n")).hasMessageStartingWith("label value must be quoted");
        assertThatThrownBy(() -> PrometheusText.parse("a{x=\"\\t\"} 1\n")).hasMessageStartingWith("bad escape");
        assertThatThrownBy(() -> PrometheusText.parse("a{x=\"1\" 1\n")).hasMessageStartingWith("unterminated");
        assertThatThrownBy(() -> PrometheusText.parse("a one\n")).hasMessageStartingWith("bad value one");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\na 2\n")).hasMessageStartingWith("the same series twice");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\nb 1\na{x=\"1\"} 1\n"))
                .hasMessageStartingWith("samples of a are not together");
        assertThatThrownBy(() -> PrometheusText.parse("a 1\n# TYPE a gauge\n")).hasMessageStartingWith("TYPE after samples");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a gauges\n")).hasMessageStartingWith("bad type");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE c counter\nc -1\n")).hasMessageStartingWith("negative counter");
        assertThatThrownBy(() -> PrometheusText.parse("a 1")).hasMessage("the exposition must end with a line feed");
        assertThatThrownBy(() -> PrometheusText.parse("a{__x=\"1\"} 1\n")).hasMessageStartingWith("bad label name");
    }
}
