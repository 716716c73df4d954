package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {

    @Test
    void hopByHopRequestHeadersAreDroppedAndForwardedOnesMerged() {
        for (HttpHeader h : new HttpHeader[] {HttpHeader.CONNECTION, HttpHeader.KEEP_ALIVE, HttpHeader.TE,
                HttpHeader.TRANSFER_ENCODING, HttpHeader.UPGRADE, HttpHeader.PROXY_AUTHORIZATION, HttpHeader.EXPECT,
                HttpHeader.TRAILER, HttpHeader.PROXY_CONNECTION}) {
            assertThat(ProxyHeaders.requestAction(h)).as(h.asString()).isEqualTo(ProxyHeaders.DROP);
        }
        assertThat(ProxyHeaders.requestAction(HttpHeader.HOST)).isEqualTo(ProxyHeaders.HOST);
        assertThat(ProxyHeaders.requestAction(HttpHeader.X_FORWARDED_FOR)).isEqualTo(ProxyHeaders.X_FORWARDED_FOR);
        assertThat(ProxyHeaders.requestAction(HttpHeader.VIA)).isEqualTo(ProxyHeaders.VIA);
        assertThat(ProxyHeaders.requestAction(HttpHeader.CONTENT_LENGTH)).isEqualTo(ProxyHeaders.COPY);
        assertThat(ProxyHeaders.requestAction(null)).isEqualTo(ProxyHeaders.COPY);
        assertThat(ProxyHeaders.isHopByHopResponse(HttpHeader.TRANSFER_ENCODING)).isTrue();
        assertThat(ProxyHeaders.isHopByHopResponse(HttpHeader.CONTENT_TYPE)).isFalse();
        assertThat(ProxyHeaders.isHopByHopResponse(null)).isFalse();
    }

    @Test
    void connectionTokensListTheExtraHopByHopNames() {
        assertThat(ProxyHeaders.connectionTokens("keep-alive", null)).isNull();
        assertThat(ProxyHeaders.connectionTokens("close", null)).isNull();
        assertThat(ProxyHeaders.connectionTokens(null, null)).isNull();
        String tokens = ProxyHeaders.connectionTokens("Keep-Alive, X-Foo ,x-bar", null);
        assertThat(tokens).isEqualTo(",x-foo,x-bar,");
        tokens = ProxyHeaders.connectionTokens("X-Baz", tokens);
        assertThat(tokens).isEqualTo(",x-foo,x-bar,x-baz,");
        assertThat(ProxyHeaders.isListed(tokens, "x-foo")).isTrue();
        assertThat(ProxyHeaders.isListed(tokens, "x-baz")).isTrue();
        assertThat(ProxyHeaders.isListed(tokens, "x-fo")).isFalse();
        assertThat(ProxyHeaders.isListed(tokens, "foo")).isFalse();
        assertThat(ProxyHeaders.isListed(null, "x-foo")).isFalse();
    }

    @Test
    void viaEntries() {
        assertThat(ProxyHeaders.viaEntry("HTTP/1.1", "jlb")).isEqualTo("1.1 jlb");
        assertThat(ProxyHeaders.viaEntry("HTTP/2.0", "jlb")).isEqualTo("2.0 jlb");
        assertThat(ProxyHeaders.viaEntry("HTTP/1.0", "jlb")).isEqualTo("1.0 jlb");
        assertThat(ProxyHeaders.viaEntry("HTTP/3", "jlb")).isEqualTo("3 jlb");
        assertThat(ProxyHeaders.viaEntry("SPDY/3", "jlb")).isEqualTo("SPDY/3 jlb");
        assertThat(ProxyHeaders.append(null, "a")).isEqualTo("a");
        assertThat(ProxyHeaders.append(" ", "a")).isEqualTo("a");
        assertThat(ProxyHeaders.append("x, y", "a")).isEqualTo("x, y, a");
    }

    @Test
    void requestIds() {
        assertThat(ProxyHeaders.isValidRequestId("abc-123")).isTrue();
        assertThat(ProxyHeaders.isValidRequestId("x".repeat(128))).isTrue();
        assertThat(ProxyHeaders.isValidRequestId("x".repeat(129))).isFalse();
        assertThat(ProxyHeaders.isValidRequestId("a b")).isFalse();
        assertThat(ProxyHeaders.isValidRequestId("é")).isFalse();
        assertThat(ProxyHeaders.isValidRequestId("")).isFalse();
        assertThat(ProxyHeaders.isValidRequestId(null)).isFalse();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = ProxyHeaders.newRequestId();
            assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void mountMatching() {
        assertThat(ProxyHeaders.matches("/api", "/api")).isTrue();
        assertThat(ProxyHeaders.matches("/api/x", "/api")).isTrue();
        assertThat(ProxyHeaders.matches("/apix", "/api")).isFalse();
        assertThat(ProxyHeaders.matches("/ap", "/api")).isFalse();
        assertThat(ProxyHeaders.matches("/anything", "/")).isTrue();
        assertThat(ProxyHeaders.matches("/anything", "")).isTrue();
    }

    @Test
    void targetPaths() {
        assertThat(ProxyHeaders.targetPath("/api/a%20b", "/api/a b", "/api", false, "q=1")).isEqualTo("/api/a%20b?q=1");
        assertThat(ProxyHeaders.targetPath("/api/a%20b", "/api/a b", "/api", true, "q=1")).isEqualTo("/a%20b?q=1");
        assertThat(ProxyHeaders.targetPath("/api", "/api", "/api", true, null)).isEqualTo("/");
        assertThat(ProxyHeaders.targetPath("/ctx/api/x", "/ctx/api/x", "/ctx/api", true, null)).isEqualTo("/x");
        assertThat(ProxyHeaders.targetPath("/%61pi/x%2Fy", "/api/x/y", "/api", true, null)).isEqualTo("/x/y");
        assertThat(ProxyHeaders.targetPath("/x", "/x", "/", true, "a=%2F")).isEqualTo("/x?a=%2F");
        assertThat(ProxyHeaders.targetPath("", "", "", false, null)).isEqualTo("/");
    }

    @Test
    void routingPathIsThePathTheBackendGets() {
        assertThat(ProxyHeaders.routingPath("/api/./x")).isEqualTo("/api/x");
        assertThat(ProxyHeaders.routingPath("/api/a/../b")).isEqualTo("/api/b");
        assertThat(ProxyHeaders.routingPath("/api/../x")).isEqualTo("/x");
        assertThat(ProxyHeaders.routingPath("/api/../../x")).isNull();
        assertThat(ProxyHeaders.routingPath("/api;x/y")).isEqualTo("/api;x/y");
        assertThat(ProxyHeaders.routingPath("/%61pi/y;v=1")).isEqualTo("/api/y;v=1");
        assertThat(ProxyHeaders.routingPath("/a%3Bb")).isEqualTo("/a;b");
        assertThat(ProxyHeaders.routingPath("")).isEqualTo("/");
        assertThat(ProxyHeaders.matchesRaw("/api;x/y", "/api")).isFalse();
        assertThat(ProxyHeaders.matchesRaw("/api/y;x", "/api")).isTrue();
        assertThat(ProxyHeaders.matchesRaw("/api/a/../b", "/api")).isTrue();
        assertThat(ProxyHeaders.matchesRaw("/api/../b", "/api")).isFalse();
        assertThat(ProxyHeaders.matchesRaw("/api;x/y", "/")).isTrue();
    }

    @Test
    void dotSegmentsAreNotForwarded() {
        assertThat(ProxyHeaders.targetPath("/api/./x", "/api/x", "/api", false, null)).isEqualTo("/api/x");
        assertThat(ProxyHeaders.targetPath("/api/./x", "/api/x", "/api", true, null)).isEqualTo("/x");
        assertThat(ProxyHeaders.targetPath("/api/a/../b", "/api/b", "/api", true, "q=1")).isEqualTo("/b?q=1");
        assertThat(ProxyHeaders.targetPath("/api/y;v=1", "/api/y", "/api", true, null)).isEqualTo("/y;v=1");
    }
}
