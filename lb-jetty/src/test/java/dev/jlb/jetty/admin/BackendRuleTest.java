package dev.jlb.jetty.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jlb.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The entries of the admin API's allowed backends. */
class BackendRuleTest {

    private static boolean allows(String rule, String uri) {
        return BackendRule.parse(rule, "r").allows(Backend.of(uri));
    }

    @Test
    void addressesAndCidrBlocks() {
        assertThat(allows("10.0.0.0/8", "http://10.1.2.3:8080")).isTrue();
        assertThat(allows("10.0.0.0/8", "http://11.0.0.1:8080")).isFalse();
        assertThat(allows("192.168.4.0/22", "http://192.168.7.255")).isTrue();
        assertThat(allows("192.168.4.0/22", "http://192.168.8.0")).isFalse();
        assertThat(allows("127.0.0.1", "http://127.0.0.1:1")).isTrue();
        assertThat(allows("127.0.0.1", "http://127.0.0.2:1")).isFalse();
        assertThat(allows("0.0.0.0/0", "http://169.254.169.254")).isTrue();
        assertThat(allows("fd00::/8", "http://[fd12::1]:8080")).isTrue();
        assertThat(allows("[fd00::]/8", "http://[fe80::1]:8080")).isFalse();
        assertThat(allows("::1", "http://[::1]:8080")).isTrue();
        assertThat(allows("fd00::/8", "http://10.0.0.1")).as("another family").isFalse();
        assertThat(allows("10.0.0.0/8", "http://ten.internal")).as("names are never resolved").isFalse();
    }

    @Test
    void namesAndDomains() {
        assertThat(allows("api.internal", "http://API.internal:80")).isTrue();
        assertThat(allows("api.internal", "http://web.internal:80")).isFalse();
        assertThat(allows("*.svc.cluster.local", "http://api.ns.svc.cluster.local:8080")).isTrue();
        assertThat(allows("*.svc.cluster.local", "http://svc.cluster.local:8080")).isFalse();
        assertThat(allows("*.svc.cluster.local", "http://evilsvc.cluster.local:8080")).isFalse();
        assertThat(allows("*.internal", "http://10.0.0.1")).as("an address is not a name").isFalse();
    }

    @Test
    void portsAndRanges() {
        assertThat(allows("127.0.0.1:8081-8089", "http://127.0.0.1:8085")).isTrue();
        assertThat(allows("127.0.0.1:8081-8089", "http://127.0.0.1:8080")).as("jlb's own port").isFalse();
        assertThat(allows("127.0.0.1:8081-8089", "http://127.0.0.1:9901")).as("the admin port").isFalse();
        assertThat(allows("[::1]:8080", "http://[::1]:8080")).isTrue();
        assertThat(allows("[fd00::]/8:443", "https://[fd00::5]")).isTrue();
        assertThat(allows("[fd00::]/8:443", "http://[fd00::5]")).isFalse();
        assertThat(allows("*.internal:443", "https://api.internal")).isTrue();
        assertThat(allows("*.internal:443", "http://api.internal")).isFalse();
    }

    @Test
    void badEntriesAreRefusedWithTheExpectedForm() {
        for (String bad : List.of("", "10.0.0.0/33", "10.0.0.1/x", "::1/129", "[::1", "[::1]x", "a b", "host:0",
                "host:70000", "host:9-1", "*.", "a..b", "host:", "10.0.0.0/8/8")) {
            assertThatThrownBy(() -> BackendRule.parse(bad, "allowedBackends[3]")).as(bad)
                    .hasMessage("allowedBackends[3]: \"" + bad + "\" (expected: " + BackendRule.EXPECTED + ")");
        }
    }

    @Test
    void optionsAdmitAnyBackendWithoutRules() {
        assertThat(AdminOptions.defaults().isAllowedBackend(Backend.of("http://169.254.169.254"))).isTrue();
        AdminOptions options = AdminOptions.builder().allowedBackends(List.of("10.0.0.0/8", "*.internal")).build();
        assertThat(options.isAllowedBackend(Backend.of("http://10.0.0.1"))).isTrue();
        assertThat(options.isAllowedBackend(Backend.of("http://a.internal"))).isTrue();
        assertThat(options.isAllowedBackend(Backend.of("http://169.254.169.254"))).isFalse();
        assertThat(options.allowedBackends()).containsExactly("10.0.0.0/8", "*.internal");
        assertThat(options.toString()).contains("allowedBackends=[10.0.0.0/8, *.internal]");
    }
}
