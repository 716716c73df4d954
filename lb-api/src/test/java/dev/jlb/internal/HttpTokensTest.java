package dev.jlb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpTokensTest {

    @Test
    void tokenCharactersAreRfc9110sTchar() {
        List<Character> accepted = new ArrayList<>();
        for (char c = 0; c < 256; c++) {
            if (HttpTokens.isTokenChar(c)) {
                accepted.add(c);
            }
        }
        StringBuilder expected = new StringBuilder("!#$%&'*+-.^_`|~");
        for (char c = '0'; c <= '9'; c++) {
            expected.append(c);
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            expected.append(c).append(Character.toLowerCase(c));
        }
        assertThat(accepted).containsExactlyInAnyOrderElementsOf(expected.chars().mapToObj(c -> (char) c).toList());
        assertThat(HttpTokens.isTokenChar(-1)).isFalse();
        assertThat(HttpTokens.isTokenChar(0x2018)).isFalse();
    }

    @Test
    void aTokenIsOneOrMoreTokenCharacters() {
        assertThat(HttpTokens.isToken("X-Request-Id")).isTrue();
        assertThat(HttpTokens.isToken("GET")).isTrue();
        assertThat(HttpTokens.isToken("edge-1.example")).isTrue();
        assertThat(HttpTokens.isToken("")).isFalse();
        assertThat(HttpTokens.isToken("my cookie")).isFalse();
        assertThat(HttpTokens.isToken("a=b")).isFalse();
        assertThat(HttpTokens.isToken("X-Id:")).isFalse();
        assertThat(HttpTokens.isToken("caf\u00e9")).isFalse();
        assertThat(HttpTokens.isToken("tab\t")).isFalse();
    }
}
