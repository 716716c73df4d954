package dev.jlb.jetty.config;

import java.util.Objects;

/**
 * One problem found in a configuration file: where it is and what is wrong.
 *
 * <p>{@link #toString()} is the line jlb prints, {@code <file>:<line>: <path>: <message>}, for
 * example {@code config.yaml:12: routes[0].backends[1].weight: -1 (expected: >= 0)}. The message
 * usually reads {@code <value> (expected: <constraint>)}.
 *
 * @param file the file name as it was given to the loader
 * @param line the 1-based line, or 0 when the problem concerns the file as a whole
 * @param path the field path, such as {@code routes[0].backends[1].weight}; empty for the file itself
 * @param message what is wrong
 */
public record ConfigProblem(String file, int line, String path, String message) {

    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line: " + line + " (expected: >= 0)");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
