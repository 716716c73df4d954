package dev.jlb.discovery;

import dev.jlb.Backend;
import java.util.Objects;

/**
 * One member of a discovery snapshot: the backend (with its weight and source) and its priority.
 * Priority {@code 0} is the most preferred; a higher priority receives requests only while every
 * backend of every lower priority of the same discovery is down (as SRV records and Envoy's
 * priority levels mean it). Immutable.
 *
 * @param backend the backend, with its weight ({@code 0}: drain it) and its source
 * @param priority {@code >= 0}; lower is preferred
 */
public record DiscoveredBackend(Backend backend, int priority) {

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param backend the backend, with its weight ({@code 0}: drain it) and its source
     * @param priority {@code >= 0}; lower is preferred
     */
    public DiscoveredBackend {
        Objects.requireNonNull(backend, "backend");
        if (priority < 0) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0)");
        }
    }

    /**
     * A backend of priority 0.
     *
     * @param backend the backend
     * @return a backend of priority 0
     */
    public static DiscoveredBackend of(Backend backend) {
        return new DiscoveredBackend(backend, 0);
    }

    @Override
    public String toString() {
        return backend.id() + (backend.weight() == 1 ? "" : "*" + backend.weight()) + (priority == 0 ? "" : " p" + priority);
    }
}
