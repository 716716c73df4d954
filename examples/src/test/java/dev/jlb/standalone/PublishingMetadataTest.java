package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What Maven Central requires of every deployed pom (name, description, url, licenses, developers,
 * scm: the modules inherit the last four from the parent), and the BOM: a pom without a parent, at
 * the parent's version, that manages exactly the library modules.
 */
class PublishingMetadataTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void theParentCarriesWhatCentralRequiresAndEveryModuleANameAndDescription() throws Exception {
        Element parent = pom(ROOT.resolve("pom.xml"));
        assertCentralMetadata(parent, "pom.xml");
        assertThat(parent.getAttribute("child.project.url.inherit.append.path")).isEqualTo("false");
        assertThat(text(child(parent, "properties"), "project.build.outputTimestamp"))
                .as("reproducible builds").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(releaseProfilePlugins(parent)).contains("maven-gpg-plugin", "central-publishing-maven-plugin");

        List<String> modules = texts(child(parent, "modules"), "module");
        assertThat(modules).contains("lb-api", "lb-strategies", "lb-jetty", "examples", "bom.xml");
        for (String module : modules) {
            Path file = module.endsWith(".xml") ? ROOT.resolve(module) : ROOT.resolve(module).resolve("pom.xml");
            Element pom = pom(file);
            assertThat(text(pom, "name")).as("%s: name", file).isNotBlank();
            assertThat(text(pom, "description")).as("%s: description", file).hasSizeGreaterThan(20);
            if (!"pom".equals(text(pom, "packaging"))) {
                assertThat(text(child(pom, "properties"), "jlb.module.name")).as("%s: Automatic-Module-Name", file)
                        .startsWith("dev.jlb.");
            }
        }
    }

    @Test
    void theBomHasNoParentTheParentsVersionAndManagesEveryLibraryModule() throws Exception {
        Element parent = pom(ROOT.resolve("pom.xml"));
        Element bom = pom(ROOT.resolve("bom.xml"));
        assertThat(child(bom, "parent")).as("a parent would import its dependencyManagement (Jetty, Jackson...)").isNull();
        assertThat(text(bom, "artifactId")).isEqualTo("jlb-bom");
        assertThat(text(bom, "groupId")).isEqualTo(text(parent, "groupId"));
        assertThat(text(bom, "version")).isEqualTo(text(parent, "version"));
        assertCentralMetadata(bom, "bom.xml");
        assertThat(releaseProfilePlugins(bom)).contains("maven-gpg-plugin", "central-publishing-maven-plugin");

        TreeSet<String> libraries = new TreeSet<>();
        for (String module : texts(child(parent, "modules"), "module")) {
            if (!module.endsWith(".xml")) {
                Element pom = pom(ROOT.resolve(module).resolve("pom.xml"));
                if (!text(pom, "artifactId").equals("jlb-standalone")) {
                    libraries.add(text(pom, "artifactId"));
                }
            }
        }
        TreeSet<String> managed = new TreeSet<>();
        for (Element d : children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
            assertThat(text(d, "groupId")).isEqualTo("dev.jlb");
            assertThat(text(d, "version")).isEqualTo("${project.version}");
            managed.add(text(d, "artifactId"));
        }
        assertThat(managed).isEqualTo(libraries).contains("lb-api", "lb-strategies", "lb-jetty");
        assertThat(text(child(bom, "build"), "directory")).as("its own target directory").endsWith("/target/jlb-bom");
    }

    @Test
    void theRunnableArtifactHasTheNameAUserSearchesFor() throws Exception {
        Element pom = pom(ROOT.resolve("examples/pom.xml"));
        assertThat(text(pom, "artifactId")).isEqualTo("jlb-standalone");
        assertThat(Files.readString(ROOT.resolve("examples/pom.xml"))).contains("<finalName>jlb</finalName>");
    }

    private static void assertCentralMetadata(Element pom, String name) {
        assertThat(text(pom, "url")).as("%s: url", name).startsWith("https://");
        assertThat(text(pom, "description")).as("%s: description", name).isNotBlank();
        assertThat(text(child(child(pom, "licenses"), "license"), "name")).as("%s: license", name).isEqualTo("Apache-2.0");
        assertThat(text(child(child(pom, "developers"), "developer"), "name")).as("%s: developer", name).isNotBlank();
        Element scm = child(pom, "scm");
        assertThat(text(scm, "connection")).as("%s: scm", name).startsWith("scm:git:");
        assertThat(text(scm, "developerConnection")).as("%s: scm", name).startsWith("scm:git:");
        assertThat(text(scm, "url")).as("%s: scm", name).startsWith("https://");
    }

    private static List<String> releaseProfilePlugins(Element pom) {
        List<String> plugins = new ArrayList<>();
        for (Element profile : children(child(pom, "profiles"), "profile")) {
            if ("release".equals(text(profile, "id"))) {
                for (Element plugin : children(child(child(profile, "build"), "plugins"), "plugin")) {
                    plugins.add(text(plugin, "artifactId"));
                }
            }
        }
        return plugins;
    }

    private static Element pom(Path file) throws Exception {
        assertThat(file).exists();
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        return doc.getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            NodeList nodes = parent.getChildNodes();
            for (int i = 0; i < nodes.getLength(); i++) {
                if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }

    private static List<String> texts(Element parent, String name) {
        return children(parent, name).stream().map(e -> e.getTextContent().trim()).toList();
    }
}
