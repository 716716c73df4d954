package dev.jlb.jetty.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** The strict test parser, for tests of other packages: every sample as {@code name{k=v,...}} to its value. */
public final class PrometheusTextAccess {

    private PrometheusTextAccess() {
    }

    /** Parses (strictly) and returns every sample, labels sorted by name and written {@code k=v} without quotes. */
    public static Map<String, Double> values(String exposition) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (PrometheusText.Sample s : PrometheusText.parse(exposition).samples()) {
            StringBuilder key = new StringBuilder(s.name());
            if (!s.labels().isEmpty()) {
                key.append('{');
                s.labels().forEach((k, v) -> key.append(k).append('=').append(v).append(','));
                key.setCharAt(key.length() - 1, '}');
            }
            out.put(key.toString(), s.value());
        }
        return out;
    }
}
