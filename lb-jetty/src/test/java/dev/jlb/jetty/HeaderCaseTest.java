package dev.jlb.jetty;

import dev.jlb.testing.TestBackend;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.ProxyFixture.Mode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Backend response header values reach the client exactly, also when a value differs only in case
 * from one seen earlier on the same backend connection. Jetty's server side does rewrite such
 * request values unless its header cache is case-sensitive (see the standalone's HeaderValuesTest);
 * its client (12.1.14) was not seen doing it for responses, and jlb's client sets the cache
 * case-sensitive anyway. The test client is the JDK's, which has no such cache.
 */
class HeaderCaseTest {

    @ParameterizedTest
    @EnumSource(Mode.class)
    void setCookieValuesThatDifferOnlyInCasePassUnchanged(Mode mode) throws Exception {
        try (TestBackend a = new TestBackend("a");
                LoadBalancer lb = LoadBalancer.builder().backend(a.uri()).build();
                ProxyFixture proxy = ProxyFixture.start(mode, lb, ProxyOptions.defaults())) {
            a.behaviour = (be, r, req, res, cb) -> {
                String value = org.eclipse.jetty.server.Request.extractQueryParameters(req).getValue("c");
                res.getHeaders().put(HttpHeader.SET_COOKIE, value);
                be.text(res, cb, 200, "ok");
            };
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (String cookie : new String[] {"session=AbC", "SESSION=abc", "session=AbC"}) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(proxy.url("/api/c?c=" + cookie))).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().allValues("Set-Cookie")).containsExactly(cookie);
            }
            // The three requests went over one backend connection (else the cache was not in play).
            assertThat(a.connections()).isEqualTo(1);
        }
    }
}
