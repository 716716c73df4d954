package dev.jlb.jetty.config;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A configuration file that cannot be used, with every problem found in it (not only the first).
 * The message is one problem per line, in file order, as {@link ConfigProblem#toString()} prints it.
 */
public final class ConfigException extends Exception {

    /** Every problem found, in file order. */
    private final List<ConfigProblem> problems;

    /**
     * @param problems at least one problem
     */
    public ConfigException(List<ConfigProblem> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(List<ConfigProblem> problems) {
        Objects.requireNonNull(problems, "problems");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: [] (expected: at least one problem)");
        }
        return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
    }

    /** {@return the problems, in file order (by line; problems on one line in the order they were found)} */
    public List<ConfigProblem> problems() {
        return problems;
    }

    /** {@return the problems as printed lines, in order} */
    public List<String> lines() {
        return problems.stream().map(ConfigProblem::toString).toList();
    }
}
