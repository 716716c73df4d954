package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.RetryPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyOptionsTest {

    @Test
    void defaults() {
        ProxyOptions options = ProxyOptions.defaults();
        assertThat(options.prefix()).isNull();
        assertThat(options.stripPrefix()).isFalse();
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.attemptTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.totalTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.retry()).isEqualTo(RetryPolicy.defaults());
        assertThat(options.requestIdHeader()).isEqualTo("X-Request-Id");
        assertThat(options.generateRequestId()).isTrue();
        assertThat(options.via()).isEqualTo("jlb");
        assertThat(options.preserveHost()).isTrue();
        assertThat(options.xForwardedHeaders()).isTrue();
        assertThat(options.maxConnectionsPerBackend()).isEqualTo(256);
        assertThat(options.maxRequestsQueuedPerBackend()).isEqualTo(1024);
        assertThat(options.useServerThreadPool()).isTrue();
        assertThat(ProxyOptions.builder().build()).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(options.toString()).startsWith("ProxyOptions{prefix=(mount point), stripPrefix=false, "
                + "connectTimeout=5s, attemptTimeout=30s, totalTimeout=1m, idleTimeout=30s, retry=RetryPolicy{");
    }

    @Test
    void settersAndToBuilder() {
        ProxyOptions options = ProxyOptions.builder().prefix("/api/").stripPrefix(true)
                .connectTimeout(Duration.ofMillis(500)).attemptTimeout(Duration.ofSeconds(2))
                .totalTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(9)).retry(RetryPolicy.none())
                .requestIdHeader("X-Trace").generateRequestId(false).via("edge-1.example").preserveHost(false)
                .xForwardedHeaders(false).maxConnectionsPerBackend(32).maxRequestsQueuedPerBackend(10)
                .useServerThreadPool(false).build();
        assertThat(options.prefix()).isEqualTo("/api");
        assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(options).isNotEqualTo(ProxyOptions.defaults());
        assertThat(ProxyOptions.builder().prefix("/").build().prefix()).isEqualTo("/");
        assertThat(options.toBuilder().toString()).startsWith("ProxyOptions.Builder{prefix=/api, stripPrefix=true");
    }

    @Test
    void invalidValuesFailWithTheHouseMessage() {
        assertThatThrownBy(() -> ProxyOptions.builder().prefix("api"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prefix: api (expected: a path starting with / without *, ?, #, // or spaces, such as /api)");
        assertThatThrownBy(() -> ProxyOptions.builder().prefix("/api/*"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("prefix: /api/* (expected: a path starting with / without *, ?, #, // or spaces, such as /api)");
        assertThatThrownBy(() -> ProxyOptions.builder().attemptTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("attemptTimeout: 0s (expected: > 0)");
        assertThatThrownBy(() -> ProxyOptions.builder().totalTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("totalTimeout: -1s (expected: > 0)");
        assertThatThrownBy(() -> ProxyOptions.builder().connectTimeout(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("connectTimeout: 48h (expected: <= 24h)");
        assertThatThrownBy(() -> ProxyOptions.builder().idleTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("idleTimeout");
        assertThatThrownBy(() -> ProxyOptions.builder().requestIdHeader("X Request"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requestIdHeader: X Request (expected: a header name such as X-Request-Id)");
        assertThatThrownBy(() -> ProxyOptions.builder().via(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("via:  (expected: a token such as jlb or a host name)");
        assertThatThrownBy(() -> ProxyOptions.builder().maxConnectionsPerBackend(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnectionsPerBackend: 0 (expected: >= 1)");
        assertThatThrownBy(() -> ProxyOptions.builder().maxRequestsQueuedPerBackend(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxRequestsQueuedPerBackend: -5 (expected: >= 1)");
        assertThatThrownBy(() -> ProxyOptions.builder().retry(null))
                .isInstanceOf(NullPointerException.class).hasMessage("retry");
    }

    @Test
    void trustedProxiesAreKeptComparedAndJudged() {
        ProxyOptions a = ProxyOptions.builder().trustedProxies(List.of("10.0.0.0/8", "::1/128")).build();
        assertThat(a.trustedProxies()).containsExactly("10.0.0.0/8", "::1/128");
        assertThat(a).isEqualTo(a.toBuilder().build()).hasSameHashCodeAs(a.toBuilder().build());
        assertThat(a).isNotEqualTo(ProxyOptions.defaults());
        assertThat(a.toString()).contains("trustedProxies=[10.0.0.0/8, ::1/128]");
        assertThat(ProxyOptions.defaults().trustedProxies()).isEmpty();
        assertThatThrownBy(() -> ProxyOptions.builder().trustedProxies(List.of("10.0.0.0/8", "10.0.0.0/33")))
                .hasMessage("trustedProxies: 10.0.0.0/33 (expected: a CIDR such as 10.0.0.0/8 or fd00::/8)");
    }
}
