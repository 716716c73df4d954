package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.testing.TestPki;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.testing.TestBackend;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 over TLS on the standalone's HTTPS listener: ALPN picks h2 for clients that offer it
 * (curl, the JDK's client, grpc-java over TLS) and HTTP/1.1 for the others; {@code alpn:} turns h2 off.
 */
@Timeout(60)
class H2TlsListenerTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    /** The listener's certificate and key, and the CA to trust. */
    static TestPki.ServerFiles site;

    @RegisterExtension
    final StandaloneExtension standalone = new StandaloneExtension();
    private Standalone balancer;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.ca("jlb h2 test ca");
        site = pki.writeServer(dir, "site", "localhost", "127.0.0.1");
    }

    private void start(String tlsExtra, String route) throws Exception {
        String yaml = "server:\n  address: 127.0.0.1\n  port: 0\n  shutdown_grace_period: 1s\n  tls:\n"
                + "    cert: " + site.cert() + "\n    key: " + site.key() + "\n" + tlsExtra + "routes:\n" + route;
        balancer = standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML));
    }

    private String httpRoute() throws Exception {
        TestBackend backend = standalone.backend("b1");
        return "  - path: /app\n    backends: [\"" + backend.uri() + "\"]\n";
    }

    /** curl's HTTP version and body (bounded). */
    private static String[] curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-w", "\n%{http_version}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        int nl = out.lastIndexOf('\n');
        return new String[] {out.substring(nl + 1), out.substring(0, nl)};
    }

    private static SSLContext trusting() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (var in = java.nio.file.Files.newInputStream(site.ca())) {
            ts.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }

    @Test
    void alpnGivesH2ToClientsThatOfferItAndHttp11ToTheOthers() throws Exception {
        start("", httpRoute());
        String url = "https://localhost:" + balancer.port() + "/app/x?echo=X-Forwarded-Proto";
        assertThat(curl("--cacert", site.ca().toString(), "--http2", url)).containsExactly("2", "https");
        assertThat(curl("--cacert", site.ca().toString(), "--http1.1", url)).containsExactly("1.1", "https");

        HttpClient jdk = HttpClient.newBuilder().sslContext(trusting()).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.body()).isEqualTo("https");
    }

    @Test
    void aClientWithoutAlpnSpeaksHttp11() throws Exception {
        start("", httpRoute());
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) trusting().getSocketFactory()
                .createSocket("127.0.0.1", balancer.port())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            assertThat(socket.getApplicationProtocol()).as("no ALPN offered, none chosen").isEmpty();
            socket.getOutputStream().write("GET /app/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(reply).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void alpnWithOnlyHttp11OffersNoH2() throws Exception {
        start("    alpn: [http/1.1]\n", httpRoute());
        String url = "https://localhost:" + balancer.port() + "/app/x?echo=X-Forwarded-Proto";
        assertThat(curl("--cacert", site.ca().toString(), "--http2", url)).containsExactly("1.1", "https");
    }

    @Test
    void grpcOverTlsReachesAnH2cBackend() throws Exception {
        GrpcEchoBackend a = standalone.closeLater(new GrpcEchoBackend("a"));
        start("", "  - path: /\n    protocol: h2c\n    backends: [\"" + a.uri() + "\"]\n");
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", balancer.port())
                .sslContext(GrpcSslContexts.forClient().trustManager(site.ca().toFile()).build()).build();
        standalone.closeLater(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        String answer = ClientCalls.blockingUnaryCall(channel, GrpcEchoBackend.UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "over tls");
        assertThat(answer).isEqualTo("a:over tls");
        assertThat(a.calls.get()).isEqualTo(1);
    }
}
