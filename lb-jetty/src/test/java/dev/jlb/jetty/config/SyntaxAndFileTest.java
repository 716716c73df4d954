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
                "config.yaml:2:8: not valid YAML: while parsing a flow sequence: expected ',' or ']', but got :");
        assertThat(yamlProblems("lb_port: 8080\n  servers: []\n")).containsExactly(
                "config.yaml:2:10: not valid YAML: mapping values are not allowed here");
    }

    @Test
    void aJsonSyntaxErrorNamesItsLineAndColumn() {
        assertThat(jsonProblems("{\"lb_port\": 8080,\n \"servers\": [\"http://a:1\"],\n \"x\": }\n")).containsExactly(
                "config.json:3:7: not valid JSON: Unexpected character ('}' (code 125)): expected a value");
        assertThat(jsonProblems("{\"lb_port\": 8080,\n\t\"servers\" [\"http://a:1\"]}\n")).containsExactly(
                "config.json:2:12: not valid JSON: Unexpected character ('[' (code 91)): was expecting a colon to"
                        + " separate property name and value");
        assertThat(jsonProblems("{\"lb_port\": 8080,\n \"strategy\": \"random\n}\n")).containsExactly(
                "config.json:2:21: not valid JSON: Illegal unquoted character ((CTRL-CHAR, code 10)): has to be"
                        + " escaped using backslash to be included in string value");
        assertThat(jsonProblems("{\"servers\": [\"http://a:1\",\n  \"http://b:1\"\n")).containsExactly(
                "config.json:3:1: not valid JSON: Unexpected end-of-input: expected close marker for Array");
    }

    @Test
    void yamlSyntaxErrorsPointAtTheirOwnLineAndColumn() {
        // A tab on line 4 (Jackson's own location said line 3).
        assertThat(yamlProblems("servers:\n  - http://a:1\nlb_port: 8080\n\tstrategy: random\n")).containsExactly(
                "config.yaml:4:1: not valid YAML: while scanning for the next token: found character '\\t(TAB)' that"
                        + " cannot start any token. (Do not use \\t(TAB) for indentation)");
        assertThat(yamlProblems("servers:\n  - http://a:1\nstrategy:\trandom\n")).containsExactly(
                "config.yaml:3:10: not valid YAML: while scanning for the next token: found character '\\t(TAB)' that"
                        + " cannot start any token. (Do not use \\t(TAB) for indentation)");
        // An unterminated quote on line 6: where the quote opened, not the end of the file.
        String unterminated = "servers:\n  - http://a:1\nlb_port: 8080\nstrategy: random\nhealth_check_interval: 1s\n"
                + "max_retry_limit: \"3\n\n";
        assertThat(yamlProblems(unterminated)).containsExactly(
                "config.yaml:6:18: not valid YAML: while scanning a quoted scalar: found unexpected end of stream");
        assertThat(yamlProblems("servers: ['http://a:1]\n")).containsExactly(
                "config.yaml:1:11: not valid YAML: while scanning a quoted scalar: found unexpected end of stream");
        assertThat(yamlProblems("servers: [\"http://a:1\"\n")).containsExactly(
                "config.yaml:1:10: not valid YAML: while parsing a flow sequence: expected ',' or ']', but got <stream end>");
        // Bad indentation: the line that breaks the mapping.
        assertThat(yamlProblems("server:\n  port: 8080\n address: 127.0.0.1\nservers: [\"http://a:1\"]\n"))
                .containsExactly("config.yaml:3:2: not valid YAML: while parsing a block mapping: expected <block end>,"
                        + " but found '<block mapping start>'");
        assertThat(yamlProblems("servers:\n  - http://a:1\n - http://b:1\n")).singleElement().asString()
                .startsWith("config.yaml:3:2: not valid YAML: ");
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
    void aKeyWithALineBreakOrAControlCharacterStaysOnOneLine() {
        assertThat(yamlProblems("\"a\\nb\": 1\nservers: [\"http://a:1\"]\n")).singleElement().asString()
                .startsWith("config.yaml:1: a\\nb: unknown key (expected: one of ");
        assertThat(yamlProblems("servers: [\"http://a:1\"]\nserver: {\"po\\rt\": 1}\n")).containsExactly(
                "config.yaml:2: server.po\\rt: unknown key (did you mean port?)");
        assertThat(jsonProblems("{\"servers\": [\"http://a:1\"], \"x\\u0000y\": 1}")).singleElement().asString()
                .startsWith("config.json:1: x\\u0000y: unknown key");
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
        assertThat(problems(latin1)).containsExactly(latin1 + ":1: not UTF-8 text (expected: a UTF-8 file)");
        Path third = dir.resolve("third.yaml");
        Files.write(third, "lb_port: 8080\nstrategy: random\nservers: [\"http://caf\u00e9:1\"]\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(problems(third)).as("the line of the first byte that is not UTF-8")
                .containsExactly(third + ":3: not UTF-8 text (expected: a UTF-8 file)");
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
