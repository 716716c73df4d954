package dev.jlb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.internal.Failures;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The kind of a failure and the words logs show for it come from one classification. */
class FailureKindTest {

    private record Row(Throwable failure, FailureKind kind, String description) {
    }

    private static final List<Row> TABLE = List.of(
            new Row(new HttpConnectTimeoutException("HTTP connect timed out"), FailureKind.CONNECT, "connect timeout"),
            new Row(new ConnectException("Connection timed out"), FailureKind.CONNECT, "connect timeout"),
            new Row(new ConnectException("Connection refused"), FailureKind.CONNECT, "connection refused"),
            new Row(new NoRouteToHostException(), FailureKind.CONNECT, "no route to host"),
            new Row(new UnknownHostException("nowhere"), FailureKind.CONNECT, "unknown host"),
            new Row(new UnresolvedAddressException(), FailureKind.CONNECT, "unknown host"),
            new Row(new TimeoutException(), FailureKind.TIMEOUT, "timeout"),
            new Row(new SocketTimeoutException("Read timed out"), FailureKind.TIMEOUT, "timeout"),
            new Row(new HttpTimeoutException("request timed out"), FailureKind.TIMEOUT, "timeout"),
            new Row(new EOFException(), FailureKind.RESET, "connection closed"),
            new Row(new ClosedChannelException(), FailureKind.RESET, "connection closed"),
            new Row(new SocketException("Connection reset"), FailureKind.RESET, "connection reset"),
            new Row(new SocketException("Broken pipe"), FailureKind.RESET, "broken pipe"),
            new Row(new SocketException(), FailureKind.RESET, "connection error"),
            new Row(new IOException("Connection reset by peer"), FailureKind.RESET, "connection reset"),
            new Row(new CancellationException(), FailureKind.OTHER, "cancelled"));

    @Test
    void everyFailureHasOneKindAndOneDescriptionHoweverItIsWrapped() {
        List<UnaryOperator<Throwable>> wrappers = List.of(t -> t, CompletionException::new, ExecutionException::new,
                t -> new RuntimeException("wrapped", new CompletionException(t)));
        for (Row row : TABLE) {
            for (UnaryOperator<Throwable> wrap : wrappers) {
                Throwable failure = wrap.apply(row.failure());
                assertThat(FailureKind.of(failure)).as("kind of %s", failure).isEqualTo(row.kind());
                assertThat(FailureKind.describe(failure)).as("description of %s", failure).isEqualTo(row.description());
                assertThat(Failures.describe(failure)).isEqualTo(row.description());
            }
        }
    }

    @Test
    void anUnknownFailureIsOtherAndNamedWithoutItsFutureWrapper() {
        Throwable boom = new IllegalStateException("boom");
        for (Throwable failure : List.of(boom, new CompletionException(boom), new ExecutionException(boom))) {
            assertThat(FailureKind.of(failure)).isEqualTo(FailureKind.OTHER);
            assertThat(FailureKind.describe(failure)).isEqualTo("IllegalStateException: boom");
        }
    }

    @Test
    void theFirstKnownExceptionOfTheChainDecides() {
        Throwable timeoutAfterReset = new IOException("connection reset", new TimeoutException());
        assertThat(FailureKind.of(timeoutAfterReset)).isEqualTo(FailureKind.TIMEOUT);
        assertThat(FailureKind.describe(timeoutAfterReset)).isEqualTo("timeout");
        Throwable closedInsideConnect = new ConnectException("Connection refused");
        closedInsideConnect.initCause(new ClosedChannelException());
        assertThat(FailureKind.of(closedInsideConnect)).isEqualTo(FailureKind.CONNECT);
        assertThat(FailureKind.describe(closedInsideConnect)).isEqualTo("connection refused");
    }

    @Test
    void aChainThatLoopsEnds() {
        IOException a = new IOException("a");
        IOException b = new IOException("b", a);
        a.initCause(b);
        assertThat(FailureKind.of(a)).isEqualTo(FailureKind.OTHER);
        assertThat(FailureKind.describe(a)).isEqualTo("IOException: a");
        assertThat(FailureKind.of(null)).isEqualTo(FailureKind.OTHER);
        assertThat(FailureKind.describe(null)).isEqualTo("unknown failure");
    }
}
