package dev.jlb.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What an application gets by declaring lb-jetty: Jetty core and slf4j-api, nothing else. The
 * servlet adapters need the ee10 servlet jars (and jetty-ee10-proxy), configuration files and the
 * admin API need Jackson, the metrics package needs Micrometer: all optional, declared by the
 * application that uses them.
 *
 * <p>Checked three ways: Maven's own resolution of lb-jetty (target/dependency-tree*.txt, written by
 * the build), the class files (which of them name servlet or Jackson types), and real requests
 * served in class loaders that hold only the jars of each use.
 */
class DependencyDietTest {

    /** lb-jetty's transitive dependencies for an application that declares only lb-jetty. */
    static final Set<String> CONSUMER = Set.of(
            "dev.jlb:lb-api",
            "dev.jlb:lb-strategies",
            "org.eclipse.jetty:jetty-server",
            "org.eclipse.jetty:jetty-http",
            "org.eclipse.jetty:jetty-io",
            "org.eclipse.jetty:jetty-util",
            "org.eclipse.jetty:jetty-client",
            "org.eclipse.jetty:jetty-alpn-client",
            "org.eclipse.jetty.compression:jetty-compression-gzip",
            "org.eclipse.jetty.compression:jetty-compression-common",
            "org.slf4j:slf4j-api");

    /** lb-jetty's optional dependencies: each for one part, declared by the application that uses it. */
    static final Set<String> OPTIONAL = Set.of(
            "org.eclipse.jetty.ee10:jetty-ee10-proxy",
            "org.eclipse.jetty.ee10:jetty-ee10-servlet",
            "tools.jackson.core:jackson-databind",
            "tools.jackson.dataformat:jackson-dataformat-yaml",
            "io.micrometer:micrometer-core",
            "dnsjava:dnsjava",

            // HTTP/2 to backends (ProxyOptions.backendProtocol h2c or h2); see BackendTransports.
            "org.eclipse.jetty.http2:jetty-http2-client-transport");

    /** What the servlet and the filter add: jetty-ee10-proxy and jetty-ee10-servlet with what they bring. */
    static final Set<String> SERVLET = Set.of(
            "org.eclipse.jetty.ee10:jetty-ee10-proxy",
            "org.eclipse.jetty.ee10:jetty-ee10-servlet",
            "jakarta.servlet:jakarta.servlet-api",
            "org.eclipse.jetty:jetty-security",
            "org.eclipse.jetty:jetty-session");

    /** Class files that may name servlet types (jakarta.servlet, Jetty's ee10). */
    static final List<String> SERVLET_CLASSES = List.of(
            "dev/jlb/jetty/LoadBalancingProxyServlet",
            // The servlet adapter's per-request exchange (its ClientSide and Upstream).
            "dev/jlb/jetty/ServletExchange",
            "dev/jlb/jetty/LoadBalancingFilter",
            // The servlet adapter's WebSocket hand-over (reaches the core request under the servlet).
            "dev/jlb/jetty/ServletUpgrade",
            "dev/jlb/jetty/admin/");

    /**
     * Class files that may name Jackson types: configuration files, the admin API and Kubernetes
     * discovery (it reads the API server's JSON, and a kubeconfig's YAML; only an application that
     * creates one loads them).
     */
    static final List<String> JACKSON_CLASSES = List.of(
            "dev/jlb/jetty/config/",
            "dev/jlb/jetty/admin/",
            "dev/jlb/jetty/discovery/K8sDiscovery",
            "dev/jlb/jetty/discovery/KubeCredentials");

    /** Class files that may name dnsjava types: the DNS lookup of discovery, loaded only after a check. */
    static final List<String> DNSJAVA_CLASSES = List.of("dev/jlb/jetty/discovery/DnsJavaLookup");

    /** A line of a tree: the indentation, then groupId:artifactId:type[:classifier]:version:scope. */
    private static final Pattern NODE = Pattern.compile("^([|+\\\\ -]*)(\\()?([^\\s()]+)(.*)$");

    @Test
    void anApplicationThatDeclaresLbJettyGetsJettyCoreAndSlf4jOnly() throws IOException {
        Map<String, Node> direct = directDependencies(Paths.get("target/dependency-tree.txt"));
        Set<String> transitive = new TreeSet<>(direct.values().stream()
                .filter(n -> !n.optional && (n.scope.equals("compile") || n.scope.equals("runtime")))
                .map(n -> n.ga).collect(Collectors.toSet()));
        Map<String, Set<String>> children = childrenByArtifact(Paths.get("target/dependency-tree-verbose.txt"));
        Deque<String> todo = new ArrayDeque<>(transitive);
        while (!todo.isEmpty()) {
            for (String child : children.getOrDefault(todo.pop(), Set.of())) {
                if (transitive.add(child)) {
                    todo.push(child);
                }
            }
        }
        assertThat(children).as("the verbose tree was read").containsKeys("org.eclipse.jetty:jetty-server",
                "org.eclipse.jetty.ee10:jetty-ee10-servlet");
        assertThat(transitive).as("what an application that declares lb-jetty gets").isEqualTo(new TreeSet<>(CONSUMER));
    }

    @Test
    void everyOtherDependencyIsOptionalOrForTests() throws IOException {
        Map<String, Node> direct = directDependencies(Paths.get("target/dependency-tree.txt"));
        Set<String> optional = direct.values().stream().filter(n -> n.optional).map(n -> n.ga)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> others = direct.values().stream()
                .filter(n -> !n.optional && !n.scope.equals("test") && !CONSUMER.contains(n.ga)).map(n -> n.ga + ":" + n.scope)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(optional).isEqualTo(new TreeSet<>(OPTIONAL));
        assertThat(others).as("direct dependencies that are neither for everyone, optional nor for tests").isEmpty();
        assertThat(direct).as("jetty-proxy: no class of lb-jetty uses it").doesNotContainKey("org.eclipse.jetty:jetty-proxy");
    }

    @Test
    void onlyTheServletAdaptersAndTheAdminServletNameServletTypes() throws IOException {
        Map<String, List<String>> users = classesNaming("jakarta/servlet", "org/eclipse/jetty/ee10");
        assertThat(users.get("in place")).as("the check sees the servlet adapters").contains(
                "dev/jlb/jetty/LoadBalancingProxyServlet.class", "dev/jlb/jetty/LoadBalancingFilter.class",
                "dev/jlb/jetty/ServletUpgrade.class");
        assertThat(offenders(users, SERVLET_CLASSES))
                .as("classes outside the servlet adapters that name servlet types (a handler-only application"
                        + " has none: NoClassDefFoundError)").isEmpty();
    }

    @Test
    void onlyConfigurationFilesAndTheAdminApiNameJacksonTypes() throws IOException {
        Map<String, List<String>> users = classesNaming("tools/jackson", "org/snakeyaml", "com/fasterxml/jackson");
        assertThat(users.get("in place")).as("the check sees Jackson where it is").contains(
                "dev/jlb/jetty/admin/AdminJson.class");
        assertThat(offenders(users, JACKSON_CLASSES)).as("classes outside config and admin that name Jackson types")
                .isEmpty();
    }

    @Test
    void onlyTheDnsLookupNamesDnsjavaTypes() throws IOException {
        Map<String, List<String>> users = classesNaming("org/xbill/DNS");
        assertThat(users.get("in place")).as("the check sees dnsjava where it is")
                .contains("dev/jlb/jetty/discovery/DnsJavaLookup.class");
        assertThat(offenders(users, DNSJAVA_CLASSES)).as("classes outside the DNS lookup that name dnsjava types").isEmpty();
    }

    @Test
    void theHandlerServesRequestsWithJettyCoreAndSlf4jOnly() throws Exception {
        try (URLClassLoader loader = loader(CONSUMER)) {
            assertMissing(loader, "jakarta.servlet.Servlet", "tools.jackson.core.JsonParser",
                    "org.eclipse.jetty.ee10.servlet.ServletContextHandler");
            assertThat(run(loader, ConsumerProbe.Handler.class)).isEqualTo("handler 200 b");
            assertThat(run(loader, ConsumerProbe.ConfigFile.class)).isEqualTo("reading configuration files: no"
                    + " tools.jackson.core:jackson-core on the class path (expected:"
                    + " tools.jackson.dataformat:jackson-dataformat-yaml and its dependencies, an optional dependency"
                    + " of dev.jlb:lb-jetty that the application declares; class tools.jackson.core.json.JsonFactory"
                    + " not found)");
        }
    }

    @Test
    void theServletAndTheFilterServeRequestsWithoutJacksonTheAdminServletNeedsIt() throws Exception {
        Set<String> jars = new HashSet<>(CONSUMER);
        jars.addAll(SERVLET);
        try (URLClassLoader loader = loader(jars)) {
            assertMissing(loader, "tools.jackson.core.JsonParser", "tools.jackson.databind.JsonNode");
            assertThat(run(loader, ConsumerProbe.Servlets.class)).isEqualTo("servlet 200 b, filter 200 b");
            // The JVM links AdminServlet (whose code is Jackson throughout) before its constructor
            // could check anything: the error names a Jackson class, and the README the artifact.
            assertThat(run(loader, ConsumerProbe.Admin.class))
                    .isEqualTo("java.lang.NoClassDefFoundError: tools/jackson/databind/JsonNode");
        }
    }

    @Test
    void aConfigurationFileNeedsJacksonDataformatYamlAndNamesIt() throws Exception {
        Set<String> jars = new HashSet<>(CONSUMER);
        jars.addAll(Set.of("tools.jackson.core:jackson-core", "tools.jackson.core:jackson-databind",
                "com.fasterxml.jackson.core:jackson-annotations"));
        try (URLClassLoader loader = loader(jars)) {
            assertThat(run(loader, ConsumerProbe.ConfigFile.class)).isEqualTo("reading configuration files: no"
                    + " tools.jackson.dataformat:jackson-dataformat-yaml on the class path (expected:"
                    + " tools.jackson.dataformat:jackson-dataformat-yaml and its dependencies, an optional dependency"
                    + " of dev.jlb:lb-jetty that the application declares; class"
                    + " tools.jackson.dataformat.yaml.YAMLFactory not found)");
        }
        jars.addAll(Set.of("tools.jackson.dataformat:jackson-dataformat-yaml", "org.snakeyaml:snakeyaml-engine"));
        try (URLClassLoader loader = loader(jars)) {
            assertThat(run(loader, ConsumerProbe.ConfigFile.class)).isEqualTo("loaded");
        }
    }

    // ---------------------------------------------------------------- Maven's dependency trees

    /** A node of a tree: groupId:artifactId, scope, optional. */
    private record Node(String ga, String scope, boolean optional, int depth, boolean omitted) {
    }

    private static List<Node> nodes(Path file) throws IOException {
        assertThat(file).as("written by the build (mvn test or later phases)").exists();
        List<Node> nodes = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            Matcher m = NODE.matcher(line);
            String[] parts = m.matches() ? m.group(3).split(":") : new String[0];
            assertThat(parts.length).as("a dependency line: %s", line).isBetween(5, 6);
            nodes.add(new Node(parts[0] + ":" + parts[1], parts[parts.length - 1], m.group(4).contains("(optional)"),
                    m.group(1).length() / 3, m.group(2) != null));
        }
        return nodes;
    }

    /** lb-jetty's own dependencies (depth 1), by groupId:artifactId. */
    private static Map<String, Node> directDependencies(Path file) throws IOException {
        Map<String, Node> direct = new LinkedHashMap<>();
        for (Node n : nodes(file)) {
            if (n.depth == 1) {
                direct.put(n.ga, n);
            }
        }
        assertThat(direct).as("lb-jetty's dependencies").containsKeys("org.eclipse.jetty:jetty-server", "dev.jlb:lb-api");
        return direct;
    }

    /**
     * What each artifact depends on, from the verbose tree, where each artifact is expanded once and
     * appears again as "omitted for duplicate" wherever else something depends on it.
     */
    private static Map<String, Set<String>> childrenByArtifact(Path file) throws IOException {
        Map<String, Set<String>> children = new TreeMap<>();
        Deque<Node> path = new ArrayDeque<>();
        for (Node n : nodes(file)) {
            while (path.size() >= n.depth) {
                path.pop();
            }
            if (!path.isEmpty()) {
                children.computeIfAbsent(path.peek().ga, k -> new LinkedHashSet<>()).add(n.ga);
            }
            path.push(n);
        }
        return children;
    }

    // ---------------------------------------------------------------- class files

    /** Class files of lb-jetty that contain one of {@code prefixes}; "in place" lists all of them. */
    private static Map<String, List<String>> classesNaming(String... prefixes) throws IOException {
        Path classes = Paths.get("target/classes");
        List<String> found = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                checked++;
                if (Stream.of(prefixes).anyMatch(bytes::contains)) {
                    found.add(classes.relativize(file).toString().replace(File.separatorChar, '/'));
                }
            }
        }
        assertThat(checked).isGreaterThan(20);
        return Map.of("in place", found);
    }

    private static List<String> offenders(Map<String, List<String>> users, List<String> allowed) {
        Predicate<String> ok = name -> allowed.stream().anyMatch(name::startsWith);
        return users.get("in place").stream().filter(ok.negate()).sorted().toList();
    }

    // ---------------------------------------------------------------- class loaders

    /**
     * A class loader over lb-jetty's classes, its test classes (the probes) and the jars of
     * {@code artifacts} from the test class path, with the JDK as parent: nothing else.
     */
    private static URLClassLoader loader(Set<String> artifacts) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        Map<String, String> found = new TreeMap<>();
        Path own = Paths.get("target").toAbsolutePath().normalize();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path path = Paths.get(entry).toAbsolutePath().normalize();
            String ga = artifacts.stream().filter(a -> isArtifact(path, a)).findFirst().orElse(null);
            if (ga != null) {
                found.put(ga, entry);
            }
            if (ga != null || path.equals(own.resolve("classes")) || path.equals(own.resolve("test-classes"))) {
                urls.add(path.toUri().toURL());
            }
        }
        assertThat(found.keySet()).as("every jar of the set is on the test class path").isEqualTo(new TreeSet<>(artifacts));
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    /**
     * Whether a class path entry is the given artifact: a jar in a Maven repository
     * ({@code .../group/path/artifactId/version/artifactId-version.jar}) or, for jlb's own modules, the
     * reactor's {@code artifactId/target/classes} or jar.
     */
    private static boolean isArtifact(Path path, String ga) {
        String group = ga.substring(0, ga.indexOf(':'));
        String artifact = ga.substring(ga.indexOf(':') + 1);
        if (group.equals("dev.jlb")) {
            for (Path p = path; p != null && p.getParent() != null; p = p.getParent()) {
                if (p.getFileName().toString().equals("target") && p.getParent().getFileName().toString().equals(artifact)) {
                    return true;
                }
            }
        }
        Path versionDir = path.getParent();
        Path artifactDir = versionDir == null ? null : versionDir.getParent();
        return artifactDir != null && path.getFileName().toString().startsWith(artifact + "-")
                && artifactDir.getFileName().toString().equals(artifact)
                && artifactDir.getParent() != null && artifactDir.getParent().endsWith(group.replace('.', File.separatorChar));
    }

    private static void assertMissing(ClassLoader loader, String... classNames) {
        for (String name : classNames) {
            boolean found;
            try {
                Class.forName(name, false, loader);
                found = true;
            } catch (ClassNotFoundException e) {
                found = false;
            }
            assertThat(found).as("%s is not visible", name).isFalse();
        }
    }

    private static Object run(ClassLoader loader, Class<?> probe) throws Exception {
        Class<?> loaded = Class.forName(probe.getName(), true, loader);
        assertThat(loaded.getClassLoader()).isSameAs(loader);
        return loaded.getMethod("run").invoke(null);
    }
}
