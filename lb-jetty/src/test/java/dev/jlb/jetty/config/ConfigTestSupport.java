package dev.jlb.jetty.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;

/** Helpers for configuration tests. */
final class ConfigTestSupport {

    private ConfigTestSupport() {
    }

    static JlbConfig yaml(String text) throws ConfigException {
        return ConfigLoader.parse(text, "config.yaml", ConfigFormat.YAML);
    }

    static JlbConfig json(String text) throws ConfigException {
        return ConfigLoader.parse(text, "config.json", ConfigFormat.JSON);
    }

    /** The problem lines of a YAML text that must not validate. */
    static List<String> yamlProblems(String text) {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(text, "config.yaml", ConfigFormat.YAML));
        assertThat(e).as("expected problems in:%n%s", text).isNotNull();
        return e.lines();
    }

    static List<String> jsonProblems(String text) {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.parse(text, "config.json", ConfigFormat.JSON));
        assertThat(e).as("expected problems in:%n%s", text).isNotNull();
        return e.lines();
    }
}
