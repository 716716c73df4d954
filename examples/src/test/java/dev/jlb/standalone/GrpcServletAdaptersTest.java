package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.BackendProtocol;
import dev.jlb.jetty.LoadBalancingFilter;
import dev.jlb.jetty.LoadBalancingProxyServlet;
import dev.jlb.jetty.ProxyOptions;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import jakarta.servlet.DispatcherType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * gRPC through the servlet adapters ({@link LoadBalancingProxyServlet}, {@link LoadBalancingFilter})
 * on an h2c Jetty server: messages, trailers with status and metadata, and the adapter's own
 * gRPC status when no backend is left.
 */
@Timeout(60)
class GrpcServletAdaptersTest {
    private GrpcEchoBackend backend;
    private LoadBalancer lb;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void backend() throws Exception {
        backend = new GrpcEchoBackend("a");
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.stop();
        }
        if (lb != null) {
            lb.close();
        }
        backend.close();
    }

    private void start(String adapter, String... backends) throws Exception {
        lb = LoadBalancer.builder().name("grpc").backends(backends).build();
        ProxyOptions options = ProxyOptions.builder().backendProtocol(BackendProtocol.H2C).build();
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        ServletContextHandler context = new ServletContextHandler();
        if (adapter.equals("servlet")) {
            context.addServlet(new ServletHolder(new LoadBalancingProxyServlet(lb, options)), "/*");
        } else {
            context.addFilter(new FilterHolder(new LoadBalancingFilter(lb, options)), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        server.setHandler(context);
        server.start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", c.getLocalPort()).usePlaintext().build();
    }

    private static CallOptions deadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"servlet", "filter"})
    void unaryAndStreamingCallsCarryTheirTrailers(String adapter) throws Exception {
        start(adapter, backend.uri());
        assertThat(ClientCalls.blockingUnaryCall(channel, GrpcEchoBackend.UNARY, deadline(), "hi")).isEqualTo("a:hi");

        List<String> got = new ArrayList<>();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> ClientCalls
                .blockingServerStreamingCall(channel, GrpcEchoBackend.SERVER_STREAM, deadline(), "3:abort")
                .forEachRemaining(got::add));
        assertThat(got).hasSize(3);
        assertThat(e.getStatus().getCode()).as("the status travels in the trailers").isEqualTo(Status.Code.ABORTED);
        assertThat(e.getStatus().getDescription()).isEqualTo("stopped after 3");
        assertThat(e.getTrailers().get(GrpcEchoBackend.BACKEND_TRAILER)).isEqualTo("a");

        StatusRuntimeException notFound = catchThrowableOfType(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, GrpcEchoBackend.UNARY, deadline(), "fail:NOT_FOUND:gone"));
        assertThat(notFound.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(notFound.getStatus().getDescription()).isEqualTo("gone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"servlet", "filter"})
    void noBackendLeftIsAnUnavailableGrpcStatus(String adapter) throws Exception {
        start(adapter, "http://127.0.0.1:1");
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(channel, GrpcEchoBackend.UNARY, deadline(), "anyone?"));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"servlet", "filter"})
    void anHttp2GetWithoutABodyReachesAnHttp1BackendWithoutOne(String adapter) throws Exception {
        try (dev.jlb.testing.TestBackend plain = new dev.jlb.testing.TestBackend("plain")) {
            lb = LoadBalancer.builder().name("plain").backends(plain.uri()).build();
            server = new Server();
            HttpConfiguration http = new HttpConfiguration();
            ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http),
                    new HTTP2CServerConnectionFactory(http));
            c.setHost("127.0.0.1");
            c.setPort(0);
            server.addConnector(c);
            ServletContextHandler context = new ServletContextHandler();
            if (adapter.equals("servlet")) {
                context.addServlet(new ServletHolder(new LoadBalancingProxyServlet(lb)), "/*");
            } else {
                context.addFilter(new FilterHolder(new LoadBalancingFilter(lb)), "/*", EnumSet.of(DispatcherType.REQUEST));
            }
            server.setHandler(context);
            server.start();
            Process p = new ProcessBuilder("curl", "-sS", "--max-time", "10", "--http2-prior-knowledge", "-w", " %{http_version}",
                    "http://127.0.0.1:" + c.getLocalPort() + "/x").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(out).endsWith(" 2");
            assertThat(plain.requests).hasSize(1);
            assertThat(plain.requests.get(0).header("Transfer-Encoding")).isNull();
            assertThat(plain.requests.get(0).body()).isEmpty();
        }
    }
}
