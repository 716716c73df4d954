package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use it from Maven or Gradle" cannot rot: every Java block marked
 * {@code <!-- compiled: FILE -->} is a verbatim excerpt of FILE (a class that EmbeddingExamplesTest
 * runs), every Java block of the section is marked, and every coordinate it gives names a real
 * module or the version the build uses.
 */
class ReadmeTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern COMPILED = Pattern.compile("^<!-- compiled: (\\S+) -->$");
    private static final String SECTION = "## Use it from Maven or Gradle";

    @Test
    void everyMarkedJavaBlockIsCopiedFromTheCompiledExample() throws IOException {
        List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        int checked = 0;
        TreeSet<String> files = new TreeSet<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher m = COMPILED.matcher(readme.get(i));
            if (!m.matches()) {
                continue;
            }
            assertThat(readme.get(i + 1)).as("README line %d: a java block follows the marker", i + 2).isEqualTo("```java");
            List<String> block = block(readme, i + 2);
            List<String> source = Files.readAllLines(ROOT.resolve(m.group(1)));
            assertThat(contains(source, block)).as("README line %d: this block is not in %s:%n%s", i + 3, m.group(1),
                    String.join("\n", block)).isTrue();
            files.add(Path.of(m.group(1)).getFileName().toString());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(6);
        try (Stream<Path> examples = Files.list(ROOT.resolve("examples/src/main/java/dev/jlb/examples"))) {
            assertThat(files).as("every example is shown").containsAll(examples.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("package-info.java")).toList());
        }
    }

    @Test
    void everyJavaBlockOfTheSectionIsMarked() throws IOException {
        List<String> section = section();
        for (int i = 0; i < section.size(); i++) {
            if (section.get(i).equals("```java")) {
                assertThat(i > 0 && COMPILED.matcher(section.get(i - 1)).matches())
                        .as("the java block at line %d of the section has a compiled marker", i + 1).isTrue();
            }
        }
    }

    @Test
    void theCoordinatesAreTheBuildsModulesAndVersions() throws IOException {
        String root = Files.readString(ROOT.resolve("pom.xml"));
        Map<String, String> versions = Map.of(
                "dev.jlb", System.getProperty("jlb.version"),
                "org.eclipse.jetty", property(root, "jetty.version"),
                "org.eclipse.jetty.ee10", property(root, "jetty.version"),
                "tools.jackson.core", property(root, "jackson.version"),
                "tools.jackson.dataformat", property(root, "jackson.version"),
                "io.micrometer", property(root, "micrometer.version"));
        List<String> artifacts = List.of("lb-api", "lb-strategies", "lb-jetty", "jlb-bom", "jlb-standalone");
        String text = String.join("\n", section());
        List<String[]> coordinates = new ArrayList<>();
        Matcher xml = Pattern.compile("<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>"
                + "(\\s*<version>([^<]+)</version>)?").matcher(text);
        while (xml.find()) {
            coordinates.add(new String[] {xml.group(1), xml.group(2), xml.group(4)});
        }
        Matcher gradle = Pattern.compile("\"([\\w.]+):([\\w.-]+)(:([\\w.-]+))?\"").matcher(text);
        while (gradle.find()) {
            coordinates.add(new String[] {gradle.group(1), gradle.group(2), gradle.group(4)});
        }
        assertThat(coordinates).hasSizeGreaterThan(10);
        for (String[] c : coordinates) {
            String coordinate = String.join(":", c[0], c[1], String.valueOf(c[2]));
            assertThat(versions).as("a group the build knows: %s", coordinate).containsKey(c[0]);
            if (c[0].equals("dev.jlb")) {
                assertThat(artifacts).as(coordinate).contains(c[1]);
            }
            if (c[2] != null) {
                assertThat(c[2]).as(coordinate).isEqualTo(versions.get(c[0]));
            }
        }
        assertThat(text).contains("`" + System.getProperty("jlb.version") + "`");
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1);
    }

    private static List<String> section() throws IOException {
        List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        int start = readme.indexOf(SECTION);
        assertThat(start).as("the README has %s", SECTION).isNotNegative();
        int end = start + 1;
        while (end < readme.size() && !readme.get(end).startsWith("## ")) {
            end++;
        }
        return readme.subList(start, end);
    }

    /** The lines of the fenced block that starts at {@code from}, up to its closing fence. */
    private static List<String> block(List<String> lines, int from) {
        int end = from;
        while (!lines.get(end).equals("```")) {
            end++;
        }
        return lines.subList(from, end);
    }

    /** Whether {@code block} is consecutive lines of {@code source}, indented alike by 0, 4 or 8 spaces. */
    static boolean contains(List<String> source, List<String> block) {
        for (int indent : new int[] {0, 4, 8}) {
            String pad = " ".repeat(indent);
            for (int start = 0; start + block.size() <= source.size(); start++) {
                boolean all = true;
                for (int j = 0; all && j < block.size(); j++) {
                    String line = block.get(j);
                    String actual = source.get(start + j);
                    all = line.isEmpty() ? actual.isBlank() : actual.equals(pad + line);
                }
                if (all) {
                    return true;
                }
            }
        }
        return false;
    }
}
