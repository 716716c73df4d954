package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestContextTest {
    @Test
    void emptyHasNothing() {
        RequestContext ctx = RequestContext.empty();
        assertThat(ctx.method()).isEmpty();
        assertThat(ctx.path()).isEmpty();
        assertThat(ctx.header("x")).isNull();
        assertThat(ctx.clientAddress()).isNull();
        assertThat(ctx.affinityKey()).isNull();
    }

    @Test
    void builderHeadersAreCaseInsensitive() {
        RequestContext ctx = RequestContext.builder().method("GET").path("/lb").header("X-User", "42")
                .clientAddress("127.0.0.1").affinityKey("s1").build();
        assertThat(ctx.header("x-user")).isEqualTo("42");
        assertThat(ctx.header("X-USER")).isEqualTo("42");
        assertThat(ctx.toString()).isEqualTo("RequestContext{GET /lb, client=127.0.0.1, affinityKey=s1}");
    }

    @Test
    void failureKindClassification() {
        assertThat(FailureKind.of(new java.net.ConnectException())).isEqualTo(FailureKind.CONNECT);
        assertThat(FailureKind.of(new RuntimeException(new java.util.concurrent.TimeoutException())))
                .isEqualTo(FailureKind.TIMEOUT);
        assertThat(FailureKind.of(new java.io.EOFException())).isEqualTo(FailureKind.RESET);
        assertThat(FailureKind.of(new IllegalStateException())).isEqualTo(FailureKind.OTHER);
    }
}
