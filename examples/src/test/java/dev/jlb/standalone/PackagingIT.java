package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The artifacts as Maven Central would get them, after {@code package} (failsafe): every jar
 * carries LICENSE and NOTICE, the library jars an Automatic-Module-Name, and the runnable jar a
 * NOTICE that lists exactly what it bundles.
 */
class PackagingIT {

    private static final String VERSION = System.getProperty("jlb.version");
    private static final Path ROOT = Path.of(System.getProperty("jlb.root", "..")).toAbsolutePath().normalize();
    private static final Pattern LISTED = Pattern.compile("^  ([\\w.-]+:[\\w.-]+:[\\w.-]+)\\s+\\S.*$");

    @Test
    void everyLibraryJarHasLicenseNoticeAndAnAutomaticModuleName() throws IOException {
        assertThat(VERSION).as("jlb.version, set by the pom").isNotBlank();
        String[][] modules = {{"lb-api", "dev.jlb.api"}, {"lb-strategies", "dev.jlb.strategies"},
            {"lb-jetty", "dev.jlb.jetty"}};
        String license = Files.readString(ROOT.resolve("LICENSE"));
        String notice = Files.readString(ROOT.resolve("NOTICE"));
        for (String[] module : modules) {
            for (String classifier : List.of("", "-sources", "-javadoc")) {
                Path file = ROOT.resolve(module[0]).resolve("target").resolve(module[0] + "-" + VERSION + classifier + ".jar");
                assertThat(file).exists();
                try (JarFile jar = new JarFile(file.toFile())) {
                    assertThat(text(jar, "META-INF/LICENSE")).as("%s: LICENSE", file).isEqualTo(license);
                    assertThat(text(jar, "META-INF/NOTICE")).as("%s: NOTICE", file).isEqualTo(notice);
                    if (classifier.isEmpty()) {
                        assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                                .as("%s: Automatic-Module-Name", file).isEqualTo(module[1]);
                        assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version"))
                                .isEqualTo(VERSION);
                    }
                }
            }
        }
    }

    @Test
    void theRunnableJarsNoticeListsExactlyWhatItBundles() throws IOException {
        Set<String> bundled = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of(System.getProperty("jlb.bundled")), StandardCharsets.UTF_8)) {
            String[] parts = line.trim().split("\\s+")[0].split(":");
            if (parts.length >= 5) {
                bundled.add(parts[0] + ":" + parts[1] + ":" + parts[parts.length - 2]);
            }
        }
        assertThat(bundled).as("the build's list of bundled artifacts").hasSizeGreaterThan(20)
                .contains("org.eclipse.jetty:jetty-server:12.1.14");

        try (JarFile jar = new JarFile(System.getProperty("jlb.jar"))) {
            assertThat(text(jar, "META-INF/LICENSE")).isEqualTo(Files.readString(ROOT.resolve("LICENSE")));
            String notice = text(jar, "META-INF/NOTICE");
            Set<String> listed = new TreeSet<>();
            for (String line : notice.split("\n")) {
                Matcher m = LISTED.matcher(line);
                if (m.matches()) {
                    listed.add(m.group(1));
                }
            }
            assertThat(listed).as("the libraries META-INF/NOTICE lists (groupId:artifactId:version)").isEqualTo(bundled);

            // The list is what the jar holds: each bundled artifact that describes itself in
            // META-INF/maven/ (most do) is there, and nothing else is.
            Set<String> described = Collections.list(jar.entries()).stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith("META-INF/maven/") && n.endsWith("/pom.properties"))
                    .map(n -> properties(jar, n)).filter(p -> !"dev.jlb".equals(p.getProperty("groupId")))
                    .map(p -> p.getProperty("groupId") + ":" + p.getProperty("artifactId") + ":" + p.getProperty("version"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(described).as("artifacts described in META-INF/maven/").hasSizeGreaterThan(10);
            assertThat(bundled).containsAll(described);

            // Each library's own license files come along: SLF4J's MIT text, Jackson's notices.
            assertThat(text(jar, "META-INF/licenses/slf4j-api-2.0.20/LICENSE.txt")).contains("QOS.ch");
            assertThat(text(jar, "META-INF/licenses/jackson-core-3.3.0/NOTICE")).contains("Tatu Saloranta");
            List<String> loose = new ArrayList<>();
            Collections.list(jar.entries()).forEach(e -> {
                String n = e.getName();
                if (n.startsWith("META-INF/") && n.indexOf('/', 9) < 0 && (n.contains("LICENSE") || n.contains("NOTICE"))
                        && !n.equals("META-INF/LICENSE") && !n.equals("META-INF/NOTICE")) {
                    loose.add(n);
                }
            });
            assertThat(loose).as("license files of libraries outside META-INF/licenses/").isEmpty();
        }
    }

    private static String text(JarFile jar, String name) throws IOException {
        JarEntry entry = jar.getJarEntry(name);
        assertThat(entry).as("%s in %s", name, jar.getName()).isNotNull();
        return new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Properties properties(JarFile jar, String name) {
        Properties p = new Properties();
        try {
            p.load(jar.getInputStream(jar.getJarEntry(name)));
        } catch (IOException e) {
            throw new IllegalStateException(name, e);
        }
        return p;
    }
}
