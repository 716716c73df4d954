package dev.jlb.jetty.discovery;

import dev.jlb.Backend;
import dev.jlb.discovery.DiscoveredBackend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The membership a Service's EndpointSlices give, for {@link K8sDiscovery}: each slice's backends
 * by the slice's name, read from the slice's JSON (as parsed maps), their merge, and whether the
 * merge changed since it was last reported.
 *
 * <p>An endpoint that is ready ({@code conditions.ready} true or absent) and not terminating is a
 * backend of the configured weight; one that is terminating and serving, of weight 0 (it drains);
 * any other is left out. Only the slice port named {@code port} (or of that number) counts.
 *
 * <p>Not thread-safe: confined to the discovery's thread.
 */
final class K8sSlices {
    private final String port;
    private final String scheme;
    private final int weight;
    private final String source;
    private final Map<String, List<DiscoveredBackend>> slices = new LinkedHashMap<>();
    private List<DiscoveredBackend> reported;

    K8sSlices(String port, String scheme, int weight, String source) {
        this.port = port;
        this.scheme = scheme;
        this.weight = weight;
        this.source = source;
    }

    /** Forgets every slice (before a list replaces them all). */
    void clear() {
        slices.clear();
    }

    /** Adds or replaces a slice (listed, ADDED or MODIFIED). */
    void put(Map<String, Object> slice) {
        slices.put(name(slice), backends(slice));
    }

    /** Removes a slice (DELETED). */
    void remove(Map<String, Object> slice) {
        slices.remove(name(slice));
    }

    /** Merges the slices: an address in two slices counts once, with its highest weight. */
    List<DiscoveredBackend> merged() {
        Map<Backend, DiscoveredBackend> merged = new LinkedHashMap<>();
        for (List<DiscoveredBackend> s : slices.values()) {
            for (DiscoveredBackend d : s) {
                merged.merge(d.backend(), d, (x, y) -> x.backend().weight() >= y.backend().weight() ? x : y);
            }
        }
        return List.copyOf(merged.values());
    }

    /**
     * Whether {@code now} differs from the membership last reported (its backends or their
     * weights); if so, {@code now} becomes the one reported.
     */
    boolean changed(List<DiscoveredBackend> now) {
        if (!Addresses.sameMembership(now, reported)) {
            reported = now;
            return true;
        }
        return false;
    }

    /** {@return how many backends the last reported membership had (0 before the first)} */
    int reportedSize() {
        return reported == null ? 0 : reported.size();
    }


    @SuppressWarnings("unchecked")
    private static String name(Map<String, Object> slice) {
        return String.valueOf(((Map<String, Object>) slice.getOrDefault("metadata", Map.of())).get("name"));
    }

    /** The backends of one slice: its port of {@link #port}, each address of each endpoint by its conditions. */
    @SuppressWarnings("unchecked")
    private List<DiscoveredBackend> backends(Map<String, Object> slice) {
        Integer number = null;
        for (Object p : (List<Object>) orEmpty(slice.get("ports"))) {
            Map<String, Object> m = (Map<String, Object>) p;
            Object n = m.get("port");
            if (n instanceof Number pn && (port.equals(m.get("name")) || port.equals(String.valueOf(pn.intValue())))) {
                number = pn.intValue();
                break;
            }
        }
        List<DiscoveredBackend> out = new ArrayList<>();
        if (number == null) {
            return out;
        }
        for (Object e : (List<Object>) orEmpty(slice.get("endpoints"))) {
            Map<String, Object> endpoint = (Map<String, Object>) e;
            Map<String, Object> c = (Map<String, Object>) endpoint.getOrDefault("conditions", Map.of());
            boolean terminating = Boolean.TRUE.equals(c.get("terminating"));
            boolean ready = !Boolean.FALSE.equals(c.get("ready")) && !terminating;
            boolean serving = c.containsKey("serving") ? Boolean.TRUE.equals(c.get("serving")) : ready;
            int w;
            if (ready) {
                w = weight;
            } else if (terminating && serving) {
                w = 0;
            } else {
                continue;
            }
            for (Object a : (List<Object>) orEmpty(endpoint.get("addresses"))) {
                out.add(DiscoveredBackend.of(Addresses.backend(scheme, String.valueOf(a), number, w, source)));
            }
        }
        return out;
    }

    private static Object orEmpty(Object o) {
        return o == null ? List.of() : o;
    }
}
