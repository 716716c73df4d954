package dev.jlb.jetty.internal;

import java.util.List;
import java.util.Objects;

/**
 * A feature of lb-jetty that needs an optional dependency, checked before the first class that
 * uses the dependency loads: without it the application gets an {@link IllegalStateException}
 * naming the artifact to add, instead of a {@link NoClassDefFoundError} naming a class.
 *
 * <p>The check looks each class up once, without initializing it, in the class loader that loaded
 * lb-jetty (the one that would load the dependency), and caches the answer. Immutable and
 * thread-safe.
 */
public final class OptionalDependency {

    /** Reading configuration files: YAML and JSON go through jackson-dataformat-yaml's factories. */
    public static final OptionalDependency CONFIG_FILES = new OptionalDependency("reading configuration files",
            List.of(new Requirement("tools.jackson.core.json.JsonFactory", "tools.jackson.core:jackson-core"),
                    new Requirement("tools.jackson.dataformat.yaml.YAMLFactory",
                            "tools.jackson.dataformat:jackson-dataformat-yaml"),
                    new Requirement("org.snakeyaml.engine.v2.api.LoadSettings", "org.snakeyaml:snakeyaml-engine")),
            "tools.jackson.dataformat:jackson-dataformat-yaml");

    /** DNS discovery ({@code dns://} and {@code srv://} backends): dnsjava reads TTLs and SRV records. */
    public static final OptionalDependency DNS = new OptionalDependency("dns:// and srv:// backends",
            List.of(new Requirement("org.xbill.DNS.Resolver", "dnsjava:dnsjava")), "dnsjava:dnsjava");

    private final String feature;
    private final String declare;
    /** The message for the first missing class, or null when every class is there. */
    private final String problem;

    private OptionalDependency(String feature, List<Requirement> requirements, String declare) {
        this.feature = feature;
        this.declare = declare;
        this.problem = firstProblem(feature, requirements, declare);
    }

    /**
     * Returns normally when the dependency is on the class path.
     *
     * @throws IllegalStateException naming the missing artifact, the missing class and the artifact to declare
     */
    public void require() {
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /** Whether the dependency is on the class path. */
    public boolean isPresent() {
        return problem == null;
    }

    private static String firstProblem(String feature, List<Requirement> requirements, String declare) {
        ClassLoader loader = OptionalDependency.class.getClassLoader();
        for (Requirement r : requirements) {
            try {
                Class.forName(r.className, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                return feature + ": no " + r.artifact + " on the class path (expected: " + declare
                        + " and its dependencies, an optional dependency of dev.jlb:lb-jetty that the application"
                        + " declares; class " + r.className + " not found)";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "OptionalDependency[" + feature + ": " + declare + (problem == null ? ", present" : ", missing") + "]";
    }

    /** A class that must be loadable, and the artifact that holds it. */
    private record Requirement(String className, String artifact) {
        Requirement {
            Objects.requireNonNull(className, "className");
            Objects.requireNonNull(artifact, "artifact");
        }
    }
}
