package dev.jlb.jetty.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The syntax of a configuration file, chosen by its extension. */
public enum ConfigFormat {

    /** YAML 1.2 ({@code .yaml}, {@code .yml}). */
    YAML,

    /** JSON ({@code .json}). */
    JSON;

    /**
     * The format of a file by its extension ({@code .yaml}, {@code .yml}, {@code .json}, any case).
     *
     * @param file the file
     * @return the optional
     */
    public static Optional<ConfigFormat> of(Path file) {
        Path name = file.getFileName();
        String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            return Optional.of(YAML);
        }
        if (lower.endsWith(".json")) {
            return Optional.of(JSON);
        }
        return Optional.empty();
    }
}
