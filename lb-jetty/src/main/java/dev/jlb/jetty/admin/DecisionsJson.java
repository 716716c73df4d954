package dev.jlb.jetty.admin;

import dev.jlb.LoadBalancer;
import dev.jlb.jetty.internal.DecisionLog;
import java.time.Instant;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/routes/{route}/decisions}: the route's last explained decisions, newest first
 * (requests that asked with {@code X-Jlb-Explain} and were allowed to; see
 * {@link dev.jlb.jetty.ExplainOptions}).
 */
final class DecisionsJson {

    private DecisionsJson() {
    }

    static ObjectNode decisions(LoadBalancer lb) {
        ArrayNode list = AdminJson.MAPPER.createArrayNode();
        for (DecisionLog.Entry e : DecisionLog.recent(lb)) {
            ObjectNode node = list.addObject();
            node.put("time", Instant.ofEpochMilli(e.epochMillis()).toString());
            node.put("method", e.method());
            node.put("path", e.path());
            node.put("client", e.client());
            node.put("status", e.status());
            node.put("strategy", e.strategy());
            ArrayNode candidates = node.putArray("candidates");
            e.candidates().forEach(candidates::add);
            ArrayNode attempts = node.putArray("attempts");
            e.attempts().forEach(attempts::add);
            node.put("header", e.header());
        }
        ObjectNode body = AdminJson.MAPPER.createObjectNode();
        body.put("route", lb.name());
        body.set("decisions", list);
        return body;
    }
}
