package dev.jlb.jetty.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), written for the tests: it rejects
 * what Prometheus would reject (bad names, bad label syntax or escapes, unparsable values, a TYPE
 * after its samples or twice, a family's samples split apart, the same series twice) and returns
 * every sample.
 */
final class PrometheusText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final List<String> SUFFIXES = List.of("_total", "_count", "_sum", "_bucket", "_created");

    /** One sample: a metric name, its labels (sorted) and its value. */
    record Sample(String name, Map<String, String> labels, double value) {
        String series() {
            return name + labels;
        }
    }

    /** The parsed exposition: families' types and help, and the samples in order. */
    record Exposition(Map<String, String> types, Map<String, String> help, List<Sample> samples) {

        /** The value of the one sample with this name and these labels (others allowed on it? no: exactly these). */
        double value(String name, String... labelPairs) {
            Map<String, String> wanted = new TreeMap<>();
            for (int i = 0; i < labelPairs.length; i += 2) {
                wanted.put(labelPairs[i], labelPairs[i + 1]);
            }
            Double found = null;
            for (Sample s : samples) {
                if (s.name().equals(name) && s.labels().equals(wanted)) {
                    found = s.value();
                }
            }
            if (found == null) {
                throw new AssertionError("no sample " + name + wanted + " in:\n" + samplesNamed(name));
            }
            return found;
        }

        /** Whether any sample has this name and includes these labels. */
        boolean has(String name, String... labelPairs) {
            outer:
            for (Sample s : samples) {
                if (!s.name().equals(name)) {
                    continue;
                }
                for (int i = 0; i < labelPairs.length; i += 2) {
                    if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }

        String samplesNamed(String name) {
            StringBuilder sb = new StringBuilder();
            for (Sample s : samples) {
                if (s.name().equals(name)) {
                    sb.append(s).append('\n');
                }
            }
            return sb.toString();
        }
    }

    private PrometheusText() {
    }

    static Exposition parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> help = new HashMap<>();
        java.util.ArrayList<Sample> samples = new java.util.ArrayList<>();
        Set<String> finished = new HashSet<>();
        Set<String> seenSeries = new HashSet<>();
        Set<String> sampled = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        for (int n = 0; n < lines.length - 1; n++) {
            String line = lines[n];
            String where = "line " + (n + 1) + ": " + line;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[1].equals("TYPE")) {
                    String family = parts[2];
                    check(METRIC_NAME.matcher(family).matches(), "bad metric name", where);
                    check(parts.length == 4 && TYPES.contains(parts[3]), "bad type", where);
                    check(!types.containsKey(family), "second TYPE", where);
                    check(!sampled.contains(family), "TYPE after samples", where);
                    types.put(family, parts[3]);
                } else if (parts.length >= 3 && parts[1].equals("HELP")) {
                    check(METRIC_NAME.matcher(parts[2]).matches(), "bad metric name", where);
                    check(help.put(parts[2], parts.length == 4 ? parts[3] : "") == null, "second HELP", where);
                }
                continue;
            }
            Sample sample = sample(line, where);
            String family = familyOf(sample.name(), types);
            if (!family.equals(current)) {
                check(!finished.contains(family), "samples of " + family + " are not together", where);
                if (current != null) {
                    finished.add(current);
                }
                current = family;
            }
            sampled.add(family);
            check(seenSeries.add(sample.series()), "the same series twice", where);
            String type = types.get(family);
            if ("counter".equals(type)) {
                check(sample.value() >= 0 || Double.isNaN(sample.value()), "negative counter", where);
            }
            samples.add(sample);
        }
        return new Exposition(types, help, samples);
    }

    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name; // untyped
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        int len = line.length();
        while (i < len && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        check(METRIC_NAME.matcher(name).matches(), "bad metric name", where);
        Map<String, String> labels = new TreeMap<>();
        if (i < len && line.charAt(i) == '{') {
            i++;
            while (true) {
                check(i < len, "unterminated labels", where);
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int start = i;
                while (i < len && line.charAt(i) != '=') {
                    i++;
                }
                String label = line.substring(start, i);
                check(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"), "bad label name " + label, where);
                check(i + 1 < len && line.charAt(i + 1) == '"', "label value must be quoted", where);
                i += 2;
                StringBuilder value = new StringBuilder();
                while (true) {
                    check(i < len, "unterminated label value", where);
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        check(i < len, "dangling escape", where);
                        char e = line.charAt(i++);
                        if (e == 'n') {
                            value.append('\n');
                        } else if (e == '\\' || e == '"') {
                            value.append(e);
                        } else {
                            throw new IllegalArgumentException("bad escape \\" + e + " at " + where);
                        }
                    } else {
                        value.append(c);
                    }
                }
                check(labels.put(label, value.toString()) == null, "label twice", where);
                check(i < len, "unterminated labels", where);
                if (line.charAt(i) == ',') {
                    i++;
                } else {
                    check(line.charAt(i) == '}', "unterminated labels", where);
                }
            }
        }
        check(i < len && line.charAt(i) == ' ', "a space must follow the name and labels", where);
        String[] rest = line.substring(i + 1).split(" ");
        check(rest.length == 1 || rest.length == 2, "value [timestamp] expected", where);
        double value = parseValue(rest[0], where);
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad timestamp at " + where);
            }
        }
        return new Sample(name, labels, value);
    }

    private static double parseValue(String s, String where) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                check(s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"), "bad value " + s, where);
                return Double.parseDouble(s);
        }
    }

    private static void check(boolean ok, String what, String where) {
        if (!ok) {
            throw new IllegalArgumentException(what + " at " + where);
        }
    }
}
