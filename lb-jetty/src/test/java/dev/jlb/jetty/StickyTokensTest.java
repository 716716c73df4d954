package dev.jlb.jetty;

import dev.jlb.testing.TestStrategies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.Backend;
import dev.jlb.LoadBalancer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.http.HttpCookie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tokens, the token table and its rebuilds, and the Cookie/Set-Cookie text, without HTTP. */
class StickyTokensTest {

    static final String SECRET = "0123456789abcdef-secret";
    static final Backend A = Backend.of("http://127.0.0.1:8081");
    static final Backend B = Backend.of("http://127.0.0.1:8082");
    static final Backend C = Backend.of("http://127.0.0.1:8083");

    private final LoadBalancer lb = LoadBalancer.builder().strategy(TestStrategies.rotation()).backends(List.of(A, B))
            .build();

    @AfterEach
    void close() {
        lb.close();
    }

    private StickyTokens started(StickyCookie.Builder options) {
        StickyTokens tokens = new StickyTokens(options.build());
        tokens.start(lb.pool());
        return tokens;
    }

    /** An independent computation of the documented token. */
    static String expectedToken(String secret, Backend backend) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] digest = mac.doFinal(("jlb-sticky:" + backend.id()).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
    }

    @Test
    void tokensAreTheDocumentedTruncatedHmacAndCarryNoAddress() throws Exception {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        assertThat(tokens.token(A)).isEqualTo(expectedToken(SECRET, A)).hasSize(22).matches("[A-Za-z0-9_-]{22}")
                .doesNotContain("127").doesNotContain("8081");
        assertThat(tokens.token(B)).isEqualTo(expectedToken(SECRET, B)).isNotEqualTo(tokens.token(A));
        // A backend the table does not know yet gets its token computed the same way.
        assertThat(tokens.token(C)).isEqualTo(expectedToken(SECRET, C));
    }

    @Test
    void instancesWithTheSameSecretAgreeAndOthersDoNot() {
        StickyTokens one = started(StickyCookie.builder().secret(SECRET));
        StickyTokens two = started(StickyCookie.builder().secret(SECRET).name("OTHER"));
        StickyTokens other = started(StickyCookie.builder().secret(SECRET + "2"));
        StickyTokens random = started(StickyCookie.builder());
        StickyTokens random2 = started(StickyCookie.builder());
        assertThat(two.token(A)).isEqualTo(one.token(A));
        assertThat(other.token(A)).isNotEqualTo(one.token(A));
        assertThat(random.token(A)).as("one random secret per process").isEqualTo(random2.token(A))
                .isNotEqualTo(one.token(A));
        assertThat(other.find("JLB_STICKY=" + one.token(A))).as("another secret's token").isNull();
    }

    @Test
    void findMapsOnlyTokensOfCurrentMembers() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        String a = tokens.token(A);
        StickyTokens.Entry entry = tokens.find("JLB_STICKY=" + a);
        assertThat(entry.backend).isSameAs(lb.pool().backends().get(0));
        assertThat(entry.current).isTrue();
        assertThat(tokens.find("JLB_STICKY=" + tokens.token(C))).as("not a member").isNull();
        assertThat(tokens.find("JLB_STICKY=" + a.substring(1))).isNull();
        assertThat(tokens.find("JLB_STICKY=" + flip(a))).as("one character changed").isNull();
        assertThat(tokens.find("JLB_STICKY=127.0.0.1:8081")).isNull();
        assertThat(tokens.find("JLB_STICKY=")).isNull();
        assertThat(tokens.find("JLB_STICKY")).isNull();
        assertThat(tokens.find("jlb_sticky=" + a)).as("names are case-sensitive").isNull();
        assertThat(tokens.find("XJLB_STICKY=" + a)).isNull();
        assertThat(tokens.find("JLB_STICKYX=" + a)).isNull();
        assertThat(tokens.find("")).isNull();
        assertThat(tokens.find(null)).isNull();
    }

    @Test
    void findParsesCookieHeaders() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        String a = tokens.token(A);
        String b = tokens.token(B);
        assertThat(tokens.find("SESSION=xyz; JLB_STICKY=" + a + "; theme=dark").backend).isEqualTo(A);
        assertThat(tokens.find("SESSION=xyz;JLB_STICKY=" + a).backend).isEqualTo(A);
        assertThat(tokens.find("  JLB_STICKY = \"" + a + "\"  ").backend).as("blanks and quotes").isEqualTo(A);
        assertThat(tokens.find("JLB_STICKY=bogus; JLB_STICKY=" + b).backend).as("first valid one").isEqualTo(B);
        assertThat(tokens.find("JLB_STICKY=" + b + "; JLB_STICKY=" + a).backend).isEqualTo(B);
        assertThat(tokens.find("a=1;;; JLB_STICKY=" + a + ";").backend).isEqualTo(A);
    }

    @Test
    void theTableFollowsThePool() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        String a = tokens.token(A);
        String c = tokens.token(C);
        lb.pool().add(C);
        assertThat(tokens.find("JLB_STICKY=" + c).backend).isEqualTo(C);
        lb.pool().remove(A);
        assertThat(tokens.find("JLB_STICKY=" + a)).isNull();
        lb.pool().add(A);
        assertThat(tokens.find("JLB_STICKY=" + a).backend).as("same id, same token").isEqualTo(A);
        lb.pool().update(C.withWeight(7));
        StickyTokens.Entry entry = tokens.find("JLB_STICKY=" + c);
        assertThat(entry.backend.weight()).as("the pool's current instance").isEqualTo(7);
        assertThat(entry.backend).isSameAs(lb.pool().backends().get(1));
        tokens.stop();
        lb.pool().remove(C);
        assertThat(tokens.find("JLB_STICKY=" + c)).as("stopped: no longer follows").isNotNull();
        tokens.start(lb.pool());
        assertThat(tokens.find("JLB_STICKY=" + c)).isNull();
    }

    @Test
    void fallbackSecretsAreRecognizedButNotCurrent() throws Exception {
        String old = "the-previous-secret-1";
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET).fallbackSecrets(old));
        StickyTokens.Entry entry = tokens.find("JLB_STICKY=" + expectedToken(old, B));
        assertThat(entry.backend).isEqualTo(B);
        assertThat(entry.current).isFalse();
        assertThat(tokens.setCookie(B, entry, false, "/api"))
                .isEqualTo("JLB_STICKY=" + expectedToken(SECRET, B) + "; Path=/api; HttpOnly; SameSite=Lax");
        assertThat(tokens.find("JLB_STICKY=" + expectedToken(SECRET, B)).current).isTrue();
    }

    @Test
    void setCookieIsSkippedOnlyWhenTheClientHoldsTheCurrentTokenOfTheBackendThatAnswered() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        StickyTokens.Entry heldA = tokens.find("JLB_STICKY=" + tokens.token(A));
        assertThat(tokens.setCookie(A, heldA, false, "/api")).isNull();
        assertThat(tokens.setCookie(A.withWeight(3), heldA, false, "/api")).as("identity, not weight").isNull();
        assertThat(tokens.setCookie(B, heldA, false, "/api"))
                .isEqualTo("JLB_STICKY=" + tokens.token(B) + "; Path=/api; HttpOnly; SameSite=Lax");
        assertThat(tokens.setCookie(A, null, true, ""))
                .isEqualTo("JLB_STICKY=" + tokens.token(A) + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        assertThat(tokens.setCookie(C, null, false, "/"))
                .as("a backend added since the last rebuild").startsWith("JLB_STICKY=" + tokens.token(C) + ";");
    }

    @Test
    void setCookieCarriesTheConfiguredAttributes() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET).name("SRV").maxAge(Duration.ofMinutes(90))
                .domain("example.com").sameSite(HttpCookie.SameSite.NONE).path("/"));
        assertThat(tokens.setCookie(A, null, true, "/api")).isEqualTo("SRV=" + tokens.token(A)
                + "; Path=/; Domain=example.com; Max-Age=5400; Secure; HttpOnly; SameSite=None");
        StickyTokens strict = started(StickyCookie.builder().secret(SECRET).sameSite(HttpCookie.SameSite.STRICT));
        assertThat(strict.setCookie(A, null, false, "/app/api"))
                .isEqualTo("JLB_STICKY=" + tokens.token(A) + "; Path=/app/api; HttpOnly; SameSite=Strict");
    }

    @Test
    void cookiePathFromTheMountPoint() {
        assertThat(StickyTokens.cookiePath(null)).isEqualTo("/");
        assertThat(StickyTokens.cookiePath("")).isEqualTo("/");
        assertThat(StickyTokens.cookiePath("/")).isEqualTo("/");
        assertThat(StickyTokens.cookiePath("/app/api")).isEqualTo("/app/api");
        assertThat(StickyTokens.cookiePath("/a b;c")).isEqualTo("/a%20b%3Bc");
        assertThat(StickyTokens.cookiePath("/caf\u00e9")).isEqualTo("/caf%C3%A9");
    }

    @Test
    void withoutCookieRemovesOnlyTheStickyCookie() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        String header = "SESSION=xyz; theme=dark";
        assertThat(tokens.withoutCookie(header)).isSameAs(header);
        assertThat(tokens.withoutCookie("SESSION=xyz; JLB_STICKY=abc; theme=dark")).isEqualTo("SESSION=xyz; theme=dark");
        assertThat(tokens.withoutCookie("JLB_STICKY=abc; SESSION=xyz")).isEqualTo("SESSION=xyz");
        assertThat(tokens.withoutCookie("SESSION=xyz;JLB_STICKY=abc")).isEqualTo("SESSION=xyz");
        assertThat(tokens.withoutCookie("JLB_STICKY=abc")).isNull();
        assertThat(tokens.withoutCookie(" JLB_STICKY=a ; JLB_STICKY=b ")).isNull();
        assertThat(tokens.withoutCookie("a=1; JLB_STICKY=x; b=\"2; 3\"")).as("pairs are cut at ';' as browsers send them")
                .isEqualTo("a=1; b=\"2; 3\"");
        assertThat(tokens.withoutCookie("JLB_STICKYX=1; XJLB_STICKY=2")).isEqualTo("JLB_STICKYX=1; XJLB_STICKY=2");
    }

    @Test
    void aDisabledCookieIsRefused() {
        assertThatThrownBy(() -> new StickyTokens(StickyCookie.disabled()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stickyCookie: StickyCookie{disabled} (expected: enabled)");
    }

    @Test
    void tokensOfManyBackendsAreDistinct() {
        StickyTokens tokens = started(StickyCookie.builder().secret(SECRET));
        Set<String> seen = new HashSet<>();
        for (int port = 1; port <= 2_000; port++) {
            assertThat(seen.add(tokens.token(Backend.of("http://10.0.0.1:" + port)))).isTrue();
        }
    }

    private static String flip(String token) {
        char c = token.charAt(5);
        return token.substring(0, 5) + (c == 'A' ? 'B' : 'A') + token.substring(6);
    }
}
