package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gRPC through the standalone balancer: a real grpc-java client (h2c to jlb's listener) and two
 * real grpc-java servers behind a route with {@code protocol: h2c}. Every call has a deadline, so
 * a test that goes wrong fails in seconds.
 */
@Timeout(180)
class GrpcPassThroughTest {

    private final List<GrpcEchoBackend> backends = new ArrayList<>();
    private Standalone balancer;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        backends.add(new GrpcEchoBackend("a"));
        backends.add(new GrpcEchoBackend("b"));
    }

    private void startBalancer(String routeSettings) throws Exception {
        String yaml = "server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s}\nroutes:\n"
                + "  - path: /\n    protocol: h2c\n    strategy: round-robin\n    backends: [\"" + backends.get(0).uri()
                + "\", \"" + backends.get(1).uri() + "\"]\n" + routeSettings;
        balancer = Standalone.start(ConfigLoader.parse(yaml, "grpc.yaml", ConfigFormat.YAML), l -> { });
        channel = NettyChannelBuilder.forAddress("127.0.0.1", balancer.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (balancer != null) {
            balancer.close();
        }
        for (GrpcEchoBackend b : backends) {
            b.close();
        }
    }

    private CallOptions deadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private String unary(String message) {
        return ClientCalls.blockingUnaryCall(channel, GrpcEchoBackend.UNARY, deadline(), message);
    }

    @Test
    void theStandardHealthServiceAnswersThroughJlb() throws Exception {
        startBalancer("");
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);

        assertThat(health.check(HealthCheckRequest.newBuilder().setService(GrpcEchoBackend.SERVICE).build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

        for (GrpcEchoBackend b : backends) {
            b.setServing(GrpcEchoBackend.SERVICE, false);
        }
        assertThat(health.check(HealthCheckRequest.newBuilder().setService(GrpcEchoBackend.SERVICE).build()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
    }

    @Test
    void unaryCallsAreEchoedAndSpreadOverTheBackends() throws Exception {
        startBalancer("");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(unary("hello " + i));
        }
        assertThat(answers).allMatch(a -> a.matches("[ab]:hello \\d"));
        assertThat(answers).anyMatch(a -> a.startsWith("a:")).anyMatch(a -> a.startsWith("b:"));
        assertThat(backends.get(0).calls.get() + backends.get(1).calls.get()).isEqualTo(10);
        // A unary message of 1 MiB both ways (many DATA frames, flow control on both hops).
        String big = "x".repeat(1 << 20);
        assertThat(unary(big)).endsWith(":" + big);
    }

    @Test
    void serverStreamingDeliversEveryMessageInOrderThenTheStatus() throws Exception {
        startBalancer("");
        List<String> got = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(channel, GrpcEchoBackend.SERVER_STREAM, deadline(), "50")
                .forEachRemaining(got::add);
        assertThat(got).hasSize(50);
        String backend = got.get(0).substring(0, 2);
        for (int i = 0; i < 50; i++) {
            assertThat(got.get(i)).isEqualTo(backend + i);
        }
    }

    @Test
    void trailersAfterMessagesCarryTheStatusMessageAndMetadata() throws Exception {
        startBalancer("");
        List<String> got = new ArrayList<>();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls
                .blockingServerStreamingCall(channel, GrpcEchoBackend.SERVER_STREAM, deadline(), "3:abort")
                .forEachRemaining(got::add));
        assertThat(got).hasSize(3);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(e.getStatus().getDescription()).isEqualTo("stopped after 3");
        assertThat(e.getTrailers().get(GrpcEchoBackend.BACKEND_TRAILER)).isEqualTo(got.get(0).substring(0, 1));
    }

    @Test
    void errorStatusesPassThroughUnchanged() throws Exception {
        startBalancer("");
        for (String code : List.of("NOT_FOUND", "INVALID_ARGUMENT", "PERMISSION_DENIED", "INTERNAL")) {
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> unary("fail:" + code + ":no luck, 100% sure \u00e9"));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.valueOf(code));
            assertThat(e.getStatus().getDescription()).isEqualTo("no luck, 100% sure \u00e9");
            assertThat(e.getTrailers().get(GrpcEchoBackend.BACKEND_TRAILER)).isIn("a", "b");
        }
        // Not retried: a status other than UNAVAILABLE is the service's answer.
        assertThat(backends.get(0).calls.get() + backends.get(1).calls.get()).isEqualTo(4);
    }

    @Test
    void clientStreamingCollectsEveryMessage() throws Exception {
        startBalancer("");
        CompletableFuture<String> answer = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(GrpcEchoBackend.CLIENT_STREAM, deadline()), observer(answer, null));
        for (int i = 0; i < 20; i++) {
            requests.onNext("m" + i);
        }
        requests.onCompleted();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            expected.append(i == 0 ? "" : ",").append("m").append(i);
        }
        assertThat(answer.get(30, TimeUnit.SECONDS)).matches("[ab]:" + expected);
    }

    @Test
    void bidirectionalStreamingEchoesEachMessageBeforeTheNextIsSent() throws Exception {
        startBalancer("");
        BlockingQueue<String> echoes = new LinkedBlockingQueue<>();
        CompletableFuture<String> done = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEchoBackend.BIDI, deadline()), observer(done, echoes));
        String backend = null;
        for (int i = 0; i < 20; i++) {
            requests.onNext("ping " + i);
            // jlb buffers neither direction: the echo of each message arrives while the call is open.
            String echo = echoes.poll(30, TimeUnit.SECONDS);
            assertThat(echo).isNotNull().endsWith(":ping " + i);
            if (backend == null) {
                backend = echo.substring(0, 1);
            }
            assertThat(echo).startsWith(backend + ":");
        }
        requests.onCompleted();
        assertThat(done.get(30, TimeUnit.SECONDS)).isEqualTo("completed");
    }

    @Test
    void aDeadlineEndsTheCallWithDeadlineExceeded() throws Exception {
        // The route's own timeouts are long: the call's grpc-timeout is what ends it.
        startBalancer("    timeouts: {attempt: 1m, total: 2m}\n");
        long started = System.nanoTime();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls
                .blockingUnaryCall(channel, GrpcEchoBackend.UNARY, CallOptions.DEFAULT.withDeadlineAfter(300,
                        TimeUnit.MILLISECONDS), "hang"));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(30);
    }

    @Test
    void aBackendThatIsDownIsRetriedOnTheOther() throws Exception {
        startBalancer("");
        backends.get(0).close();
        for (int i = 0; i < 6; i++) {
            assertThat(unary("up? " + i)).isEqualTo("b:up? " + i);
        }
        assertThat(backends.get(1).calls.get()).isEqualTo(6);
    }

    @Test
    void anUnavailableAnswerIsRetriedOnTheOtherBackend() throws Exception {
        startBalancer("");
        backends.get(0).unavailable(true);
        for (int i = 0; i < 6; i++) {
            assertThat(unary("retry " + i)).isEqualTo("b:retry " + i);
        }
        // Round-robin sends calls to a first (a retry takes a pick too): answered UNAVAILABLE there, then
        // retried; passive outlier detection ejects a after five such failures in a row.
        assertThat(backends.get(0).calls.get()).isBetween(1, 6);
        assertThat(backends.get(1).calls.get()).isEqualTo(6);
        // Server streaming has one request message too: retried the same way.
        List<String> got = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(channel, GrpcEchoBackend.SERVER_STREAM, deadline(), "2")
                .forEachRemaining(got::add);
        assertThat(got).containsExactly("b:0", "b:1");
    }

    @Test
    void aStreamingCallIsNeverRetriedAfterItsFirstMessage() throws Exception {
        startBalancer("");
        for (GrpcEchoBackend b : backends) {
            b.unavailable(true);
        }
        CompletableFuture<String> answer = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(GrpcEchoBackend.CLIENT_STREAM, deadline()), observer(answer, null));
        requests.onNext("first");
        Throwable failure = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> answer.get(30, TimeUnit.SECONDS)).getCause();
        requests.onCompleted();
        assertThat(Status.fromThrowable(failure).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Status.fromThrowable(failure).getDescription()).endsWith("is unavailable");
        // Exactly one backend saw the call: the answer came while the stream was open, so no retry.
        assertThat(backends.get(0).calls.get() + backends.get(1).calls.get()).isEqualTo(1);

        // A unary call to two unavailable backends: tried on each, then the client gets UNAVAILABLE.
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> unary("x"));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(backends.get(0).calls.get() + backends.get(1).calls.get()).isEqualTo(3);
    }

    @Test
    void noBackendLeftAnswersUnavailableAsAGrpcStatus() throws Exception {
        startBalancer("");
        for (GrpcEchoBackend b : backends) {
            b.close();
        }
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> unary("anyone?"));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).startsWith("bad gateway: could not connect to a backend");
    }

    private static StreamObserver<String> observer(CompletableFuture<String> result, BlockingQueue<String> each) {
        return new StreamObserver<>() {
            private String last;

            @Override
            public void onNext(String value) {
                last = value;
                if (each != null) {
                    each.add(value);
                }
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.complete(each != null ? "completed" : last);
            }
        };
    }
}
