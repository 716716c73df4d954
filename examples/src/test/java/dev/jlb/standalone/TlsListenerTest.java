package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.testing.TestPki;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.testing.TestBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS termination through the standalone, with certificates made at test time: curl and Jetty's
 * client against the listener, client certificates required and optional, SNI, reload of the
 * files with a connection open, HTTP beside HTTPS with a redirect.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsListenerTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    /** The listener's certificate and key, and the CA to trust. */
    static TestPki.ServerFiles site;
    static Path clientCert;
    static Path clientKey;

    @RegisterExtension
    final StandaloneExtension standalone = new StandaloneExtension();
    private TestBackend backend;
    private Standalone balancer;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.ca("jlb test ca");
        site = pki.writeServer(dir, "site", "localhost", "127.0.0.1");
        TestPki.Issued client = pki.client("client one");
        clientCert = TestPki.writeCerts(dir.resolve("client.pem"), client.cert());
        clientKey = TestPki.writeKey(dir.resolve("client.key"), client.key());
    }

    @BeforeEach
    void backend() throws Exception {
        backend = standalone.backend("b1");
    }

    private Standalone start(String tls, String route) throws Exception {
        String yaml = "server:\n  address: 127.0.0.1\n  port: 0\n  shutdown_grace_period: 1s\n  tls:\n" + tls
                + "routes:\n  - path: /app\n    backends: [\"" + backend.uri() + "\"]\n" + route;
        balancer = standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML));
        return balancer;
    }

    private static String pem(Path c, Path k) {
        return "    cert: " + c + "\n    key: " + k + "\n";
    }

    /** Runs curl (bounded), returning its exit code and output. */
    private static String[] curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    @Test
    void curlWithTheCaReachesTheBackendAsHttps() throws Exception {
        start(pem(site.cert(), site.key()), "");
        String[] r = curl("--cacert", site.ca().toString(), "https://localhost:" + balancer.port()
                + "/app/x?echo=X-Forwarded-Proto");
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).isEqualTo("https");
        // Without the CA, curl refuses the certificate: it is verified for real.
        assertThat(curl("https://localhost:" + balancer.port() + "/app/x")[0]).isEqualTo("60");
        // TLS 1.1 is refused.
        assertThat(curl("--cacert", site.ca().toString(), "--tlsv1.1", "--tls-max", "1.1",
                "https://localhost:" + balancer.port() + "/app/x")[0]).isNotEqualTo("0");
        assertThat(balancer.tlsPort()).isEqualTo(balancer.port());
    }

    @Test
    void jettyClientAndSecureStickyCookie() throws Exception {
        start(pem(site.cert(), site.key()), "    sticky: {secret: \"shared-secret-0123456789\"}\n");
        HttpClient client = jettyClient(null);
        ContentResponse r = client.GET("https://localhost:" + balancer.port() + "/app/x?echo=X-Forwarded-Proto");
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getContentAsString()).isEqualTo("https");
        assertThat(r.getHeaders().get("Set-Cookie")).contains("; Secure");
    }

    @Test
    void requiredClientCertificate() throws Exception {
        start(pem(site.cert(), site.key()) + "    client_auth: required\n    client_ca: " + site.ca() + "\n", "");
        String url = "https://localhost:" + balancer.port() + "/app/x";
        String[] with = curl("--cacert", site.ca().toString(), "--cert", clientCert.toString(),
                "--key", clientKey.toString(), url);
        assertThat(with[0]).as(with[1]).isEqualTo("0");
        assertThat(with[1]).isEqualTo("b1");
        assertThat(curl("--cacert", site.ca().toString(), url)[0]).isNotEqualTo("0");
        assertThat(jettyClient(null).newRequest(url).send().getStatus()).isEqualTo(200);
    }

    @Test
    void requiredClientCertificateRefusesJettyClientWithout() throws Exception {
        start(pem(site.cert(), site.key()) + "    client_auth: required\n    client_ca: " + site.ca() + "\n", "");
        String url = "https://localhost:" + balancer.port() + "/app/x";
        assertThatThrownBy(() -> jettyClientWithoutCertificate().GET(url)).isInstanceOf(Exception.class);
        // A certificate of another CA is refused too.
        TestPki other = TestPki.ca("other ca");
        TestPki.Issued stranger = other.client("stranger");
        Path sc = TestPki.writeCerts(dir.resolve("stranger.pem"), stranger.cert());
        Path sk = TestPki.writeKey(dir.resolve("stranger.key"), stranger.key());
        assertThat(curl("--cacert", site.ca().toString(), "--cert", sc.toString(), "--key", sk.toString(), url)[0])
                .isNotEqualTo("0");
    }

    @Test
    void optionalClientCertificate() throws Exception {
        start(pem(site.cert(), site.key()) + "    client_auth: optional\n    client_ca: " + site.ca() + "\n", "");
        String url = "https://localhost:" + balancer.port() + "/app/x";
        assertThat(curl("--cacert", site.ca().toString(), url)).containsExactly("0", "b1");
        assertThat(curl("--cacert", site.ca().toString(), "--cert", clientCert.toString(),
                "--key", clientKey.toString(), url)).containsExactly("0", "b1");
    }

    @Test
    void sniPicksTheCertificateAndTheFirstIsTheDefault() throws Exception {
        TestPki.Issued a = pki.server("a", "a.test");
        TestPki.Issued b = pki.server("b", "b.test", "*.b.test");
        Path ac = TestPki.writeCerts(dir.resolve("a.pem"), a.cert());
        Path ak = TestPki.writeKey(dir.resolve("a.key"), a.key());
        Path bc = TestPki.writeCerts(dir.resolve("b.pem"), b.cert());
        Path bk = pki.writePkcs12(dir.resolve("b.p12"), b, "pw");
        start("    certificates:\n      - {cert: " + ac + ", key: " + ak + "}\n      - {keystore: " + bk
                + ", password: pw}\n", "");
        assertThat(bc).exists();
        assertThat(peerSubject(balancer.port(), "a.test")).isEqualTo("CN=a");
        assertThat(peerSubject(balancer.port(), "b.test")).isEqualTo("CN=b");
        assertThat(peerSubject(balancer.port(), "x.b.test")).isEqualTo("CN=b");
        assertThat(peerSubject(balancer.port(), "unknown.test")).isEqualTo("CN=a");
        assertThat(peerSubject(balancer.port(), null)).isEqualTo("CN=a");
        String[] r = curl("--cacert", site.ca().toString(), "--resolve", "b.test:" + balancer.port() + ":127.0.0.1",
                "https://b.test:" + balancer.port() + "/app/x");
        assertThat(r).containsExactly("0", "b1");
    }

    @Test
    void reloadServesTheNewCertificateToNewConnectionsAndKeepsTheOpenOne() throws Exception {
        Path c = Files.copy(site.cert(), dir.resolve("live.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path k = Files.copy(site.key(), dir.resolve("live.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        start(pem(c, k) + "    reload_interval: 0s\n", "");
        assertThat(balancer.reloadTls()).as("nothing changed").isFalse();
        try (SSLSocket old = socket(balancer.port(), "localhost")) {
            assertThat(subject(old)).isEqualTo("CN=site");
            assertThat(get(old)).startsWith("HTTP/1.1 200");
            TestPki.Issued renewed = pki.server("renewed", "localhost", "127.0.0.1");
            // The key first: a certificate that does not match it yet is not loaded.
            TestPki.writeKey(k, renewed.key());
            assertThat(balancer.reloadTls()).as("key of another certificate").isFalse();
            assertThat(peerSubject(balancer.port(), "localhost")).isEqualTo("CN=site");
            TestPki.writeCerts(c, renewed.cert(), pki.ca.cert());
            assertThat(balancer.reloadTls()).isTrue();
            assertThat(peerSubject(balancer.port(), "localhost")).isEqualTo("CN=renewed");
            assertThat(curl("--cacert", site.ca().toString(), "https://localhost:" + balancer.port() + "/app/x"))
                    .containsExactly("0", "b1");
            // The connection opened before the reload still serves requests, on its session.
            assertThat(get(old)).startsWith("HTTP/1.1 200");
            assertThat(subject(old)).isEqualTo("CN=site");
        }
    }

    @Test
    void httpBesideHttpsRedirects() throws Exception {
        start(pem(site.cert(), site.key()) + "    port: 0\n    redirect_http: true\n", "");
        assertThat(balancer.tlsPort()).isNotEqualTo(balancer.port());
        String[] r = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "http://127.0.0.1:" + balancer.port() + "/app/x?q=1");
        assertThat(r).containsExactly("0", "308 https://127.0.0.1:" + balancer.tlsPort() + "/app/x?q=1");
        assertThat(curl("--cacert", site.ca().toString(), "-L", "http://localhost:" + balancer.port()
                + "/app/x?echo=X-Forwarded-Proto")).containsExactly("0", "https");
    }

    @Test
    void httpBesideHttpsWithoutRedirect() throws Exception {
        start(pem(site.cert(), site.key()) + "    port: 0\n", "");
        assertThat(curl("http://127.0.0.1:" + balancer.port() + "/app/x?echo=X-Forwarded-Proto"))
                .containsExactly("0", "http");
        assertThat(curl("--cacert", site.ca().toString(), "https://localhost:" + balancer.tlsPort()
                + "/app/x?echo=X-Forwarded-Proto")).containsExactly("0", "https");
    }

    /**
     * HTTP/1.1 over TLS is the engine's: a malformed head gets the engine's own 400 reason (Jetty's
     * parser, which a Jetty-path connection would use, answers otherwise), whether ALPN negotiated
     * {@code http/1.1}, the client sent no ALPN, or the listener offers no ALPN at all.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "alpn offered {0}, client asks {1}")
    @org.junit.jupiter.params.provider.CsvSource({"'[h2, http/1.1]', http/1.1", "'[h2, http/1.1]', none",
            "'[http/1.1]', none"})
    void http11OverTlsIsServedByTheEngine(String offered, String asked) throws Exception {
        start(pem(site.cert(), site.key()) + "    alpn: " + offered + "\n", "");
        try (SSLSocket s = socket(balancer.port(), "localhost", asked.equals("none") ? null : asked)) {
            OutputStream out = s.getOutputStream();
            out.write("GET /app/x HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n");
            assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).isEqualTo("bad request: malformed request head\n");
        }
    }

    /**
     * On one kept-alive TLS connection the engine serves an engine route, then hands a route with
     * {@code data_path: jetty} to Jetty's HTTP/1.1, where the request is secure too.
     */
    @Test
    void aJettyRouteOverTlsIsHandedToTheJettyPath() throws Exception {
        String yaml = "server:\n  address: 127.0.0.1\n  port: 0\n  shutdown_grace_period: 1s\n  tls:\n"
                + pem(site.cert(), site.key())
                + "routes:\n  - path: /app\n    backends: [\"" + backend.uri() + "\"]\n"
                + "  - path: /legacy\n    data_path: jetty\n    backends: [\"" + backend.uri() + "\"]\n";
        balancer = standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML));
        try (SSLSocket s = socket(balancer.port(), "localhost")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(body(s, in, "/app/x?echo=X-Forwarded-Proto")).isEqualTo("https");
            assertThat(body(s, in, "/legacy/x?echo=X-Forwarded-Proto")).isEqualTo("https");
            assertThat(body(s, in, "/legacy/y")).isEqualTo("b1");
        }
        assertThat(backend.requests).hasSize(3);
    }

    /** One keep-alive GET of {@code target} on an open socket, read with {@code in}; its body (status 200). */
    private static String body(SSLSocket s, BufferedReader in, String target) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = in.readLine();
        assertThat(status).startsWith("HTTP/1.1 200 ");
        int length = -1;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        assertThat(length).as("a Content-Length").isNotNegative();
        char[] body = new char[length];
        for (int n = 0; n < length; ) {
            int r = in.read(body, n, length - n);
            assertThat(r).isPositive();
            n += r;
        }
        return new String(body);
    }

    // ---- clients -------------------------------------------------------------------------------

    private HttpClient jettyClient(Object unusedArgument) throws Exception {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setTrustStore(trustStore());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        java.security.PrivateKey k = dev.jlb.jetty.tls.TlsFiles.load(dev.jlb.jetty.tls.KeySource.pem(clientCert,
                clientKey), java.time.Instant.now()).entries().get(0).key();
        ks.setKeyEntry("client", k, "pw".toCharArray(), new X509Certificate[] {certificate(clientCert)});
        ssl.setKeyStore(ks);
        ssl.setKeyStorePassword("pw");
        return started(ssl);
    }

    private HttpClient jettyClientWithoutCertificate() throws Exception {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setTrustStore(trustStore());
        return started(ssl);
    }

    private HttpClient started(SslContextFactory.Client ssl) throws Exception {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        HttpClient client = new HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(connector));
        client.setConnectTimeout(5000);
        client.start();
        standalone.closeLater(client::stop);
        return client;
    }

    private static KeyStore trustStore() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", certificate(site.ca()));
        return ts;
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** A TLS socket that accepts any certificate, sending {@code sni} (none when null). */
    static SSLSocket socket(int port, String sni) throws Exception {
        return socket(port, sni, null);
    }

    /** A TLS socket that accepts any certificate, sending {@code sni} and ALPN {@code alpn} (none when null). */
    static SSLSocket socket(int port, String sni, String alpn) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (alpn != null) {
            p.setApplicationProtocols(new String[] {alpn});
        }
        s.setSSLParameters(p);
        s.startHandshake();
        if (alpn != null) {
            assertThat(s.getApplicationProtocol()).isEqualTo(alpn);
        }
        return s;
    }

    static String subject(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    static String peerSubject(int port, String sni) throws Exception {
        try (SSLSocket s = socket(port, sni)) {
            return subject(s);
        }
    }

    /** One keep-alive request on an open socket; the status line and headers up to the body. */
    private static String get(SSLSocket s) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write("GET /app/x HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        StringBuilder head = new StringBuilder();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.append(line).append('\n');
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        for (int i = 0; i < length; i++) {
            in.read();
        }
        return head.toString();
    }
}
