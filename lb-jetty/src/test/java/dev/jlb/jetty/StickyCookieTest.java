package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpCookie;
import org.junit.jupiter.api.Test;

/** The sticky-cookie options: defaults, setters, validation messages, equality, and secrets kept out of strings. */
class StickyCookieTest {

    static final String SECRET = "0123456789abcdef-secret";

    @Test
    void disabledByDefaultInProxyOptions() {
        assertThat(ProxyOptions.defaults().stickyCookie()).isSameAs(StickyCookie.disabled());
        assertThat(StickyCookie.disabled().isEnabled()).isFalse();
        assertThat(StickyCookie.disabled().toString()).isEqualTo("StickyCookie{disabled}");
        assertThat(ProxyOptions.defaults().toString()).endsWith(", stickyCookie=StickyCookie{disabled}}");
    }

    @Test
    void defaults() {
        StickyCookie cookie = StickyCookie.builder().build();
        assertThat(cookie.isEnabled()).isTrue();
        assertThat(cookie.name()).isEqualTo("JLB_STICKY");
        assertThat(cookie.hasSecret()).isFalse();
        assertThat(cookie.fallbackSecretCount()).isZero();
        assertThat(cookie.sameSite()).isEqualTo(HttpCookie.SameSite.LAX);
        assertThat(cookie.maxAge()).isNull();
        assertThat(cookie.path()).isNull();
        assertThat(cookie.domain()).isNull();
        assertThat(cookie.forwardToBackends()).isFalse();
        assertThat(cookie).isEqualTo(StickyCookie.builder().build()).isNotEqualTo(StickyCookie.disabled());
        assertThat(cookie.toString()).isEqualTo("StickyCookie{name=JLB_STICKY, secret=random per process, "
                + "sameSite=Lax, maxAge=session, path=(mount point), forwardToBackends=false}");
    }

    @Test
    void settersAreKeptAndSecretsNeverShown() {
        StickyCookie cookie = StickyCookie.builder().name("SRV").secret(SECRET).fallbackSecrets("an-older-secret-0001")
                .sameSite(HttpCookie.SameSite.STRICT).maxAge(Duration.ofHours(1)).path("/").domain("example.com")
                .forwardToBackends(true).build();
        assertThat(cookie.name()).isEqualTo("SRV");
        assertThat(cookie.hasSecret()).isTrue();
        assertThat(cookie.secret()).isEqualTo(SECRET.getBytes(StandardCharsets.UTF_8));
        assertThat(cookie.fallbackSecretCount()).isEqualTo(1);
        assertThat(cookie.sameSite()).isEqualTo(HttpCookie.SameSite.STRICT);
        assertThat(cookie.maxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(cookie.path()).isEqualTo("/");
        assertThat(cookie.domain()).isEqualTo("example.com");
        assertThat(cookie.forwardToBackends()).isTrue();
        assertThat(cookie.toString()).isEqualTo("StickyCookie{name=SRV, secret=configured, fallbackSecrets=1, "
                + "sameSite=Strict, maxAge=1h, path=/, domain=example.com, forwardToBackends=true}")
                .doesNotContain(SECRET).doesNotContain("older");
        ProxyOptions options = ProxyOptions.builder().stickyCookie(cookie).build();
        assertThat(options.toString()).doesNotContain(SECRET);
        assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(options).isNotEqualTo(ProxyOptions.defaults());
    }

    @Test
    void equalityComparesSecretsByContent() {
        StickyCookie a = StickyCookie.builder().secret(SECRET).build();
        StickyCookie b = StickyCookie.builder().secret(SECRET.getBytes(StandardCharsets.UTF_8)).build();
        StickyCookie c = StickyCookie.builder().secret(SECRET + "x").build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
        assertThat(a).isNotEqualTo(StickyCookie.builder().secret(SECRET).fallbackSecrets(SECRET + "-old").build());
    }

    @Test
    void theSecretIsCopied() {
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        StickyCookie cookie = StickyCookie.builder().secret(secret).build();
        secret[0] = 'X';
        assertThat(cookie.secret()[0]).isEqualTo((byte) '0');
        cookie.secret()[1] = 'Y';
        assertThat(cookie.secret()[1]).isEqualTo((byte) '1');
    }

    @Test
    void invalidValuesFailWithTheHouseMessage() {
        assertThatThrownBy(() -> StickyCookie.builder().name("my cookie"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name: \"my cookie\" (expected: a cookie name, an HTTP token)");
        assertThatThrownBy(() -> StickyCookie.builder().name(""))
                .hasMessage("name: \"\" (expected: a cookie name, an HTTP token)");
        assertThatThrownBy(() -> StickyCookie.builder().name("a=b"))
                .hasMessage("name: \"a=b\" (expected: a cookie name, an HTTP token)");
        assertThatThrownBy(() -> StickyCookie.builder().secret("short"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret length: 5 bytes (expected: >= 16 bytes)");
        assertThatThrownBy(() -> StickyCookie.builder().fallbackSecrets(SECRET, "tiny"))
                .hasMessage("fallbackSecret length: 4 bytes (expected: >= 16 bytes)");
        assertThatThrownBy(() -> StickyCookie.builder().maxAge(Duration.ofMillis(500)))
                .hasMessage("maxAge: 500ms (expected: >= 1s)");
        assertThatThrownBy(() -> StickyCookie.builder().maxAge(Duration.ofSeconds(-3)))
                .hasMessage("maxAge: -3s (expected: >= 1s)");
        assertThatThrownBy(() -> StickyCookie.builder().path("api"))
                .hasMessage("path: \"api\" (expected: starting with / and only visible ASCII characters other than ;)");
        assertThatThrownBy(() -> StickyCookie.builder().path("/a;b"))
                .hasMessage("path: \"/a;b\" (expected: starting with / and only visible ASCII characters other than ;)");
        assertThatThrownBy(() -> StickyCookie.builder().domain("exa mple.com"))
                .hasMessage("domain: \"exa mple.com\" (expected: a host name such as example.com)");
        assertThatThrownBy(() -> StickyCookie.builder().domain("example..com"))
                .hasMessage("domain: \"example..com\" (expected: a host name such as example.com)");
        assertThatThrownBy(() -> StickyCookie.builder().sameSite(null))
                .isInstanceOf(NullPointerException.class).hasMessage("sameSite");
        assertThatThrownBy(() -> StickyCookie.builder().secret((String) null))
                .isInstanceOf(NullPointerException.class).hasMessage("secret");
        assertThatThrownBy(() -> ProxyOptions.builder().stickyCookie(null))
                .isInstanceOf(NullPointerException.class).hasMessage("stickyCookie");
    }

    @Test
    void nullRestoresTheDefaultsOfTheOptionalAttributes() {
        StickyCookie cookie = StickyCookie.builder().maxAge(Duration.ofMinutes(5)).maxAge(null).path("/x").path(null)
                .domain(".example.com").domain(null).build();
        assertThat(cookie).isEqualTo(StickyCookie.builder().build());
        assertThat(StickyCookie.builder().domain(".example.com").build().domain()).isEqualTo(".example.com");
    }
}
