package dev.jlb.standalone;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The request corpus's file format (described for reviewers in {@code corpus/README.md}): a file
 * holds cases, each starting with {@code === name}, its request bytes on {@code >} lines
 * (concatenated, escapes decoded) and {@code key: value} lines for what is expected.
 */
final class RequestCorpus {

    /** The data paths a route can take; keys prefixed with one of them apply to it alone. */
    static final List<String> DATA_PATHS = List.of("jetty", "engine");

    /** One case: where it comes from, the bytes to send, and its keys (a key may repeat: {@code seen}). */
    record Case(String file, int line, String name, byte[] request, Map<String, List<String>> keys) {

        /** The values of {@code key} for {@code dataPath}: its {@code dataPath.key} lines if any, else the plain ones. */
        List<String> values(String key, String dataPath) {
            List<String> specific = keys.get(dataPath + "." + key);
            return specific != null ? specific : keys.getOrDefault(key, List.of());
        }

        String value(String key, String dataPath, String otherwise) {
            List<String> values = values(key, dataPath);
            return values.isEmpty() ? otherwise : values.get(values.size() - 1);
        }

        @Override
        public String toString() {
            return file + ":" + line + " " + name;
        }
    }

    private static final List<String> KEYS = List.of("status", "close", "seen", "eof", "nginx", "why", "note");

    private RequestCorpus() {
    }

    /** Every case of every {@code *.txt} file in the classpath directory {@code dir}, files in name order. */
    static List<Case> load(String dir) {
        URL url = RequestCorpus.class.getResource("/" + dir);
        if (url == null) {
            throw new IllegalStateException("no corpus directory on the classpath: " + dir);
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            List<Case> cases = new ArrayList<>();
            for (Path file : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                cases.addAll(parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8)));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Case> parse(String file, String text) {
        List<Case> cases = new ArrayList<>();
        String name = null;
        int start = 0;
        ByteArrayOutputStream request = null;
        Map<String, List<String>> keys = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i <= lines.length; i++) {
            String line = i < lines.length ? lines[i] : "=== ";
            if (line.startsWith("=== ")) {
                if (name != null) {
                    cases.add(check(new Case(file, start, name, request.toByteArray(), keys)));
                }
                name = line.substring(4).trim();
                start = i + 1;
                request = new ByteArrayOutputStream();
                keys = new LinkedHashMap<>();
            } else if (line.isBlank() || line.startsWith("#")) {
                continue;
            } else if (name == null) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": text before the first '=== name' line");
            } else if (line.startsWith(">")) {
                request.writeBytes(decode(line.startsWith("> ") ? line.substring(2) : line.substring(1), file, i + 1));
            } else {
                int colon = line.indexOf(':');
                String key = colon < 0 ? "" : line.substring(0, colon).trim();
                String bare = key.contains(".") ? key.substring(key.indexOf('.') + 1) : key;
                String qualifier = key.contains(".") ? key.substring(0, key.indexOf('.')) : null;
                if (!KEYS.contains(bare) || (qualifier != null && !DATA_PATHS.contains(qualifier))) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown key '" + key + "' (expected: one of "
                            + KEYS + ", optionally prefixed with one of " + DATA_PATHS + " and a dot)");
                }
                keys.computeIfAbsent(key, k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
            }
        }
        return cases;
    }

    private static Case check(Case c) {
        if (c.request().length == 0) {
            throw new IllegalArgumentException(c + ": no request ('>' lines)");
        }
        for (String required : List.of("status", "seen", "nginx")) {
            if (!c.keys().containsKey(required)) {
                throw new IllegalArgumentException(c + ": no '" + required + ":' line");
            }
        }
        for (String dataPath : DATA_PATHS) {
            if (c.keys().containsKey(dataPath + ".status") || c.keys().containsKey(dataPath + ".seen")
                    || c.keys().containsKey(dataPath + ".close")) {
                if (!c.keys().containsKey(dataPath + ".why")) {
                    throw new IllegalArgumentException(c + ": a " + dataPath + "-only expectation needs a '" + dataPath
                            + ".why:' line");
                }
            }
        }
        return c;
    }

    /**
     * Decodes one {@code >} line: {@code \r \n \t \0 \\ \xHH}, and {@code {{text*N}}} for {@code text}
     * (escapes decoded) repeated N times, for oversized lines. Every other character stands for
     * itself (ISO-8859-1).
     */
    static byte[] decode(String s, String file, int line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && s.startsWith("{{", i)) {
                int end = s.indexOf("}}", i);
                int star = s.lastIndexOf('*', end);
                if (end < 0 || star < i) {
                    throw new IllegalArgumentException(file + ":" + line + ": '{{' without 'text*N}}'");
                }
                String unit = s.substring(i + 2, star);
                int times = Integer.parseInt(s.substring(star + 1, end));
                out.writeBytes(decode(unit.repeat(times), file, line));
                i = end + 1;
            } else if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                switch (e) {
                    case 'r' -> out.write('\r');
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case '0' -> out.write(0);
                    case '\\' -> out.write('\\');
                    case 'x' -> {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException(file + ":" + line + ": unknown escape \\" + e);
                }
            } else {
                if (c > 0xff) {
                    throw new IllegalArgumentException(file + ":" + line + ": not ISO-8859-1: " + c);
                }
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
