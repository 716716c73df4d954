package dev.jlb.jetty.config;

import dev.jlb.jetty.config.Node.Entry;
import dev.jlb.jetty.config.Node.ListNode;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads YAML or JSON text into a {@link Node} tree with line numbers, through Jackson's streaming
 * parser. Duplicate keys, YAML aliases and a second document are reported as problems; a syntax
 * error ends the reading (what follows it cannot be trusted) and is reported as the only problem.
 */
final class TreeReader {

    /** The longest configuration text read, in characters (a file is bounded in bytes by {@link ConfigLoader}). */
    static final int MAX_CHARS = ConfigLoader.MAX_FILE_BYTES;
    /** The longest value: far beyond any setting (tokens, secrets, header values are a few hundred at most). */
    static final int MAX_SCALAR_CHARS = 64 * 1024;
    /** The longest key: keys are setting names, or header names where a section takes them. */
    static final int MAX_KEY_CHARS = 1024;

    /**
     * snakeyaml re-copies its window of the text for every buffer it reads while one token is open,
     * so a long scalar costs its length squared over the buffer size (1,024 code points by default:
     * a 10 MB value took 28 s). With 64 Ki the largest file allowed scans in well under a second.
     * The size limits are jlb's own (above), not snakeyaml's 3 MB document limit.
     */
    private static final TokenStreamFactory YAML = YAMLFactory.builder()
            .loadSettings(LoadSettings.builder().setBufferSize(64 * 1024).setCodePointLimit(MAX_CHARS + 1)
                    // Duplicates are reported by this reader, with both lines.
                    .setAllowDuplicateKeys(true).build())
            .build();
    private static final TokenStreamFactory JSON = new JsonFactory();

    private final Problems problems;
    private final JsonParser parser;

    private TreeReader(JsonParser parser, Problems problems) {
        this.parser = parser;
        this.problems = problems;
    }

    /**
     * Parses {@code text}; returns the root, or null when the text is not well-formed or empty (the
     * reason is then in {@code problems}).
     */
    static Node read(String text, ConfigFormat format, Problems problems) {
        if (text.length() > MAX_CHARS) {
            problems.add(0, "", "the text is " + text.length() + " characters (expected: at most " + MAX_CHARS + ")");
            return null;
        }
        TokenStreamFactory factory = format == ConfigFormat.YAML ? YAML : JSON;
        try (JsonParser parser = factory.createParser(ObjectReadContext.empty(), text)) {
            TreeReader reader = new TreeReader(parser, problems);
            JsonToken first = parser.nextToken();
            if (first == null) {
                problems.add(1, "", "the file is empty (expected: a mapping with servers or routes)");
                return null;
            }
            Node root = reader.value("");
            JsonToken extra = parser.nextToken();
            if (extra != null) {
                problems.add(line(parser.currentTokenLocation()), "",
                        "a second " + (format == ConfigFormat.YAML ? "document" : "value")
                                + " (expected: one " + (format == ConfigFormat.YAML ? "document" : "value")
                                + " per file)");
            }
            return root;
        } catch (JacksonException e) {
            syntaxError(e, format, problems, text);
            return null;
        }
    }

    private Node value(String path) {
        JsonToken token = parser.currentToken();
        int line = line(parser.currentTokenLocation());
        switch (token) {
            case START_OBJECT: {
                MapNode map = new MapNode(line);
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String key = parser.currentName();
                    int keyLine = line(parser.currentTokenLocation());
                    if (key.length() > MAX_KEY_CHARS) {
                        problems.add(keyLine, path, "a key of " + key.length() + " characters, "
                                + Values.displayString(key) + " (expected: at most " + MAX_KEY_CHARS + ")");
                        parser.nextToken();
                        parser.skipChildren();
                        continue;
                    }
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    parser.nextToken();
                    Node child = value(childPath);
                    Entry previous = map.put(new Entry(key, keyLine, child));
                    if (previous != null) {
                        problems.add(keyLine, childPath,
                                "duplicate key (expected: each key once; first at line " + previous.line() + ")");
                    }
                }
                return map;
            }
            case START_ARRAY: {
                ListNode list = new ListNode(line);
                int index = 0;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(path + "[" + index++ + "]"));
                }
                return list;
            }
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                if (parser.getStringLength() > MAX_SCALAR_CHARS) {
                    problems.add(line, path, "a value of " + parser.getStringLength() + " characters, "
                            + Values.displayString(parser.getString()) + " (expected: at most " + MAX_SCALAR_CHARS + ")");
                    return new ScalarNode(line, Kind.NULL, "");
                }
                return scalar(token, line, path);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new ScalarNode(line, Kind.BOOLEAN, parser.getString());
            case VALUE_NULL:
                return new ScalarNode(line, Kind.NULL, "");
            default:
                // VALUE_EMBEDDED_OBJECT (YAML !!binary) and anything else no setting uses.
                problems.add(line, path, "a " + token + " value (expected: text, a number, a list or a mapping)");
                return new ScalarNode(line, Kind.NULL, "");
        }
    }

    private Node scalar(JsonToken token, int line, String path) {
        switch (token) {
            case VALUE_STRING:
                if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    problems.add(line, path, "*" + parser.getString()
                            + " (expected: a value written out; YAML aliases are not supported)");
                    return new ScalarNode(line, Kind.NULL, "");
                }
                return new ScalarNode(line, Kind.STRING, parser.getString());
            case VALUE_NUMBER_INT:
                return new ScalarNode(line, Kind.INTEGER, parser.getString());
            default:
                return new ScalarNode(line, Kind.DECIMAL, parser.getString());
        }
    }

    private static void syntaxError(JacksonException e, ConfigFormat format, Problems problems, String text) {
        int line = line(e.getLocation());
        int column = e.getLocation() == null ? 0 : Math.max(e.getLocation().getColumnNr(), 0);
        // Jackson places a YAML error at the end of the last good event (often the line before the
        // culprit); snakeyaml's own marks say where the problem is. At the end of the text (an
        // unterminated quote or bracket) the mark of what was left open is the useful one.
        if (e.getCause() instanceof MarkedYamlEngineException marked) {
            Mark mark = marked.getProblemMark().orElse(null);
            Mark context = marked.getContextMark().orElse(null);
            if (context != null && (mark == null || atEnd(mark, text))) {
                mark = context;
            }
            if (mark != null) {
                line = mark.getLine() + 1;
                column = mark.getColumn() + 1;
            }
        }
        String message = e.getOriginalMessage();
        // snakeyaml's messages interleave the problem with source excerpts (indented lines and a
        // caret); Jackson's JSON messages may add a source reference. Keep the unindented lines.
        StringBuilder reason = new StringBuilder();
        if (message != null) {
            for (String part : message.split("\n")) {
                if (part.isBlank() || Character.isWhitespace(part.charAt(0)) || part.strip().equals("^")) {
                    continue;
                }
                if (reason.length() > 0) {
                    reason.append(": ");
                }
                reason.append(part.strip());
            }
        }
        if (reason.length() == 0) {
            reason.append(e.getClass().getSimpleName());
        }
        // Jackson's "(start marker at [Source: REDACTED (...); byte offset: #UNKNOWN])" says nothing.
        String cleaned = SOURCE_REFERENCE.matcher(reason).replaceAll("");
        problems.syntax(Math.max(line, 1), column, "not valid " + format + ": " + cleaned);
    }

    private static final Pattern SOURCE_REFERENCE = Pattern.compile(" ?\\((start marker at )?\\[Source: [^\\]]*\\]\\)");

    /** Whether a mark is at the end of the text, past its last visible character. */
    private static boolean atEnd(Mark mark, String text) {
        String visible = text.stripTrailing();
        return mark.getIndex() >= visible.codePointCount(0, visible.length());
    }

    private static int line(TokenStreamLocation location) {
        return location == null ? 0 : Math.max(location.getLineNr(), 0);
    }
}
