package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.JlbConfig;
import dev.jlb.testing.TestBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 clients on the standalone's cleartext listener: h2c by prior knowledge and by
 * {@code Upgrade: h2c}, beside HTTP/1.1 on the same port, with the Go original's configuration
 * format; {@code server.h2c: false} turns it off.
 */
@Timeout(120)
class H2cListenerTest {

    @RegisterExtension
    final StandaloneExtension standalone = new StandaloneExtension(3);
    private final List<TestBackend> backends = standalone.backends();
    private Standalone balancer;

    /** The Go original's format (/work/shared/origin/config.yaml's keys), on port 0 and these backends. */
    private JlbConfig goConfig(String extra) throws Exception {
        StringBuilder servers = new StringBuilder();
        StringBuilder weights = new StringBuilder();
        for (TestBackend b : backends) {
            servers.append("  - \"").append(b.uri()).append("\"\n");
            weights.append("  - 1\n");
        }
        return ConfigLoader.parse("lb_port: 0\nmax_retry_limit: 3\nstrategy: least-connection\n"
                + "health_check_interval: \"5s\"\nservers:\n" + servers + "server_weights:\n" + weights + extra,
                "config.yaml", ConfigFormat.YAML);
    }

    private static Process curl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "30"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String output(Process p) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void curlWithPriorKnowledgeGetsHttp2FromTheGoOriginalsConfig() throws Exception {
        balancer = standalone.start(goConfig(""));
        String url = "http://127.0.0.1:" + balancer.port() + "/lb/";
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String out = output(curl("--http2-prior-knowledge", "-w", "\n%{http_version} %{response_code}", url));
            assertThat(out).endsWith("\n2 200");
            seen.add(out.substring(0, out.indexOf('\n')));
        }
        assertThat(seen).allMatch(s -> s.matches("b[123]"));
        assertThat(backends.stream().mapToInt(b -> b.requests.size()).sum()).isEqualTo(6);
        // HTTP/1.1 on the same port still works.
        assertThat(output(curl("--http1.1", "-w", "\n%{http_version} %{response_code}", url))).endsWith("\n1.1 200");
    }

    @Test
    void curlUpgradesToH2cWithAnUpgradeHeader() throws Exception {
        balancer = standalone.start(goConfig(""));
        String url = "http://127.0.0.1:" + balancer.port() + "/lb/";
        // --http2 on an http:// URL sends "Upgrade: h2c" with HTTP2-Settings; jlb answers 101 and HTTP/2.
        String out = output(curl("--http2", "-v", "-w", "\n%{http_version} %{response_code}", url));
        assertThat(out).contains("< HTTP/1.1 101").contains("< HTTP/2 200").endsWith("\n2 200");
    }

    @Test
    void jettysHttp2ClientMultiplexesRequestsWithBodiesOnOneConnection() throws Exception {
        balancer = standalone.start(goConfig(""));
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        client.start();
        try {
            String base = "http://127.0.0.1:" + balancer.port() + "/lb/";
            List<ContentResponse> responses = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                responses.add(client.POST(base + "x?echo=Via").body(new StringRequestContent("body " + i))
                        .timeout(30, TimeUnit.SECONDS).send());
            }
            for (ContentResponse r : responses) {
                assertThat(r.getVersion()).isEqualTo(HttpVersion.HTTP_2);
                assertThat(r.getStatus()).isEqualTo(200);
                // The backend speaks HTTP/1.1; it sees that the client came in HTTP/2.
                assertThat(r.getContentAsString()).isEqualTo("2.0 jlb");
            }
            assertThat(backends.stream().mapToInt(b -> b.requests.size()).sum()).isEqualTo(9);
            // HTTP/2 has no Host header: the client's :authority becomes the HTTP/1.1 backend's Host.
            assertThat(client.newRequest(base + "x?echo=Host").timeout(30, TimeUnit.SECONDS).send().getContentAsString())
                    .isEqualTo("127.0.0.1:" + balancer.port());
        } finally {
            client.stop();
        }
    }

    @Test
    void h2cCanBeTurnedOff() throws Exception {
        balancer = standalone.start(ConfigLoader.parse("server: {address: 127.0.0.1, port: 0, h2c: false}\nroutes:\n"
                + "  - path: /\n    backends: [\"" + backends.get(0).uri() + "\"]\n", "off.yaml", ConfigFormat.YAML));
        String url = "http://127.0.0.1:" + balancer.port() + "/";
        assertThat(output(curl("--http2", "-w", "\n%{http_version} %{response_code}", url))).endsWith("\n1.1 200");
        String prior = output(curl("--http2-prior-knowledge", "-w", "\n%{http_version} %{response_code}", url));
        assertThat(prior).doesNotEndWith(" 200");
    }
}
