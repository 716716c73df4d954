package dev.jlb.standalone;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server (Netty, plaintext HTTP/2 on a loopback port) with the standard
 * {@code grpc.health.v1.Health} service and a small echo service, {@code jlb.test.Echo}, whose
 * method descriptors are built by hand with a String marshaller (no protoc): one per call type.
 *
 * <ul>
 *   <li>{@code Unary}: answers {@code <name>:<message>}; {@code fail:<CODE>:<text>} answers that
 *       status with a trailer {@code x-echo-backend: <name>}; {@code hang} never answers (until
 *       the call is cancelled).</li>
 *   <li>{@code ServerStream}: {@code <n>} answers {@code <name>:0} .. {@code <name>:<n-1>};
 *       {@code <n>:abort} then ends with {@code ABORTED} after the messages.</li>
 *   <li>{@code ClientStream}: answers {@code <name>:} and the messages joined with {@code ,}.</li>
 *   <li>{@code Bidi}: answers each message as it comes ({@code <name>:<message>}).</li>
 * </ul>
 * With {@link #unavailable(boolean)} every echo call ends with {@code UNAVAILABLE} at its first
 * message (before any response message), as a server that is shutting down does.
 */
// close() stops a Jetty server, whose stop() throws Exception (InterruptedException among them).
@SuppressWarnings("try")
final class GrpcEchoBackend implements AutoCloseable {

    static final String SERVICE = "jlb.test.Echo";

    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> SERVER_STREAM =
            method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> CLIENT_STREAM =
            method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
    static final MethodDescriptor<String, String> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);

    static final Metadata.Key<String> BACKEND_TRAILER = Metadata.Key.of("x-echo-backend", Metadata.ASCII_STRING_MARSHALLER);

    private final String name;
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private volatile boolean unavailable;
    /** Echo calls that reached this backend (any method). */
    final AtomicInteger calls = new AtomicInteger();
    /** Calls held open by {@code hang}, to cancel at close. */
    private final List<StreamObserver<String>> hanging = new CopyOnWriteArrayList<>();

    GrpcEchoBackend(String name) throws IOException {
        this.name = name;
        ServerServiceDefinition echo = ServerServiceDefinition.builder(SERVICE)
                .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::unary))
                .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall(this::serverStream))
                .addMethod(CLIENT_STREAM, ServerCalls.asyncClientStreamingCall(this::clientStream))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(this::bidi))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(echo)
                .addService(health.getHealthService())
                .build()
                .start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(SERVICE, ServingStatus.SERVING);
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(STRING)
                .setResponseMarshaller(STRING)
                .build();
    }

    String name() {
        return name;
    }

    int port() {
        return server.getPort();
    }

    String uri() {
        return "http://127.0.0.1:" + port();
    }

    void unavailable(boolean on) {
        unavailable = on;
    }

    void setServing(String service, boolean serving) {
        health.setStatus(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    private boolean refuse(StreamObserver<String> out) {
        calls.incrementAndGet();
        if (unavailable) {
            out.onError(Status.UNAVAILABLE.withDescription(name + " is unavailable").asRuntimeException());
            return true;
        }
        return false;
    }

    private void unary(String message, StreamObserver<String> out) {
        if (refuse(out)) {
            return;
        }
        if (message.equals("hang")) {
            hanging.add(out);
            return;
        }
        if (message.startsWith("fail:")) {
            String[] parts = message.split(":", 3);
            Metadata trailers = new Metadata();
            trailers.put(BACKEND_TRAILER, name);
            out.onError(Status.fromCode(Status.Code.valueOf(parts[1])).withDescription(parts[2])
                    .asRuntimeException(trailers));
            return;
        }
        out.onNext(name + ":" + message);
        out.onCompleted();
    }

    private void serverStream(String message, StreamObserver<String> out) {
        if (refuse(out)) {
            return;
        }
        String[] parts = message.split(":");
        int n = Integer.parseInt(parts[0]);
        for (int i = 0; i < n; i++) {
            out.onNext(name + ":" + i);
        }
        if (parts.length > 1 && parts[1].equals("abort")) {
            Metadata trailers = new Metadata();
            trailers.put(BACKEND_TRAILER, name);
            out.onError(Status.ABORTED.withDescription("stopped after " + n).asRuntimeException(trailers));
        } else {
            out.onCompleted();
        }
    }

    private StreamObserver<String> clientStream(StreamObserver<String> out) {
        return new StreamObserver<>() {
            private final StringBuilder joined = new StringBuilder();
            private boolean first = true;
            private boolean refused;

            @Override
            public void onNext(String value) {
                if (first) {
                    first = false;
                    refused = refuse(out);
                }
                if (!refused) {
                    joined.append(joined.length() == 0 ? "" : ",").append(value);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                if (!refused) {
                    out.onNext(name + ":" + joined);
                    out.onCompleted();
                }
            }
        };
    }

    private StreamObserver<String> bidi(StreamObserver<String> out) {
        return new StreamObserver<>() {
            private boolean first = true;
            private boolean refused;

            @Override
            public void onNext(String value) {
                if (first) {
                    first = false;
                    refused = refuse(out);
                }
                if (!refused) {
                    out.onNext(name + ":" + value);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                if (!refused) {
                    out.onCompleted();
                }
            }
        };
    }

    /** Stops the server (a backend going down: its port refuses connections). */
    @Override
    public void close() throws InterruptedException {
        for (StreamObserver<String> out : hanging) {
            try {
                out.onError(Status.CANCELLED.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already cancelled by the client
            }
        }
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "GrpcEchoBackend{" + name + ", " + uri() + '}';
    }
}
