package dev.jlb.simulate;

import java.util.List;

/** A scenario file that cannot be simulated; {@link #lines()} holds every problem, one per line. */
final class ScenarioException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> lines;

    ScenarioException(List<String> lines) {
        super(String.join("\n", lines));
        this.lines = List.copyOf(lines);
    }

    List<String> lines() {
        return lines;
    }
}
