package dev.jlb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jlb.jetty.config.ConfigException;
import dev.jlb.jetty.config.ConfigFormat;
import dev.jlb.jetty.config.ConfigLoader;
import dev.jlb.jetty.config.ConfigProblem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Configuration fuzzing: the repository's real configurations (the annotated example and the Go
 * original's file, in YAML and as JSON) mutated at random, and random documents built from YAML and
 * JSON fragments, never make {@code --check} print a stack trace, hang, or exit with anything but
 * 0 (valid) or 1 (problems, each on a line of its own that names its line). Each parse is bounded
 * in time. A failure prints the seed that reproduces it (and jqwik tries it first on the next run).
 */
class ConfigFuzzTest {

    private static final Duration PARSE_BOUND = Duration.ofSeconds(10);

    /** A source configuration and its file extension. */
    private record Source(String name, String text, String extension) {
    }

    private static final List<Source> SOURCES = sources();

    /** Text that means something to YAML or JSON, or to jlb's validation. */
    private static final List<String> TOKENS = List.of(":", ": ", "-", "- ", "[", "]", "{", "}", ",", "\"", "'", "\t",
            "\n", "\r\n", "\r", "  ", "    ", "#", "&a ", "*a", "!!binary ", "!!str ", "!java.lang.Object ", "---\n",
            "...\n", "%YAML 1.2\n", "? ", "| ", "> ", "@", "`", "~", "null", "true", "no", "-1", "0", "1e309", "0x1F",
            "99999999999999999999", ".inf", "1s", "-5s", "500ms", "1h", "auto", "\u0000", "\uFEFF", "\u00e9",
            "\uD83D\uDE00", "\\", "\\u0000", "http://127.0.0.1:8081", "http://[::1]:1", "ftp://x", "/", "/api",
            "servers", "routes", "lb_port", "server", "admin", "path", "backends", "strategy", "weight", "url",
            "health_check", "retry", "timeouts", "sticky", "headers", "${JLB_X}", "<<: ", "\"x\\ny\": ", "\"\\u0000\"");

    private static List<Source> sources() {
        List<Source> sources = new ArrayList<>();
        for (Path path : List.of(Path.of("config.example.yaml"),
                Path.of("../lb-jetty/src/test/resources/dev/jlb/jetty/config/go-config.yaml"))) {
            try {
                String yaml = Files.readString(path);
                sources.add(new Source(path.getFileName().toString(), yaml, ".yaml"));
                String json = JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(new YAMLMapper().readTree(yaml));
                sources.add(new Source(path.getFileName() + " as JSON", json, ".json"));
            } catch (Exception e) {
                throw new IllegalStateException("cannot read " + path, e);
            }
        }
        return List.copyOf(sources);
    }

    /** One edit of a text; positions and lengths are taken modulo the text's size when applied. */
    record Mutation(int kind, int at, int length, int token) {

        String apply(String text) {
            int n = text.length();
            int i = n == 0 ? 0 : at % (n + 1);
            int j = Math.min(n, i + length);
            String t = TOKENS.get(token % TOKENS.size());
            List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
            int a = at % lines.size();
            int b = length % lines.size();
            switch (kind) {
                case 0: // delete a range
                    return text.substring(0, i) + text.substring(j);
                case 1: // insert a token
                    return text.substring(0, i) + t + text.substring(i);
                case 2: // duplicate a range
                    return text.substring(0, j) + text.substring(i, j) + text.substring(j);
                case 3: // replace a range with a token
                    return text.substring(0, i) + t + text.substring(j);
                case 4: // truncate: a file caught half-written
                    return text.substring(0, i);
                case 5: { // swap two lines
                    String line = lines.get(a);
                    lines.set(a, lines.get(b));
                    lines.set(b, line);
                    return String.join("\n", lines);
                }
                case 6: { // indent or dedent a line
                    String line = lines.get(a);
                    lines.set(a, length % 2 == 0 ? " ".repeat(1 + length % 5) + line : line.stripLeading());
                    return String.join("\n", lines);
                }
                default: { // a line copied over another
                    lines.set(a, lines.get(b));
                    return String.join("\n", lines);
                }
            }
        }
    }

    @Provide
    Arbitrary<Integer> source() {
        return Arbitraries.integers().between(0, SOURCES.size() - 1);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 1_000_000), Arbitraries.integers().between(0, 64),
                Arbitraries.integers().between(0, TOKENS.size() - 1)).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<String> documents() {
        return Arbitraries.of(TOKENS).list().ofMaxSize(80).map(parts -> String.join("", parts));
    }

    @Property(tries = 200)
    void mutatedRealConfigurationsGetAVerdictFromCheck(@ForAll("source") int source,
            @ForAll("mutations") List<Mutation> mutations) throws Exception {
        Source s = SOURCES.get(source);
        String text = s.text();
        for (Mutation m : mutations) {
            text = m.apply(text);
        }
        check(text, s.extension());
    }

    @Property(tries = 300)
    void randomDocumentsGetProblemsWithLinesOrAConfiguration(@ForAll("documents") String text,
            @ForAll boolean json) {
        ConfigFormat format = json ? ConfigFormat.JSON : ConfigFormat.YAML;
        assertTimeoutPreemptively(PARSE_BOUND, () -> {
            try {
                ConfigLoader.parse(text, "fuzz", format);
            } catch (ConfigException e) {
                for (ConfigProblem p : e.problems()) {
                    assertThat(p.line()).as("the line of %s", p).isPositive();
                    assertThat(p.toString()).as("one line").doesNotContain("\n").doesNotContain("\r");
                }
            }
        }, () -> "parsing took more than " + PARSE_BOUND + ":\n" + text);
    }

    /** Runs {@code --check} on the text as a file and checks what it prints and returns. */
    private static void check(String text, String extension) throws Exception {
        Path file = Files.createTempFile("jlb-fuzz", extension);
        try {
            // getBytes, not writeString: a mutation may leave a lone surrogate, which getBytes writes as "?".
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = assertTimeoutPreemptively(PARSE_BOUND, () -> Main.runToCompletion(
                    List.of("--check", "--config", file.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8)), () -> "--check took more than " + PARSE_BOUND
                    + " on:\n" + text);
            String printed = out.toString(StandardCharsets.UTF_8);
            String errors = err.toString(StandardCharsets.UTF_8);
            String context = "--check on:\n" + text + "\n-- printed:\n" + printed + errors;
            assertThat(code).as(context).isIn(Main.EXIT_OK, Main.EXIT_INVALID);
            assertThat(printed + errors).as(context).doesNotContain("\tat ").doesNotContain("Exception in thread");
            if (code == Main.EXIT_OK) {
                assertThat(printed).as(context).startsWith(file + ": valid, ");
                assertThat(errors).as(context).isEmpty();
                return;
            }
            List<String> lines = List.of(errors.split("\n"));
            Pattern problem = Pattern.compile(Pattern.quote(file.toString()) + ":[1-9][0-9]*(:[1-9][0-9]*)?: .+");
            int problems = lines.size() - 1;
            assertThat(lines.get(problems)).as(context)
                    .isEqualTo(file + ": " + problems + " problem" + (problems == 1 ? "" : "s"));
            for (String line : lines.subList(0, problems)) {
                assertThat(line).as(context).matches(problem);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
