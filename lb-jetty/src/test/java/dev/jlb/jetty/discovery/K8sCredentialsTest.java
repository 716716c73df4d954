package dev.jlb.jetty.discovery;

import static dev.jlb.jetty.discovery.FakeApiServer.ep;
import static dev.jlb.jetty.discovery.FakeApiServer.list;
import static dev.jlb.jetty.discovery.FakeApiServer.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.discovery.DiscoveredBackend;
import dev.jlb.testing.TestPki;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How K8sDiscovery finds and authenticates to the API server: kubeconfig (inline and files), in-cluster, refusals. */
class K8sCredentialsTest {
    @TempDir
    Path dir;

    private TestPki pki;
    private FakeApiServer api;
    private final List<List<DiscoveredBackend>> snapshots = new CopyOnWriteArrayList<>();

    @BeforeEach
    void pki() throws Exception {
        pki = TestPki.ca("test-cluster-ca");
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    /** An https API server with a certificate of {@code pki} for 127.0.0.1, requiring client certificates of it when asked. */
    private FakeApiServer https(boolean needClientAuth) throws Exception {
        Path keyStore = pki.writePkcs12(dir.resolve("server.p12"), pki.server("api", "127.0.0.1"), "pw");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.ca.cert());
        Path trustStore = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, "pw".toCharArray());
        }
        FakeApiServer s = new FakeApiServer(keyStore, trustStore, needClientAuth);
        s.listBody = list("7", slice("api-a", "7", ep("10.0.0.1", true, true, false)));
        return s;
    }

    private static String b64(Path file) throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }

    private void awaitSnapshot() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (snapshots.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(snapshots).as("a membership from the API server").isNotEmpty();
        assertThat(snapshots.get(0)).extracting(d -> d.backend().id()).containsExactly("10.0.0.1:8080");
    }

    @Test
    void aKubeconfigWithInlineCertificatesReachesAnApiServerThatRequiresThem() throws Exception {
        api = https(true);
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        TestPki.Issued client = pki.client("jlb-client");
        Path cert = TestPki.writeCerts(dir.resolve("client.pem"), client.cert());
        Path key = TestPki.writeKey(dir.resolve("client.key"), client.key());
        Path kubeconfig = Files.writeString(dir.resolve("config"), """
                apiVersion: v1
                kind: Config
                current-context: test
                clusters:
                - name: test-cluster
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                contexts:
                - name: test
                  context: {cluster: test-cluster, user: test-user, namespace: default}
                users:
                - name: test-user
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                """.formatted(api.url(), b64(ca), b64(cert), b64(key)));
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(kubeconfig).build()) {
            d.start(snapshots::add);
            awaitSnapshot();
        }
        assertThat(api.requests).isNotEmpty().allSatisfy(r -> assertThat(r).endsWith(" null CN=jlb-client"));
    }

    @Test
    void aKubeconfigsFilesAreReadFromItsDirectoryAndItsContextCanBeChosen() throws Exception {
        api = https(false);
        Path sub = Files.createDirectories(dir.resolve("kube"));
        pki.writeCa(sub.resolve("ca.crt"));
        Files.writeString(sub.resolve("token"), "file-token\n");
        Path kubeconfig = Files.writeString(sub.resolve("config"), """
                current-context: elsewhere
                clusters:
                - name: other
                  cluster: {server: "https://127.0.0.1:1"}
                - name: here
                  cluster: {server: "%s", certificate-authority: ca.crt}
                contexts:
                - name: elsewhere
                  context: {cluster: other, user: nobody}
                - name: mine
                  context: {cluster: here, user: me}
                users:
                - name: nobody
                  user: {token: wrong}
                - name: me
                  user: {tokenFile: token}
                """.formatted(api.url()));
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(kubeconfig).context("mine").build()) {
            d.start(snapshots::add);
            awaitSnapshot();
        }
        assertThat(api.requests).isNotEmpty().allSatisfy(r -> assertThat(r).contains(" Bearer file-token "));
    }

    @Test
    void anApiServerWithAnUntrustedCertificateIsAFailureAndGivesNoMembership() throws Exception {
        api = https(false);
        Path otherCa = TestPki.ca("someone-else").writeCa(dir.resolve("other.pem"));
        List<Duration> delays = new CopyOnWriteArrayList<>();
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").apiServer(api.url()).caFile(otherCa)
                .backoffClock(delays::add, () -> 0.5).build()) {
            d.start(snapshots::add);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (d.stats().failures() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(d.stats().failures()).isGreaterThanOrEqualTo(2);
            assertThat(d.stats().lastError()).containsIgnoringCase("SSL");
            assertThat(snapshots).isEmpty();
        }
        assertThat(api.requests).as("no request got through the handshake").isEmpty();
    }

    @Test
    void inAClusterTheServiceAccountsTokenAndCaAreUsed() throws Exception {
        api = https(false);
        Path account = Files.createDirectories(dir.resolve("serviceaccount"));
        pki.writeCa(account.resolve("ca.crt"));
        Files.writeString(account.resolve("token"), "pod-token");
        Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1",
                "KUBERNETES_SERVICE_PORT", String.valueOf(api.port()));
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").environment(env::get, account).build()) {
            d.start(snapshots::add);
            awaitSnapshot();
        }
        assertThat(api.requests).isNotEmpty().allSatisfy(r -> assertThat(r).contains(" Bearer pod-token "));
    }

    @Test
    void outsideAClusterTheKubeconfigVariableOrTheHomeDirectoryIsRead() throws Exception {
        api = new FakeApiServer();
        api.listBody = list("3", slice("api-a", "3", ep("10.0.0.1", true, true, false)));
        Path home = Files.createDirectories(dir.resolve("home/.kube")).getParent();
        Files.writeString(home.resolve(".kube/config"), """
                {"current-context": "c", "clusters": [{"name": "k", "cluster": {"server": "%s"}}],
                 "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
                 "users": [{"name": "u", "user": {"token": "home-token"}}]}
                """.formatted(api.url()));
        Map<String, String> env = Map.of("HOME", home.toString());
        try (K8sDiscovery d = K8sDiscovery.builder("k8s://api.shop:http").environment(env::get, dir).build()) {
            d.start(snapshots::add);
            awaitSnapshot();
        }
        assertThat(api.requests).isNotEmpty().allSatisfy(r -> assertThat(r).contains(" Bearer home-token "));

        Map<String, String> nothing = Map.of("HOME", dir.resolve("nowhere").toString());
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").environment(nothing::get, dir).check())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("k8s://api.shop:http (expected: an api_server or a kubeconfig; not in a cluster"
                        + " (KUBERNETES_SERVICE_HOST/PORT unset), KUBECONFIG unset and no ~/.kube/config)");
    }

    @Test
    void kubeconfigsThatJlbCannotUseAreRefusedWithTheFieldAndTheReason() throws Exception {
        Path exec = Files.writeString(dir.resolve("exec"), """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]
                contexts: [{name: c, context: {cluster: k, user: u}}]
                users: [{name: u, user: {exec: {command: aws}}}]
                """);
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(exec).check())
                .hasMessage("kubeconfig: " + exec + ": users[u].exec (expected: token, tokenFile, or client-certificate"
                        + " and client-key; credential plugins and passwords are not supported)");
        Path insecure = Files.writeString(dir.resolve("insecure"), """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]
                contexts: [{name: c, context: {cluster: k, user: u}}]
                users: [{name: u, user: {token: t}}]
                """);
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(insecure).check())
                .hasMessageContaining("clusters[k].insecure-skip-tls-verify: true (expected: certificate-authority");
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(insecure).context("gone").check())
                .hasMessage("kubeconfig: " + insecure + ": contexts: no entry named gone (expected: an entry of contexts"
                        + " with that name)");
        Path missingCa = Files.writeString(dir.resolve("missing-ca"), """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: nope.crt}}]
                contexts: [{name: c, context: {cluster: k}}]
                """);
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(missingCa).check())
                .hasMessageStartingWith("kubeconfig: " + missingCa + ": certificate-authority: "
                        + dir.resolve("nope.crt") + " (expected: a readable PEM file");
        Path badData = Files.writeString(dir.resolve("bad-data"), """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: "%s"}}]
                contexts: [{name: c, context: {cluster: k}}]
                """.formatted(Base64.getEncoder().encodeToString("not pem".getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(badData).check())
                .hasMessageContaining("certificate authority (expected: a PEM BEGIN CERTIFICATE block)");
        assertThatThrownBy(() -> K8sDiscovery.builder("k8s://api.shop:http").kubeconfig(dir.resolve("absent")).check())
                .hasMessageStartingWith("kubeconfig: " + dir.resolve("absent") + " (expected: a readable file");
    }
}
