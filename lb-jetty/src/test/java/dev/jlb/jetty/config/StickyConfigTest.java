package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.json;
import static dev.jlb.jetty.config.ConfigTestSupport.yaml;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jlb.jetty.ProxyOptions;
import dev.jlb.jetty.StickyCookie;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpCookie;
import org.junit.jupiter.api.Test;

/** The {@code sticky:} section of a route: reading, binding to {@link StickyCookie}, and its problems. */
class StickyConfigTest {

    static final String SECRET = "s3cret-0123456789abcdef";
    static final String OLD = "old-secret-0123456789";

    private static RouteConfig route(String sticky) throws ConfigException {
        return yaml("routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:8081\"]\n" + sticky).routes().get(0);
    }

    private static List<String> problems(String sticky) {
        return yamlProblems("routes:\n  - path: /api\n    backends: [\"http://127.0.0.1:8081\"]\n" + sticky);
    }

    @Test
    void withoutTheSectionStickySessionsAreOff() throws Exception {
        JlbConfig config = yaml("routes: [{path: /api, backends: [\"http://127.0.0.1:8081\"]}]");
        RouteConfig route = config.routes().get(0);

        assertThat(route.proxy().stickyCookie()).isSameAs(StickyCookie.disabled());
        assertThat(ConfigBinder.proxyOptions(route, config.server()).stickyCookie()).isSameAs(StickyCookie.disabled());
        assertThat(yaml("servers: [\"http://127.0.0.1:8081\"]").routes().get(0).proxy().stickyCookie())
                .as("the Go form").isSameAs(StickyCookie.disabled());
    }

    @Test
    void anEmptySectionTurnsThemOnWithTheLibraryDefaults() throws Exception {
        RouteConfig route = route("    sticky: {}\n");

        assertThat(route.proxy().stickyCookie().isEnabled()).isTrue();
        assertThat(route.proxy().stickyCookie()).isEqualTo(StickyCookie.builder().build());
        assertThat(route.proxy().stickyCookie().toString()).isEqualTo("StickyCookie{name=JLB_STICKY, secret=random per"
                + " process, sameSite=Lax, maxAge=session, path=(mount point), forwardToBackends=false}");
    }

    @Test
    void everySettingIsReadAndBound() throws Exception {
        RouteConfig route = route("""
                    sticky:
                      cookie: SRV
                      secret: "%s"
                      fallback_secrets: ["%s"]
                      same_site: Strict
                      max_age: 1h30m
                      path: /
                      domain: .example.com
                      forward_to_backends: true
                """.formatted(SECRET, OLD));

        assertThat(route.proxy().stickyCookie()).isEqualTo(StickyCookie.builder().name("SRV")
                .secret(SECRET).fallbackSecrets(OLD).sameSite(HttpCookie.SameSite.STRICT)
                .maxAge(Duration.ofMinutes(90)).path("/").domain(".example.com").forwardToBackends(true).build());
        assertThat(route.toString()).as("secrets never shown").doesNotContain(SECRET).doesNotContain(OLD)
                .contains("StickyCookie{name=SRV, secret=configured, fallbackSecrets=1, sameSite=Strict, "
                        + "maxAge=90m, path=/, domain=.example.com, forwardToBackends=true}");
    }

    @Test
    void enabledFalseKeepsThemOff() throws Exception {
        RouteConfig route = route("    sticky: {enabled: false, cookie: SRV}\n");
        assertThat(route.proxy().stickyCookie().isEnabled()).isFalse();
        assertThat(route.proxy().stickyCookie()).isSameAs(StickyCookie.disabled());
    }

    @Test
    void theSecretMayComeFromAnEnvironmentVariable() throws Exception {
        String text = """
                routes:
                  - path: /
                    backends: ["http://127.0.0.1:8081"]
                    sticky: {secret_env: JLB_STICKY_SECRET}
                """;
        RouteConfig route = ConfigLoader.parse(text, "config.yaml", ConfigFormat.YAML,
                Map.of("JLB_STICKY_SECRET", SECRET)::get).routes().get(0);

        assertThat(route.proxy().stickyCookie()).as("the variable's secret")
                .isEqualTo(StickyCookie.builder().secret(SECRET).build());
        assertThat(route.toString()).contains("secret=configured").doesNotContain(SECRET);

        ConfigException unset = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(text, "config.yaml", ConfigFormat.YAML, Map.<String, String>of()::get));
        assertThat(unset.lines()).containsExactly("config.yaml:4: routes[0].sticky.secret_env: JLB_STICKY_SECRET "
                + "(expected: the name of an environment variable that is set)");
        ConfigException tooShort = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(text, "config.yaml", ConfigFormat.YAML, Map.of("JLB_STICKY_SECRET", "abc")::get));
        assertThat(tooShort.lines()).containsExactly("config.yaml:4: routes[0].sticky.secret_env: JLB_STICKY_SECRET "
                + "holds 3 bytes (expected: a secret of >= 16 bytes)");
    }

    @Test
    void theJsonFormReadsTheSameSection() throws Exception {
        RouteConfig route = json("""
                {"routes": [{"path": "/api", "backends": ["http://127.0.0.1:8081"],
                             "sticky": {"cookie": "SRV", "max_age": "10m", "same_site": "none"}}]}
                """).routes().get(0);
        assertThat(ConfigBinder.proxyOptions(route, ServerConfig.DEFAULTS)).isEqualTo(ProxyOptions.builder()
                .prefix("/api").stickyCookie(StickyCookie.builder().name("SRV").maxAge(Duration.ofMinutes(10))
                        .sameSite(HttpCookie.SameSite.NONE).build())
                .build());
    }

    @Test
    void everyProblemIsReportedWithoutShowingSecrets() {
        List<String> problems = problems("""
                    sticky:
                      cookie: "my cookie"
                      secret: short
                      secret_env: ALSO
                      fallback_secrets: ["%s", tiny, 7]
                      same_site: sometimes
                      max_age: 500ms
                      path: api
                      domain: "exa mple.com"
                      forward_to_backends: "yes"
                      enabeld: true
                """.formatted(OLD));

        assertThat(problems).containsExactly(
                "config.yaml:5: routes[0].sticky.cookie: \"my cookie\" (expected: a cookie name (an HTTP token) such as"
                        + " JLB_STICKY)",
                "config.yaml:6: routes[0].sticky.secret: 5 bytes (expected: a secret of >= 16 bytes)",
                "config.yaml:7: routes[0].sticky.secret_env: ALSO (expected: either secret or secret_env, not both)",
                "config.yaml:8: routes[0].sticky.fallback_secrets[1]: 4 bytes (expected: a secret of >= 16 bytes)",
                "config.yaml:8: routes[0].sticky.fallback_secrets[2]: 7 (expected: a secret as text)",
                "config.yaml:9: routes[0].sticky.same_site: sometimes (expected: one of lax, strict, none)",
                "config.yaml:10: routes[0].sticky.max_age: 500ms (expected: >= 1s)",
                "config.yaml:11: routes[0].sticky.path: api (expected: a path starting with /, without spaces or ;)",
                "config.yaml:12: routes[0].sticky.domain: \"exa mple.com\" (expected: a host name such as example.com)",
                "config.yaml:13: routes[0].sticky.forward_to_backends: \"yes\" (expected: true or false)",
                "config.yaml:14: routes[0].sticky.enabeld: unknown key (did you mean enabled?)");
        assertThat(String.join("\n", problems)).doesNotContain("short").doesNotContain("tiny").doesNotContain(OLD);
        assertThat(problems("    sticky: true\n"))
                .containsExactly("config.yaml:4: routes[0].sticky: true (expected: a mapping)");
    }
}
