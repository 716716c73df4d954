package dev.jlb.jetty.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed configuration value that remembers the line it started on: Jackson's {@code JsonNode}
 * drops token locations, and every error message names a line. Built once by {@link TreeReader},
 * then read-only.
 */
abstract class Node {

    private final int line;

    Node(int line) {
        this.line = line;
    }

    /** The 1-based line where the value starts. */
    final int line() {
        return line;
    }

    /** How the value is shown in an error message: scalars as written, containers abbreviated. */
    abstract String display();

    /** A key and its value, with the line of the key. */
    record Entry(String key, int line, Node value) {
    }

    /** A mapping, keys in document order, each key once (duplicates are reported while reading). */
    static final class MapNode extends Node {
        private final Map<String, Entry> entries = new LinkedHashMap<>();

        MapNode(int line) {
            super(line);
        }

        /** Adds an entry; returns the entry already present under that key, or null. */
        Entry put(Entry entry) {
            return entries.putIfAbsent(entry.key(), entry);
        }

        Entry get(String key) {
            return entries.get(key);
        }

        List<Entry> entries() {
            return List.copyOf(entries.values());
        }

        boolean isEmpty() {
            return entries.isEmpty();
        }

        @Override
        String display() {
            return entries.isEmpty() ? "{}" : "{...}";
        }
    }

    /** A sequence. */
    static final class ListNode extends Node {
        private final List<Node> items = new ArrayList<>();

        ListNode(int line) {
            super(line);
        }

        void add(Node item) {
            items.add(item);
        }

        List<Node> items() {
            return Collections.unmodifiableList(items);
        }

        @Override
        String display() {
            return items.isEmpty() ? "[]" : "[...]";
        }
    }

    /** A scalar: its kind as the parser typed it, and its text as written. */
    static final class ScalarNode extends Node {

        enum Kind {
            STRING, INTEGER, DECIMAL, BOOLEAN, NULL
        }

        private final Kind kind;
        private final String text;

        ScalarNode(int line, Kind kind, String text) {
            super(line);
            this.kind = kind;
            this.text = text;
        }

        Kind kind() {
            return kind;
        }

        String text() {
            return text;
        }

        @Override
        String display() {
            return switch (kind) {
                case NULL -> "null";
                case STRING -> Values.displayString(text);
                default -> text;
            };
        }
    }
}
