package dev.jlb.jetty.config;

import dev.jlb.StrategyProvider;
import dev.jlb.StrategyRegistry;
import dev.jlb.jetty.config.Node.Entry;
import dev.jlb.jetty.config.Node.MapNode;
import dev.jlb.jetty.config.Node.ScalarNode;
import dev.jlb.jetty.config.Node.ScalarNode.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a strategy ({@code strategy: least-connections}, or {@code strategy: {name: consistent-hash,
 * key: "header:X-User"}}): the name is resolved in {@link StrategyRegistry}, and the provider judges
 * the options, all of them at once ({@link StrategyProvider#problems(Map)}).
 */
final class StrategySection {

    private StrategySection() {
    }

    /** The strategy under {@code key} of {@code owner}: a name, or a mapping with a name and options. */
    static StrategyConfig strategy(MapReader owner, String key) {
        Problems problems = owner.problems();
        Node n = owner.node(key);
        if (n == null) {
            return StrategyConfig.DEFAULT;
        }
        String path = owner.path(key);
        String name;
        Node nameNode;
        Map<String, Entry> optionEntries = new LinkedHashMap<>();
        if (n instanceof ScalarNode s && s.kind() == Kind.STRING) {
            name = s.text().strip();
            nameNode = n;
        } else if (n instanceof MapNode m) {
            nameNode = m.get("name") == null ? null : m.get("name").value();
            for (Entry e : m.entries()) {
                if (!e.key().equals("name")) {
                    optionEntries.put(e.key(), e);
                }
            }
            if (nameNode == null) {
                problems.add(m.line(), path + ".name", "missing (expected: a strategy name such as round-robin)");
                return StrategyConfig.DEFAULT;
            }
            if (!(nameNode instanceof ScalarNode s) || s.kind() != Kind.STRING) {
                problems.invalid(nameNode, path + ".name", "a strategy name such as round-robin");
                return StrategyConfig.DEFAULT;
            }
            name = s.text().strip();
        } else {
            owner.invalid(key, n, "a strategy name such as round-robin, or a mapping with name and options");
            return StrategyConfig.DEFAULT;
        }
        String namePath = n instanceof MapNode ? path + ".name" : path;
        StrategyProvider provider = provider(problems, name, nameNode, namePath);
        if (provider == null) {
            return StrategyConfig.DEFAULT;
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (Entry e : optionEntries.values()) {
            String optionPath = path + "." + e.key();
            if (!provider.options().contains(e.key())) {
                String suggestion = Spelling.suggest(e.key(), provider.options());
                problems.add(e.line(), optionPath, "unknown option of " + provider.name() + (suggestion != null
                        ? " (did you mean " + suggestion + "?)"
                        : provider.options().isEmpty() ? " (expected: no options)"
                        : " (expected: one of " + String.join(", ", provider.options()) + ")"));
                continue;
            }
            if (!(e.value() instanceof ScalarNode s) || s.kind() == Kind.NULL) {
                problems.invalid(e.value(), optionPath, "a value as text or a number");
                continue;
            }
            options.put(e.key(), s.text());
        }
        // The options the strategy knows and that are values, checked together: every problem at once.
        for (String message : provider.problems(options)) {
            Refusal r = Refusal.of(message);
            Entry culprit = options.containsKey(r.name()) ? optionEntries.get(r.name()) : null;
            if (culprit != null) {
                // The value as the file has it, with the strategy's own constraint.
                problems.add(culprit.value().line(), path + "." + culprit.key(),
                        culprit.value().display() + " (expected: " + r.constraint() + ")");
            } else {
                problems.add(n.line(), path, message);
            }
        }
        return new StrategyConfig(name, options);
    }

    private static StrategyProvider provider(Problems problems, String name, Node nameNode, String path) {
        try {
            return StrategyRegistry.provider(name);
        } catch (IllegalArgumentException e) {
            List<String> names = StrategyRegistry.names();
            if (names.isEmpty()) {
                problems.invalid(nameNode, path, "a registered strategy; none is on the class path (add lb-strategies)");
                return null;
            }
            List<String> candidates = new ArrayList<>();
            for (String canonical : names) {
                candidates.add(canonical);
                candidates.addAll(StrategyRegistry.provider(canonical).aliases());
            }
            String suggestion = Spelling.suggest(name, candidates);
            problems.invalid(nameNode, path, "one of " + String.join(", ", names)
                    + (suggestion != null ? "; did you mean " + suggestion + "?" : ""));
            return null;
        }
    }
}
