package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class BackendTest {

    @Test
    void parsesAndNormalizesTheUri() {
        Backend backend = Backend.of("http://127.0.0.1:8081");
        assertThat(backend.uri()).isEqualTo(URI.create("http://127.0.0.1:8081"));
        assertThat(backend.id()).isEqualTo("127.0.0.1:8081");
        assertThat(backend.scheme()).isEqualTo("http");
        assertThat(backend.host()).isEqualTo("127.0.0.1");
        assertThat(backend.port()).isEqualTo(8081);
        assertThat(backend.weight()).isEqualTo(Backend.DEFAULT_WEIGHT);
    }

    @Test
    void defaultsThePortFromTheScheme() {
        assertThat(Backend.of("http://example.test").port()).isEqualTo(80);
        assertThat(Backend.of("https://example.test/").port()).isEqualTo(443);
        assertThat(Backend.of("https://example.test").uri()).isEqualTo(URI.create("https://example.test:443"));
    }

    @Test
    void identityIsSchemeHostAndPortNotWeight() {
        Backend a = Backend.of("http://LOCALHOST:8081", 1);
        Backend b = Backend.of("http://localhost:8081/", 5);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Backend.of("https://localhost:8081"));
        assertThat(a).isNotEqualTo(Backend.of("http://localhost:8082"));
        assertThat(a).isNotEqualTo(Backend.of("http://127.0.0.1:8081"));
    }

    @Test
    void withWeightReturnsThisWhenUnchanged() {
        Backend a = Backend.of("http://127.0.0.1:8081", 3);
        assertThat(a.withWeight(3)).isSameAs(a);
        Backend b = a.withWeight(0);
        assertThat(b.weight()).isZero();
        assertThat(b).isEqualTo(a);
    }

    @Test
    void ipv6Literal() {
        Backend backend = Backend.of("http://[::1]:8081");
        assertThat(backend.id()).isEqualTo("[::1]:8081");
        assertThat(backend.uri().getPort()).isEqualTo(8081);
    }

    @Test
    void rejectsNegativeWeight() {
        assertThatThrownBy(() -> Backend.of("http://127.0.0.1:8081", -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: -1 (expected: >= 0)");
        assertThatThrownBy(() -> Backend.of("http://127.0.0.1:8081").withWeight(-3))
                .hasMessage("weight: -3 (expected: >= 0)");
    }

    @Test
    void rejectsTooLargeWeight() {
        assertThatThrownBy(() -> Backend.of("http://127.0.0.1:8081", 10_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: 10001 (expected: <= 10000)");
    }

    @Test
    void rejectsUnparseableUri() {
        assertThatThrownBy(() -> Backend.of("http://bad host:80"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("uri: http://bad host:80 (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
    }

    @Test
    void rejectsRelativeUri() {
        assertThatThrownBy(() -> Backend.of("127.0.0.1:8081"))
                .hasMessage("uri: 127.0.0.1:8081 (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
        assertThatThrownBy(() -> Backend.of("localhost:8081"))
                .hasMessage("uri: localhost:8081 (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
        assertThatThrownBy(() -> Backend.of("localhost"))
                .hasMessage("uri: localhost (expected: an absolute http or https URI such as http://127.0.0.1:8081)");
    }

    @Test
    void rejectsOtherSchemes() {
        assertThatThrownBy(() -> Backend.of("ftp://127.0.0.1:21"))
                .hasMessage("uri: ftp://127.0.0.1:21 (expected: scheme http or https)");
    }

    @Test
    void rejectsMissingHostOrBadPort() {
        assertThatThrownBy(() -> Backend.of("http:///x"))
                .hasMessage("uri: http:///x (expected: a host and an optional port in 1..65535)");
        assertThatThrownBy(() -> Backend.of("http://127.0.0.1:99999"))
                .hasMessage("uri: http://127.0.0.1:99999 (expected: a port in 1..65535)");
    }

    @Test
    void rejectsPathQueryFragmentAndUserInfo() {
        assertThatThrownBy(() -> Backend.of("http://127.0.0.1:8081/api"))
                .hasMessage("uri: http://127.0.0.1:8081/api (expected: no path, query or fragment)");
        assertThatThrownBy(() -> Backend.of("http://127.0.0.1:8081?x=1"))
                .hasMessage("uri: http://127.0.0.1:8081?x=1 (expected: no path, query or fragment)");
        assertThatThrownBy(() -> Backend.of("http://u:p@127.0.0.1:8081"))
                .hasMessage("uri: http://u:p@127.0.0.1:8081 (expected: no user info)");
    }

    @Test
    void boundsTheHostAt253Characters() {
        String longest = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
        assertThat(longest).hasSize(Backend.MAX_HOST_LENGTH);
        assertThat(Backend.of("http://" + longest + ":8080").host()).isEqualTo(longest);
        String huge = "x".repeat(900_000);
        assertThatThrownBy(() -> Backend.of("http://" + huge + ":8080"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("host: " + "x".repeat(64) + "... (expected: at most 253 characters)");
        assertThatThrownBy(() -> Backend.of("http://" + longest + "e:8080"))
                .hasMessage("host: " + longest.substring(0, 64) + "... (expected: at most 253 characters)");
    }

    @Test
    void messagesShowAtMost100CharactersOfTheUri() {
        String huge = "ftp://" + "x".repeat(10_000);
        assertThatThrownBy(() -> Backend.of(huge))
                .hasMessage("uri: " + huge.substring(0, 100) + "... (expected: scheme http or https)");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Backend.of((String) null)).isInstanceOf(NullPointerException.class).hasMessage("uri");
    }

    @Test
    void toStringIsUsefulInALog() {
        assertThat(Backend.of("http://127.0.0.1:8081", 2)).hasToString("Backend{http://127.0.0.1:8081, weight=2}");
    }

    @Test
    void weightsAreCheckedOnTheirOwnToo() {
        assertThat(Backend.checkWeight(0)).isZero();
        assertThat(Backend.checkWeight(Backend.MAX_WEIGHT)).isEqualTo(Backend.MAX_WEIGHT);
        assertThatThrownBy(() -> Backend.checkWeight(-1)).hasMessage("weight: -1 (expected: >= 0)");
        assertThatThrownBy(() -> Backend.checkWeight(10_001)).hasMessage("weight: 10001 (expected: <= 10000)");
    }
}
