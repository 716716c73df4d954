package dev.jlb.jetty.config;

import static dev.jlb.jetty.config.ConfigTestSupport.jsonProblems;
import static dev.jlb.jetty.config.ConfigTestSupport.yamlProblems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed files, and reading files from disk. */
class SyntaxAndFileTest {

    @TempDir
    Path dir;

    @Test
    void aYamlSyntaxErrorIsTheOnlyProblemReported() {
        assertThat(yamlProblems("servers: [http://a:1\nlb_port: 8080\n")).containsExactly(
                "config.yaml:2: not valid YAML: while parsing a flow sequence: expected ',' or ']', but got :");
        assertThat(yamlProblems("lb_port: 8080\n  servers: []\n")).containsExactly(
                "config.yaml:2: not valid YAML: mapping values are not allowed here");
    }

    @Test
    void aJsonSyntaxErrorNamesItsLine() {
        assertThat(jsonProblems("{\"lb_port\": 8080,\n \"servers\": [\"http://a:1\"],\n \"x\": }\n")).containsExactly(
                "config.json:3: not valid JSON: Unexpected character ('}' (code 125)): expected a value");
    }

    @Test
    void emptyFilesAndOtherRootsAreRefused() {
        assertThat(yamlProblems("")).containsExactly(
                "config.yaml:1: the file is empty (expected: a mapping with servers or routes)");
        assertThat(yamlProblems("# only a comment\n")).containsExactly(
                "config.yaml:1: the file is empty (expected: a mapping with servers or routes)");
        assertThat(yamlProblems("- http://a:1\n")).containsExactly(
                "config.yaml:1: [...] (expected: a mapping with servers or routes)");
        assertThat(jsonProblems("\"servers\"")).containsExactly(
                "config.json:1: servers (expected: a mapping with servers or routes)");
    }

    @Test
    void duplicateKeysAreProblems() {
        assertThat(yamlProblems("servers: [\"http://a:1\"]\nlb_port: 1\nservers: [\"http://b:1\"]\n")).containsExactly(
                "config.yaml:3: servers: duplicate key (expected: each key once; first at line 1)");
        assertThat(jsonProblems("{\"servers\": [\"http://a:1\"],\n\"servers\": []}")).containsExactly(
                "config.json:2: servers: duplicate key (expected: each key once; first at line 1)");
    }

    @Test
    void aliasesAndSecondDocumentsAreRefused() {
        assertThat(yamlProblems("""
                servers: &s ["http://a:1"]
                lb_port: *s
                """)).containsExactly(
                "config.yaml:2: lb_port: *s (expected: a value written out; YAML aliases are not supported)");
        assertThat(yamlProblems("servers: [\"http://a:1\"]\n---\nlb_port: 1\n")).containsExactly(
                "config.yaml:3: a second document (expected: one document per file)");
        assertThat(jsonProblems("{\"servers\": [\"http://a:1\"]}\n{}")).containsExactly(
                "config.json:2: a second value (expected: one value per file)");
    }

    @Test
    void loadsYamlYmlAndJsonByExtension() throws Exception {
        Path yml = write("lb.YML", "servers: [\"http://a:1\"]\n");
        Path json = write("lb.json", "{\"servers\": [\"http://a:1\"]}");
        assertThat(ConfigLoader.load(yml)).isEqualTo(ConfigLoader.load(json));
        assertThat(ConfigFormat.of(Path.of("x.yaml"))).contains(ConfigFormat.YAML);
        assertThat(ConfigFormat.of(Path.of("x.conf"))).isEmpty();
    }

    @Test
    void problemsNameTheFileAsGiven() throws Exception {
        Path file = write("bad.yaml", "servers: [\"http://a:1\"]\nlb_prot: 1\n");
        assertThat(problems(file)).containsExactly(file + ":2: lb_prot: unknown key (did you mean lb_port?)");
    }

    @Test
    void unreadableFilesAreProblemsToo() throws Exception {
        assertThat(problems(dir.resolve("missing.yaml"))).containsExactly(
                dir.resolve("missing.yaml") + ": no such file (expected: a readable file)");
        assertThat(problems(write("lb.conf", "servers: []"))).containsExactly(
                dir.resolve("lb.conf") + ": unknown file type (expected: a name ending in .yaml, .yml or .json)");
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, "servers: [\"http://caf\u00e9:1\"]".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(problems(latin1)).containsExactly(latin1 + ": not UTF-8 text (expected: a UTF-8 file)");
    }

    @Test
    void aFileOverTheLimitIsRefusedBeforeItIsParsed() throws Exception {
        Path big = dir.resolve("big.yaml");
        Files.write(big, ("servers: [\"http://a:1\"]\nstrategy: \"" + "a".repeat(10 * 1024 * 1024) + "\"\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(problems(big)).containsExactly(big + ": the file is " + Files.size(big)
                + " bytes (expected: at most 4194304)");
        assertThat(yamlProblems("x: " + "a".repeat(ConfigLoader.MAX_FILE_BYTES))).containsExactly(
                "config.yaml: the text is 4194307 characters (expected: at most 4194304)");
    }

    @Test
    void aLongValueOrKeyIsAProblemWithItsLineAndALongestValueIsStillRead() {
        String value = "a".repeat(4_000_000);
        for (String quote : new String[] {"\"", "'", ""}) {
            String yaml = "servers: [\"http://a:1\"]\nstrategy: " + quote + value + quote + "\n";
            List<String> problems = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> yamlProblems(yaml));
            assertThat(problems).as("quote %s", quote).containsExactly("config.yaml:2: strategy: a value of 4000000"
                    + " characters, " + "a".repeat(80) + "... (expected: at most 65536)");
        }
        assertThat(jsonProblems("{\"servers\": [\"http://a:1\"],\n\"strategy\": \"" + value + "\"}")).containsExactly(
                "config.json:2: strategy: a value of 4000000 characters, " + "a".repeat(80) + "... (expected: at most 65536)");
        assertThat(jsonProblems("{\"servers\": [\"http://a:1\"],\n\"server\": {\"" + "k".repeat(2000) + "\": 1}}"))
                .containsExactly("config.json:2: server: a key of 2000 characters, " + "k".repeat(80)
                        + "... (expected: at most 1024)");
        assertThat(yamlProblems("servers: [\"http://a:1\"]\nstrategy: \"" + "r".repeat(65_536) + "\"\n")).singleElement()
                .asString().startsWith("config.yaml:2: strategy: " + "r".repeat(80) + "... (expected: one of");
    }

    @Test
    void theExceptionListsProblemsInFileOrder() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(
                "servers: [\"http://a:1\", \"ftp://b:1\"]\nlb_port: x\n", "c.yaml", ConfigFormat.YAML));
        assertThat(e.problems()).extracting(ConfigProblem::line).containsExactly(1, 2);
        assertThat(e.problems().get(0)).isEqualTo(new ConfigProblem("c.yaml", 1, "servers[1]",
                "ftp://b:1 (expected: scheme http or https)"));
        assertThat(e.getMessage()).isEqualTo("c.yaml:1: servers[1]: ftp://b:1 (expected: scheme http or https)\n"
                + "c.yaml:2: lb_port: x (expected: an integer)");
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private static List<String> problems(Path file) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));
        assertThat(e).isNotNull();
        return e.lines();
    }
}
