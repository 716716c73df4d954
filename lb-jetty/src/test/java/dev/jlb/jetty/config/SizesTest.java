package dev.jlb.jetty.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void parsesBytesAndBinaryUnits() {
        assertThat(Sizes.parse("65536")).isEqualTo(65536);
        assertThat(Sizes.parse("64KiB")).isEqualTo(65536);
        assertThat(Sizes.parse("64k")).isEqualTo(65536);
        assertThat(Sizes.parse("64 KB")).isEqualTo(65536);
        assertThat(Sizes.parse("1MiB")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("2gib")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("10B")).isEqualTo(10);
    }

    @Test
    void rejectsWhatIsNotASize() {
        assertThat(Sizes.parse("64 bananas")).isEqualTo(-1);
        assertThat(Sizes.parse("1.5MiB")).isEqualTo(-1);
        assertThat(Sizes.parse("-1")).isEqualTo(-1);
        assertThat(Sizes.parse("")).isEqualTo(-1);
        assertThat(Sizes.parse("9223372036854775807GiB")).isEqualTo(-1);
    }

    @Test
    void formatsWithTheLargestExactUnit() {
        assertThat(Sizes.format(65536)).isEqualTo("64KiB");
        assertThat(Sizes.format(1 << 30)).isEqualTo("1GiB");
        assertThat(Sizes.format(1000)).isEqualTo("1000B");
        assertThat(Sizes.format(0)).isEqualTo("0B");
    }
}
