package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.tls.BackendTls;
import dev.jlb.jetty.tls.KeySource;
import dev.jlb.jetty.tls.ServerTls;
import dev.jlb.jetty.tls.ServerTls.ClientAuth;
import dev.jlb.testing.TestPki;
import dev.jlb.jetty.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.tls} and {@code backend_tls}: what the files hold is judged at its key, with line and path. */
class TlsConfigTest {

    @TempDir
    static Path dir;
    static TestPki pki;
    static Path cert;
    static Path key;
    static Path ca;

    @BeforeAll
    static void files() throws Exception {
        pki = TestPki.ca("test ca");
        TestPki.ServerFiles site = pki.writeServer(dir, "site", "localhost", "127.0.0.1");
        cert = site.cert();
        key = site.key();
        ca = site.ca();
    }

    private static String server(String tls) {
        return "server:\n  port: 8443\n  tls:\n" + tls + "routes:\n  - path: /\n    backends: [http://127.0.0.1:9]\n";
    }

    @Test
    void pemCertificateAndKeyWithDefaults() throws Exception {
        ServerTls tls = yaml(server("    cert: " + cert + "\n    key: " + key + "\n")).server().tls();
        assertThat(tls.certificates()).containsExactly(KeySource.pem(cert, key));
        assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
        assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.port()).isEqualTo(ServerTls.SAME_PORT);
        assertThat(tls.reloadInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void everyKey() throws Exception {
        Path p12 = pki.writePkcs12(dir.resolve("other.p12"), pki.server("other", "other.test"), "secret");
        ServerTls tls = ConfigLoader.parse(server("    port: 8443\n    certificates:\n      - {cert: " + cert + ", key: " + key + "}\n"
                + "      - {keystore: " + p12 + ", password_env: KS_PASS}\n"
                + "    client_auth: required\n    client_ca: " + ca + "\n    protocols: [TLSv1.3]\n"
                + "    cipher_suites: [TLS_AES_128_GCM_SHA256]\n    redirect_http: true\n    reload_interval: 0s\n"
                + "    alpn: [http/1.1, h2]\n")
                .replace("port: 8443\n  tls", "port: 8080\n  tls"), "config.yaml", ConfigFormat.YAML,
                name -> name.equals("KS_PASS") ? "secret" : null).server().tls();
        assertThat(tls.certificates()).hasSize(2);
        assertThat(tls.certificates().get(1)).isEqualTo(KeySource.keyStore(p12, "secret"));
        assertThat(tls.certificates().get(1).toString()).doesNotContain("secret");
        assertThat(tls.clientAuth()).isEqualTo(ClientAuth.REQUIRED);
        assertThat(tls.clientCa()).isEqualTo(ca);
        assertThat(tls.protocols()).containsExactly("TLSv1.3");
        assertThat(tls.cipherSuites()).containsExactly("TLS_AES_128_GCM_SHA256");
        assertThat(tls.port()).isEqualTo(8443);
        assertThat(tls.redirectHttp()).isTrue();
        assertThat(tls.reloadInterval()).isZero();
        assertThat(tls.alpn()).containsExactly("http/1.1", "h2");
    }

    @Test
    void alpnOffersH2ThenHttp11ByDefaultAndRefusesOtherNames() throws Exception {
        assertThat(yaml(server("    cert: " + cert + "\n    key: " + key + "\n")).server().tls().alpn())
                .containsExactly("h2", "http/1.1");
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key + "\n    alpn: [h2, spdy/3]\n")))
                .containsExactly("config.yaml:6: server.tls.alpn[1]: spdy/3 (expected: h2 or http/1.1)");
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key + "\n    alpn: [h2, h2]\n")))
                .containsExactly("config.yaml:6: server.tls.alpn: [h2, h2] (expected: each protocol once)");
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key + "\n    alpn: []\n")))
                .containsExactly("config.yaml:6: server.tls.alpn: [] (expected: a list such as [h2, http/1.1])");
    }

    private static List<String> problems(String yaml) {
        // password_env is read from a fixed environment in these tests.
        try {
            ConfigLoader.parse(yaml, "config.yaml", ConfigFormat.YAML, name -> name.equals("KS_PASS") ? "secret" : null);
        } catch (ConfigException e) {
            return e.lines();
        }
        throw new AssertionError("expected problems in:\n" + yaml);
    }

    @Test
    void missingFile() {
        assertThat(yamlProblems(server("    cert: " + dir.resolve("nope.pem") + "\n    key: " + key + "\n")))
                .containsExactly("config.yaml:4: server.tls.cert: " + dir.resolve("nope.pem")
                        + " (expected: an existing file; there is none)");
    }

    @Test
    void keyOfAnotherCertificate() throws Exception {
        Path other = TestPki.writeKey(dir.resolve("other.key"), TestPki.ec().getPrivate());
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + other + "\n")))
                .containsExactly("config.yaml:5: server.tls.key: " + other + " (expected: the private key of the "
                        + "certificate in " + cert + ", CN=site)");
    }

    @Test
    void rsaKeyOfAnotherCertificate() throws Exception {
        TestPki.Issued rsa = pki.issue("rsa", false, TestPki.rsa(), Instant.now(), Instant.now().plusSeconds(3600));
        Path rsaCert = TestPki.writeCerts(dir.resolve("rsa.pem"), rsa.cert());
        Path otherKey = TestPki.writeTraditionalKey(dir.resolve("other-rsa.key"), TestPki.rsa());
        assertThat(yamlProblems(server("    cert: " + rsaCert + "\n    key: " + otherKey + "\n")))
                .singleElement().asString().contains("server.tls.key: " + otherKey + " (expected: the private key of");
    }

    @Test
    void traditionalKeysAreRead() throws Exception {
        // PKCS#1 (BEGIN RSA PRIVATE KEY) and SEC1 (BEGIN EC PRIVATE KEY), as openssl genrsa / ecparam write them.
        java.security.KeyPair rsaPair = TestPki.rsa();
        TestPki.Issued rsa = pki.issue("rsa", false, rsaPair, Instant.now(), Instant.now().plusSeconds(3600), "rsa.test");
        Path rsaCert = TestPki.writeCerts(dir.resolve("rsa1.pem"), rsa.cert());
        Path rsaKey = TestPki.writeTraditionalKey(dir.resolve("rsa1.key"), rsaPair);
        assertThat(java.nio.file.Files.readString(rsaKey)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        java.security.KeyPair ecPair = TestPki.ec();
        TestPki.Issued ec = pki.issue("ec", false, ecPair, Instant.now(), Instant.now().plusSeconds(3600), "ec.test");
        Path ecCert = TestPki.writeCerts(dir.resolve("ec1.pem"), ec.cert());
        Path ecKey = TestPki.writeTraditionalKey(dir.resolve("ec1.key"), ecPair);
        assertThat(java.nio.file.Files.readString(ecKey)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        ServerTls tls = yaml(server("    certificates:\n      - {cert: " + rsaCert + ", key: " + rsaKey + "}\n"
                + "      - {cert: " + ecCert + ", key: " + ecKey + "}\n")).server().tls();
        assertThat(tls.certificates()).hasSize(2);
        assertThat(TlsFiles.load(KeySource.pem(rsaCert, rsaKey), Instant.now()).entries().get(0).key().getAlgorithm())
                .isEqualTo("RSA");
        assertThat(TlsFiles.load(KeySource.pem(ecCert, ecKey), Instant.now()).entries().get(0).key().getAlgorithm())
                .isEqualTo("EC");
    }

    @Test
    void encryptedKeyIsRefusedWithWhatToDo() throws Exception {
        Path enc = java.nio.file.Files.writeString(dir.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + enc + "\n"))).singleElement().asString()
                .isEqualTo("config.yaml:5: server.tls.key: " + enc + " (expected: an unencrypted key; this one is "
                        + "encrypted (decrypt it with openssl pkcs8 -topk8 -nocrypt, or use a PKCS#12 keystore with a "
                        + "password))");
    }

    @Test
    void certificateFileWithoutCertificates() {
        assertThat(yamlProblems(server("    cert: " + key + "\n    key: " + key + "\n")))
                .containsExactly("config.yaml:4: server.tls.cert: " + key
                        + " (expected: a PEM file with at least one BEGIN CERTIFICATE block)");
    }

    @Test
    void wrongKeystorePassword() throws Exception {
        Path p12 = pki.writePkcs12(dir.resolve("w.p12"), pki.server("w", "w.test"), "right-password");
        Path jks = pki.writeJks(dir.resolve("w.jks"), pki.server("w", "w.test"), "right-password");
        assertThat(yamlProblems(server("    keystore: " + p12 + "\n    password: wrong\n")))
                .containsExactly("config.yaml:5: server.tls.password: 5 characters (expected: the password of " + p12
                        + ")");
        assertThat(yamlProblems(server("    keystore: " + jks + "\n    password: wrong\n")))
                .containsExactly("config.yaml:5: server.tls.password: 5 characters (expected: the password of " + jks
                        + ")");
        assertThat(problems(server("    keystore: " + p12 + "\n    password_env: KS_PASS\n")))
                .containsExactly("config.yaml:5: server.tls.password_env: 6 characters (expected: the password of "
                        + p12 + ")");
    }

    @Test
    void jksKeystoreIsRead() throws Exception {
        Path jks = pki.writeJks(dir.resolve("ok.jks"), pki.server("ok", "ok.test"), "changeit");
        assertThat(yaml(server("    keystore: " + jks + "\n    password: changeit\n")).server().tls().certificates())
                .containsExactly(KeySource.keyStore(jks, "changeit"));
    }

    @Test
    void unknownProtocolAndCipherSuite() {
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key
                + "\n    protocols: [TLSv1.3, TLSv1.1]\n    cipher_suites: [TLS_NOPE]\n")))
                .containsExactly("config.yaml:6: server.tls.protocols[1]: TLSv1.1 (expected: TLSv1.2 or TLSv1.3)",
                        "config.yaml:7: server.tls.cipher_suites[0]: TLS_NOPE (expected: a cipher suite of this JVM, "
                                + "such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)");
    }

    @Test
    void clientAuthNeedsItsCa() {
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key + "\n    client_auth: required\n")))
                .containsExactly("config.yaml:6: server.tls.client_auth: required (expected: none without a client_ca "
                        + "(the CAs that sign client certificates))");
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key + "\n    client_auth: maybe\n")))
                .containsExactly("config.yaml:6: server.tls.client_auth: maybe (expected: none, optional or required)");
    }

    @Test
    void redirectNeedsTwoPorts() {
        assertThat(yamlProblems(server("    cert: " + cert + "\n    key: " + key + "\n    redirect_http: true\n")))
                .containsExactly("config.yaml:6: server.tls.redirect_http: true (expected: a tls port of its own "
                        + "(tls.port), beside server.port for the redirect)");
    }

    @Test
    void certWithoutKeyAndTypos() {
        assertThat(yamlProblems(server("    cert: " + cert + "\n    clinet_auth: none\n")))
                .containsExactly("config.yaml:4: server.tls.key: missing (expected: the PEM private key of " + cert + ")",
                        "config.yaml:5: server.tls.clinet_auth: unknown key (did you mean client_auth?)");
    }

    @Test
    void expiredCertificateIsAWarningNotAProblem() throws Exception {
        TestPki.Issued old = pki.issue("old", false, TestPki.ec(), Instant.parse("2020-01-01T00:00:00Z"),
                Instant.parse("2020-02-01T00:00:00Z"), "old.test");
        Path oldCert = TestPki.writeCerts(dir.resolve("old.pem"), old.cert());
        Path oldKey = TestPki.writeKey(dir.resolve("old.key"), old.key());
        assertThat(yaml(server("    cert: " + oldCert + "\n    key: " + oldKey + "\n")).server().tls()).isNotNull();
        assertThat(TlsFiles.load(KeySource.pem(oldCert, oldKey), Instant.now()).warnings())
                .containsExactly("cert: " + oldCert + ": certificate CN=old expired on 2020-02-01T00:00:00Z");
    }

    private static String route(String backendTls) {
        return "routes:\n  - path: /\n    backends: [https://127.0.0.1:9]\n    backend_tls:\n" + backendTls;
    }

    @Test
    void backendTlsKeys() throws Exception {
        TestPki.Issued client = pki.client("jlb");
        Path clientCert = TestPki.writeCerts(dir.resolve("client.pem"), client.cert());
        Path clientKey = TestPki.writeKey(dir.resolve("client.key"), client.key());
        BackendTls tls = yaml(route("      ca: " + ca + "\n      cert: " + clientCert + "\n      key: " + clientKey
                + "\n      sni: api.internal\n      verify_hostname: false\n      protocols: [TLSv1.2]\n"))
                .routes().get(0).proxy().backendTls();
        assertThat(tls.ca()).isEqualTo(ca);
        assertThat(tls.clientCertificate()).isEqualTo(KeySource.pem(clientCert, clientKey));
        assertThat(tls.sni()).isEqualTo("api.internal");
        assertThat(tls.verifyHostname()).isFalse();
        assertThat(tls.insecure()).isFalse();
        assertThat(tls.protocols()).containsExactly("TLSv1.2");
        assertThat(yaml(route("      insecure: true\n")).routes().get(0).proxy().backendTls().insecure()).isTrue();
        assertThat(yaml("routes:\n  - path: /\n    backends: [https://127.0.0.1:9]\n").routes().get(0).proxy()
                .backendTls()).isEqualTo(BackendTls.defaults());
    }

    @Test
    void backendTlsProblems() {
        assertThat(yamlProblems(route("      ca: " + dir.resolve("none.pem") + "\n      sni: 10.0.0.1\n"
                + "      insecrue: true\n")))
                .containsExactly("config.yaml:5: routes[0].backend_tls.ca: " + dir.resolve("none.pem")
                        + " (expected: an existing file; there is none)",
                        "config.yaml:6: routes[0].backend_tls.sni: 10.0.0.1 (expected: a DNS host name such as "
                                + "api.internal)",
                        "config.yaml:7: routes[0].backend_tls.insecrue: unknown key (did you mean insecure?)");
        assertThat(yamlProblems(route("      ca: " + ca + "\n      insecure: true\n")))
                .containsExactly("config.yaml:6: routes[0].backend_tls.insecure: true (expected: false with a ca to "
                        + "verify against)");
    }

    @Test
    void aChangedCaFileMakesTheRouteUnequal() throws Exception {
        Path mine = java.nio.file.Files.copy(ca, dir.resolve("mine.pem"));
        String text = route("      ca: " + mine + "\n");
        RouteConfig before = yaml(text).routes().get(0);
        assertThat(yaml(text).routes().get(0)).isEqualTo(before);
        TestPki.Issued other = TestPki.ca("other ca").ca;
        TestPki.writeCerts(mine, other.cert());
        RouteConfig after = yaml(text).routes().get(0);
        assertThat(after).isNotEqualTo(before);
        assertThat(RouteDiff.of(before, after).proxyChanged()).isTrue();
        assertThat(RouteDiff.of(before, after).healthCheckChanged()).isTrue();
    }
}
