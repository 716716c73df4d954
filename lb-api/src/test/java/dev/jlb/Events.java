package dev.jlb;

import java.util.ArrayList;
import java.util.List;

/** A listener that records events as strings, for exact assertions. */
final class Events implements PoolListener {
    private final List<String> events = new ArrayList<>();

    @Override
    public synchronized void onEvent(PoolEvent event) {
        events.add(event.toString());
    }

    synchronized List<String> all() {
        return List.copyOf(events);
    }

    /** Events other than ADDED/REMOVED/WEIGHT_CHANGED. */
    synchronized List<String> health() {
        List<String> result = new ArrayList<>();
        for (String e : events) {
            if (!e.startsWith("ADDED") && !e.startsWith("REMOVED") && !e.startsWith("WEIGHT_CHANGED")) {
                result.add(e);
            }
        }
        return result;
    }

    synchronized void clear() {
        events.clear();
    }
}
