package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.json;
import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jlb.jetty.admin.AdminOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code admin:} section. */
class AdminConfigTest {

    private static final String ROUTE = "servers: [\"http://a:1\"]\n";

    @Test
    void withoutTheSectionThereIsNoAdminListener() throws Exception {
        assertThat(yaml(ROUTE).admin()).isEqualTo(AdminConfig.DISABLED);
        assertThat(AdminConfig.DISABLED.enabled()).isFalse();
    }

    @Test
    void anEmptySectionTurnsItOnWithTheDefaults() throws Exception {
        AdminConfig admin = yaml("admin: {}\n" + ROUTE).admin();
        assertThat(admin).isEqualTo(AdminConfig.DEFAULTS);
        assertThat(admin.enabled()).isTrue();
        assertThat(admin.address()).isEqualTo("127.0.0.1");
        assertThat(admin.port()).isEqualTo(9901);
        assertThat(admin.bearerToken()).isNull();
        assertThat(admin.window()).isEqualTo(AdminOptions.DEFAULT_WINDOW);
        assertThat(admin.metrics()).isTrue();
        assertThat(admin.latencyWindow()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void everyKey() throws Exception {
        AdminConfig admin = yaml("""
                admin:
                  enabled: true
                  address: 0.0.0.0
                  port: 9000
                  bearer_token: "0123456789abcdef-token"
                  protect_reads: true
                  window: 30s
                  metrics: false
                  metrics_latency_window: 2m
                """ + ROUTE).admin();
        assertThat(admin).isEqualTo(new AdminConfig(true, "0.0.0.0", 9000, "0123456789abcdef-token", true,
                Duration.ofSeconds(30), false, Duration.ofMinutes(2)));
        assertThat(admin.toString()).contains("bearerToken=(set)").doesNotContain("0123456789abcdef-token");
        AdminOptions options = admin.options();
        assertThat(options.isBearerToken("0123456789abcdef-token")).isTrue();
        assertThat(options.protectReads()).isTrue();
        assertThat(options.window()).isEqualTo(Duration.ofSeconds(30));
        assertThat(json("{\"admin\": {\"port\": 0}, \"servers\": [\"http://a:1\"]}").admin().port()).isZero();
    }

    @Test
    void allowedHosts() throws Exception {
        AdminConfig admin = yaml("admin:\n  allowed_hosts: [jlb.internal, \"*.admin.example\", 192.0.2.7]\n" + ROUTE).admin();
        assertThat(admin.allowedHosts()).containsExactly("jlb.internal", "*.admin.example", "192.0.2.7");
        assertThat(admin.options().allowedHosts()).containsExactly("jlb.internal", "*.admin.example", "192.0.2.7");
        assertThat(AdminConfig.DEFAULTS.allowedHosts()).isEmpty();
        assertThat(yamlProblems("admin:\n  allowed_hosts:\n    - ok.example\n    - \"jlb:9901\"\n    - 7\n" + ROUTE))
                .containsExactly(
                        "config.yaml:4: admin.allowed_hosts[1]: \"jlb:9901\" (expected: a host name, *. and a domain,"
                                + " or an IP address, without a port)",
                        "config.yaml:5: admin.allowed_hosts[2]: 7 (expected: text)");
        assertThat(yamlProblems("admin: {allowed_hosts: jlb.internal}\n" + ROUTE)).containsExactly(
                "config.yaml:1: admin.allowed_hosts: jlb.internal (expected: a list of host names or addresses)");
    }

    @Test
    void allowedBackends() throws Exception {
        AdminConfig admin = yaml("admin:\n  allowed_backends: [\"10.0.0.0/8\", \"127.0.0.1:8081-8089\", \"*.internal\"]\n"
                + ROUTE).admin();
        assertThat(admin.allowedBackends()).containsExactly("10.0.0.0/8", "127.0.0.1:8081-8089", "*.internal");
        assertThat(admin.options().isAllowedBackend(dev.jlb.Backend.of("http://169.254.169.254"))).isFalse();
        assertThat(admin.options().isAllowedBackend(dev.jlb.Backend.of("http://127.0.0.1:8085"))).isTrue();
        assertThat(AdminConfig.DEFAULTS.options().isAllowedBackend(dev.jlb.Backend.of("http://169.254.169.254")))
                .as("without the list, any backend").isTrue();
        assertThat(yamlProblems("admin:\n  allowed_backends:\n    - 10.0.0.0/33\n" + ROUTE)).containsExactly(
                "config.yaml:3: admin.allowed_backends[0]: \"10.0.0.0/33\" (expected: an address or CIDR block"
                        + " (10.0.0.0/8, [fd00::]/8), a host name or *. and a domain, each with an optional :port or"
                        + " :port-port)");
    }

    @Test
    void badValuesAreReportedWithTheirLine() {
        assertThat(yamlProblems("""
                admin:
                  port: 70000
                  bearer_token: short
                  window: 0s
                  metrics: yes please
                  protect_read: true
                """ + ROUTE)).containsExactly(
                "config.yaml:2: admin.port: 70000 (expected: <= 65535)",
                "config.yaml:3: admin.bearer_token: 5 characters (expected: at least 16 visible ASCII characters)",
                "config.yaml:4: admin.window: 0s (expected: > 0)",
                "config.yaml:5: admin.metrics: \"yes please\" (expected: true or false)",
                "config.yaml:6: admin.protect_read: unknown key (did you mean protect_reads?)");
        assertThat(yamlProblems("admin: {protect_reads: true}\n" + ROUTE)).containsExactly(
                "config.yaml:1: admin.protect_reads: true (expected: a bearer_token to protect them with)");
        assertThat(yamlProblems("admin: 9901\n" + ROUTE)).containsExactly(
                "config.yaml:1: admin: 9901 (expected: a mapping)");
    }
}
