package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationFormatTest {

    @Test
    void parsesGoStyleDurations() {
        assertThat(DurationFormat.parse("5s")).contains(Duration.ofSeconds(5));
        assertThat(DurationFormat.parse("500ms")).contains(Duration.ofMillis(500));
        assertThat(DurationFormat.parse("1m30s")).contains(Duration.ofSeconds(90));
        assertThat(DurationFormat.parse("1.5h")).contains(Duration.ofMinutes(90));
        assertThat(DurationFormat.parse("250us")).contains(Duration.ofNanos(250_000));
        assertThat(DurationFormat.parse("250µs")).contains(Duration.ofNanos(250_000));
        assertThat(DurationFormat.parse("7ns")).contains(Duration.ofNanos(7));
        assertThat(DurationFormat.parse(".5s")).contains(Duration.ofMillis(500));
        assertThat(DurationFormat.parse(" 2s ")).contains(Duration.ofSeconds(2));
        assertThat(DurationFormat.parse("0")).contains(Duration.ZERO);
        assertThat(DurationFormat.parse("-5s")).contains(Duration.ofSeconds(-5));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        assertThat(DurationFormat.parse("5 parsecs")).isEmpty();
        assertThat(DurationFormat.parse("5")).isEmpty();
        assertThat(DurationFormat.parse("s")).isEmpty();
        assertThat(DurationFormat.parse("5 s")).isEmpty();
        assertThat(DurationFormat.parse("5d")).isEmpty();
        assertThat(DurationFormat.parse("")).isEmpty();
        assertThat(DurationFormat.parse("99999999999h")).as("overflows a long of nanoseconds").isEmpty();
    }

    @Test
    void formatsWithTheLargestExactUnit() {
        assertThat(DurationFormat.format(Duration.ofSeconds(2))).isEqualTo("2s");
        assertThat(DurationFormat.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(DurationFormat.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(DurationFormat.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(DurationFormat.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(DurationFormat.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(DurationFormat.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(DurationFormat.format(Duration.ofDays(2))).isEqualTo("48h");
        assertThat(DurationFormat.format(Duration.ofNanos(250_000))).isEqualTo("250us");
        assertThat(DurationFormat.format(Duration.ofNanos(7))).isEqualTo("7ns");
        assertThat(DurationFormat.format(Duration.ofMillis(-5))).isEqualTo("-5ms");
        assertThat(DurationFormat.format(Duration.ofMinutes(-2))).isEqualTo("-2m");
        assertThat(DurationFormat.formatNanos(120_000_000_000L)).isEqualTo("2m");
        assertThat(DurationFormat.format(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE + "s");
        assertThat(DurationFormat.format(Duration.ofSeconds(Long.MAX_VALUE, 1))).isEqualTo(
                Duration.ofSeconds(Long.MAX_VALUE, 1).toString());
    }

    @Test
    void whatItWritesReadsBack() {
        for (Duration d : new Duration[] {Duration.ofMillis(1500), Duration.ofMinutes(90), Duration.ofHours(24),
                Duration.ofNanos(123_456_789), Duration.ofSeconds(-30)}) {
            assertThat(DurationFormat.parse(DurationFormat.format(d))).as("%s", d).contains(d);
        }
    }
}
