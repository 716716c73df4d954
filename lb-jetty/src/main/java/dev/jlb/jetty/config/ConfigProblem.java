package dev.jlb.jetty.config;

import java.util.Objects;

/**
 * One problem found in a configuration file: where it is and what is wrong.
 *
 * <p>{@link #toString()} is the line jlb prints, {@code <file>:<line>: <path>: <message>}, for
 * example {@code config.yaml:12: routes[0].backends[1].weight: -1 (expected: >= 0)}, and for a
 * syntax error, which has a column too, {@code <file>:<line>:<column>: <message>}. The message
 * usually reads {@code <value> (expected: <constraint>)}.
 *
 * @param file the file name as it was given to the loader
 * @param line the 1-based line, or 0 when the problem concerns the file as a whole
 * @param column the 1-based column (in characters, a tab counting one), or 0 when the problem is a
 *     value's or a key's rather than a position's (every problem but a syntax error)
 * @param path the field path, such as {@code routes[0].backends[1].weight}; empty for the file itself
 * @param message what is wrong
 */
public record ConfigProblem(String file, int line, int column, String path, String message) {

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param file the file name as it was given to the loader
     * @param line the 1-based line, or 0 when the problem concerns the file as a whole
     * @param column the 1-based column (in characters, a tab counting one), or 0 when the problem is a value's or a key's rather than a position's (every problem but a syntax error)
     * @param path the field path, such as {@code routes[0].backends[1].weight}; empty for the file itself
     * @param message what is wrong
     */
    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line: " + line + " (expected: >= 0)");
        }
        if (column < 0 || (column > 0 && line == 0)) {
            throw new IllegalArgumentException("column: " + column + " (expected: >= 0, and 0 without a line)");
        }
    }

    /**
     * A problem without a column.
     *
     * @param file the file
     * @param line the line
     * @param path the path
     * @param message the message
     */
    public ConfigProblem(String file, int line, String path, String message) {
        this(file, line, 0, path, message);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        if (column > 0) {
            sb.append(':').append(column);
        }
        sb.append(": ");
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
