package dev.jlb.jetty.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects the problems of one file, so that all of them are reported at once. Not thread-safe. */
final class Problems {

    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();

    Problems(String file) {
        this.file = file;
    }

    /**
     * Records {@code <path>: <message>} at {@code line}, unless a problem with the same path and line
     * is already recorded (one value gets one message, the first found: a YAML alias reported as
     * such is not reported again as a value of the wrong type).
     */
    void add(int line, String path, String message) {
        // A key may hold a line break or a control character: a problem stays one printed line.
        path = Values.escapeControls(path);
        if (!path.isEmpty() && !reported.add(line + ":" + path)) {
            return;
        }
        problems.add(new ConfigProblem(file, line, path, message));
    }

    /** Records a problem of the file's syntax at a line and column. */
    void syntax(int line, int column, String message) {
        problems.add(new ConfigProblem(file, line, column, "", message));
    }

    /** Records {@code <path>: <shown value> (expected: <expected>)} at the node's line. */
    void invalid(Node node, String path, String expected) {
        add(node.line(), path, node.display() + " (expected: " + expected + ")");
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** The problems sorted by line (stable: one line keeps the order of discovery). */
    List<ConfigProblem> sorted() {
        List<ConfigProblem> copy = new ArrayList<>(problems);
        copy.sort(Comparator.comparingInt(ConfigProblem::line));
        return copy;
    }

    void throwIfAny() throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(sorted());
        }
    }
}
