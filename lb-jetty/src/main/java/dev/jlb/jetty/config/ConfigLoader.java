package dev.jlb.jetty.config;

import dev.jlb.jetty.internal.OptionalDependency;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * Loads a jlb configuration file: YAML or JSON, chosen by the extension ({@code .yaml}, {@code .yml},
 * {@code .json}), in either form (the Go original's single-route keys or the native {@code routes}).
 *
 * <pre>{@code
 * JlbConfig config = ConfigLoader.load(Path.of("config.yaml"));
 * }</pre>
 *
 * <p>Every problem is reported at once in the thrown {@link ConfigException}, each as
 * {@code <file>:<line>: <field.path>: <value> (expected: <constraint>)}, for example
 * {@code config.yaml:12: routes[0].backends[1].weight: -1 (expected: >= 0)}. Unknown keys are
 * problems too (with a suggestion for a close spelling), and so are unknown strategy names: nothing
 * is silently replaced by a default. Strategy names and options are checked against
 * {@link dev.jlb.StrategyRegistry}.
 *
 * <p>A file is at most {@value #MAX_FILE_BYTES} bytes, a value at most 65,536 characters and a key
 * at most 1,024: beyond, the problem says so (at once, whatever the size).
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

    /**
     * The largest configuration file read, in bytes (4 MiB): some forty times a file with 10,000
     * backends, and small enough that a file that is no configuration is refused at once.
     */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private ConfigLoader() {
    }

    /**
     * Reads and validates a file.
     *
     * @param file the file
     * @return the jlb config
     * @throws ConfigException when the file cannot be read, has an unknown extension, or is not a
     * valid configuration; with every problem found
     * @throws IllegalStateException when tools.jackson.dataformat:jackson-dataformat-yaml, an optional
     * dependency of lb-jetty, is not on the class path; the message names it
     */
    public static JlbConfig load(Path file) throws ConfigException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        Problems problems = new Problems(name);
        ConfigFormat format = ConfigFormat.of(file).orElse(null);
        if (format == null) {
            problems.add(0, "", "unknown file type (expected: a name ending in .yaml, .yml or .json)");
            problems.throwIfAny();
        }
        String text;
        try {
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                long size = Files.size(file);
                problems.add(0, "", "the file is " + (size > MAX_FILE_BYTES ? size : "more than " + MAX_FILE_BYTES)
                        + " bytes (expected: at most " + MAX_FILE_BYTES + ")");
                throw new ConfigException(problems.sorted());
            }
            ByteBuffer in = ByteBuffer.wrap(bytes);
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(in).toString();
            } catch (CharacterCodingException e) {
                // The decoder stops at the first byte that is not UTF-8: name its line.
                int line = 1;
                for (int i = 0; i < in.position(); i++) {
                    line += bytes[i] == '\n' ? 1 : 0;
                }
                problems.add(line, "", "not UTF-8 text (expected: a UTF-8 file)");
                throw new ConfigException(problems.sorted());
            }
        } catch (NoSuchFileException e) {
            problems.add(0, "", "no such file (expected: a readable file)");
            throw new ConfigException(problems.sorted());
        } catch (IOException e) {
            problems.add(0, "", "cannot be read: " + e + " (expected: a readable file)");
            throw new ConfigException(problems.sorted());
        }
        return parse(text, name, format);
    }

    /**
     * Validates configuration text; {@code fileName} is used in the messages only.
     *
     * @param text the text
     * @param fileName the file name
     * @param format the format
     * @return the jlb config
     * @throws ConfigException with every problem found
     * @throws IllegalStateException when tools.jackson.dataformat:jackson-dataformat-yaml is not on the
     * class path (see {@link #load(Path)})
     */
    public static JlbConfig parse(String text, String fileName, ConfigFormat format) throws ConfigException {
        return parse(text, fileName, format, System::getenv);
    }

    /** As {@link #parse(String, String, ConfigFormat)}, reading environment variables from {@code environment}. */
    static JlbConfig parse(String text, String fileName, ConfigFormat format, Function<String, String> environment)
            throws ConfigException {
        OptionalDependency.CONFIG_FILES.require(); // before TreeReader loads Jackson
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(format, "format");
        Problems problems = new Problems(fileName);
        Node root = TreeReader.read(text, format, problems);
        JlbConfig config = root == null ? null : ConfigValidator.validate(root, problems, environment);
        problems.throwIfAny();
        return Objects.requireNonNull(config, "config");
    }
}
