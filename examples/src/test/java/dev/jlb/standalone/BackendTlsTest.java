package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.testing.TestPki;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code https://} backends through the standalone: a private CA, hostname verification, SNI,
 * {@code insecure}, a client certificate for backends that require one, and health checks that
 * verify as requests do. Real TLS servers on loopback with certificates made at test time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackendTlsTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    static Path ca;
    static Path clientCert;
    static Path clientKey;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Standalone balancer;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.ca("backend ca");
        ca = pki.writeCa(dir.resolve("backend-ca.pem"));
        TestPki.Issued jlb = pki.client("jlb");
        clientCert = TestPki.writeCerts(dir.resolve("jlb.pem"), jlb.cert());
        clientKey = TestPki.writeKey(dir.resolve("jlb.key"), jlb.key());
    }

    @AfterEach
    void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /** A TLS backend whose certificate names {@code names}; asking for a client certificate when {@code mtls}. */
    private TestBackend backend(String name, boolean mtls, String... names) throws Exception {
        TestPki.Issued issued = pki.server(name, names);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", issued.key(), "pw".toCharArray(), new X509Certificate[] {issued.cert(), pki.ca.cert()});
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(ks);
        ssl.setKeyStorePassword("pw");
        if (mtls) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", pki.ca.cert());
            ssl.setTrustStore(ts);
            ssl.setNeedClientAuth(true);
        }
        TestBackend b = new TestBackend(name, ssl);
        closing.add(b);
        return b;
    }

    private void start(TestBackend backend, String route) throws Exception {
        String yaml = "server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s}\n"
                + "admin: {address: 127.0.0.1, port: 0}\n"
                + "routes:\n  - path: /app\n    backends: [\"" + backend.uri() + "\"]\n" + route;
        balancer = Standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML), line -> { });
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void privateCa() throws Exception {
        TestBackend b = backend("b1", false, "127.0.0.1");
        start(b, "    backend_tls: {ca: " + ca + "}\n");
        HttpResponse<String> r = get("/app/x?echo=Host");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(b.requests.size()).isEqualTo(1);
    }

    @Test
    void withoutTheCaTheJdkTrustStoreRefusesIt() throws Exception {
        TestBackend b = backend("b1", false, "127.0.0.1");
        start(b, "    retry: {attempts: 1}\n");
        HttpResponse<String> r = get("/app/x");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).isEqualTo("bad gateway: TLS handshake with a backend failed: its certificate is not "
                + "signed by a trusted CA\n");
        assertThat(b.requests.size()).isZero();
    }

    @Test
    void hostnameMismatchIsRefusedWithAReason() throws Exception {
        TestBackend b = backend("b1", false, "other.test");
        start(b, "    retry: {attempts: 1}\n    backend_tls: {ca: " + ca + "}\n");
        HttpResponse<String> r = get("/app/x");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).isEqualTo("bad gateway: TLS handshake with a backend failed: its certificate does not "
                + "name it\n");
        assertThat(b.requests.size()).isZero();
    }

    @Test
    void verifyHostnameOffStillVerifiesTheChain() throws Exception {
        TestBackend b = backend("b1", false, "other.test");
        start(b, "    backend_tls: {ca: " + ca + ", verify_hostname: false}\n");
        assertThat(get("/app/x").statusCode()).isEqualTo(200);
        balancer.close();
        balancer = null;
        start(b, "    retry: {attempts: 1}\n    backend_tls: {verify_hostname: false}\n");
        assertThat(get("/app/x").statusCode()).isEqualTo(502);
    }

    @Test
    void sniNameIsSentAndVerified() throws Exception {
        TestBackend b = backend("b1", false, "api.internal");
        start(b, "    backend_tls: {ca: " + ca + ", sni: api.internal}\n");
        assertThat(get("/app/x").statusCode()).isEqualTo(200);
        assertThat(b.requests.size()).isEqualTo(1);
    }

    @Test
    void insecureAcceptsAnyCertificateAndSaysSoOnTheStatusPage() throws Exception {
        TestBackend b = backend("b1", false, "other.test");
        start(b, "    backend_tls: {insecure: true}\n");
        assertThat(get("/app/x").statusCode()).isEqualTo(200);
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + balancer.adminPort() + "/admin/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).contains("WARNING").contains("route /app: backend_tls.insecure is on");
    }

    @Test
    void clientCertificateForBackendsThatRequireOne() throws Exception {
        TestBackend b = backend("b1", true, "127.0.0.1");
        start(b, "    backend_tls: {ca: " + ca + ", cert: " + clientCert + ", key: " + clientKey + "}\n");
        assertThat(get("/app/x").statusCode()).isEqualTo(200);
        balancer.close();
        balancer = null;
        start(b, "    retry: {attempts: 1}\n    backend_tls: {ca: " + ca + "}\n");
        assertThat(get("/app/x").statusCode()).isEqualTo(502);
    }

    @Test
    void healthChecksVerifyAsRequestsDo() throws Exception {
        TestBackend good = backend("good", true, "127.0.0.1");
        TestBackend mismatch = backend("mismatch", true, "other.test");
        String yaml = "server: {address: 127.0.0.1, port: 0, shutdown_grace_period: 1s}\nroutes:\n"
                + "  - path: /good\n    backends: [\"" + good.uri() + "\"]\n"
                + "    health_check: {path: /health, interval: 1h, timeout: 20s}\n"
                + "    backend_tls: {ca: " + ca + ", cert: " + clientCert + ", key: " + clientKey + "}\n"
                + "  - path: /mismatch\n    backends: [\"" + mismatch.uri() + "\"]\n"
                + "    health_check: {path: /health, interval: 1h, timeout: 20s}\n"
                + "    backend_tls: {ca: " + ca + ", cert: " + clientCert + ", key: " + clientKey + "}\n";
        balancer = Standalone.start(ConfigLoader.parse(yaml, "test.yaml", ConfigFormat.YAML), line -> { });
        // The first check runs at once; its result decides at once. Bounded wait for it.
        BackendStats goodStats = await("/good", s -> good.healthChecks.get() > 0 && s.state() == BackendState.HEALTHY);
        assertThat(goodStats.state()).as(goodStats.stateReason()).isEqualTo(BackendState.HEALTHY);
        BackendStats bad = await("/mismatch", s -> s.state() == BackendState.UNHEALTHY);
        assertThat(bad.state()).isEqualTo(BackendState.UNHEALTHY);
        assertThat(bad.stateReason()).contains("TLS handshake failed");
        assertThat(mismatch.arrivals.get()).isZero();
    }

    private BackendStats await(String route, Predicate<BackendStats> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            BackendStats s = balancer.loadBalancer(route).stats().backends().get(0);
            if (done.test(s) || System.nanoTime() > deadline) {
                return s;
            }
            Thread.onSpinWait();
            Thread.sleep(20);
        }
    }
}
