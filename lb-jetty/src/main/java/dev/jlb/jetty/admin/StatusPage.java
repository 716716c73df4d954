package dev.jlb.jetty.admin;

import dev.jlb.Backend;
import dev.jlb.BackendState;
import dev.jlb.BackendStats;
import dev.jlb.LatencyDistribution;
import dev.jlb.LoadBalancer;
import dev.jlb.LoadBalancerStats;
import dev.jlb.StatsWindow;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * The status page: server-rendered HTML with inline CSS, no script, reloading itself with a
 * {@code <meta http-equiv="refresh">}. One section per route, one row per backend coloured by its
 * state.
 */
final class StatusPage {

    /** One route to show. */
    record Route(LoadBalancer loadBalancer, StatsWindow.Recent recent) {
    }

    private static final String CSS = String.join("\n",
            "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;"
                    + "padding:20px 28px;color:#1f2328;background:#f6f8fa}",
            "header{display:flex;align-items:baseline;gap:14px;flex-wrap:wrap;margin-bottom:4px}",
            "h1{font-size:20px;margin:0;letter-spacing:-.01em}",
            ".sub{color:#59636e;font-size:13px}",
            "section{background:#fff;border:1px solid #d1d9e0;border-radius:8px;margin:14px 0;padding:14px 18px 8px}",
            "h2{font-size:16px;margin:0 0 8px;display:flex;align-items:center;gap:10px}",
            ".tag{font-size:12px;font-weight:500;color:#59636e;background:#eef1f4;border-radius:10px;padding:1px 9px}",
            ".panic{font-size:12px;font-weight:700;color:#fff;background:#cf222e;border-radius:10px;padding:1px 9px}",
            ".summary{display:flex;gap:22px;flex-wrap:wrap;margin:0 0 10px;color:#59636e;font-size:13px}",
            ".summary b{color:#1f2328;font-weight:600;font-variant-numeric:tabular-nums;margin-left:4px}",
            "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}",
            "th,td{padding:7px 10px;text-align:right;border-top:1px solid #eef1f4;white-space:nowrap;vertical-align:middle}",
            "th{font-weight:600;color:#59636e;font-size:12px;border-top:0}",
            "th.l,td.l{text-align:left}",
            "td.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}",
            "tr td:first-child{border-left:4px solid transparent}",
            ".st{display:inline-block;min-width:74px;text-align:center;padding:1px 8px;border-radius:10px;"
                    + "font-size:12px;font-weight:600}",
            ".reason{color:#59636e;font-size:12px;margin-left:8px;display:inline-block;max-width:250px;overflow:hidden;"
                    + "text-overflow:ellipsis;vertical-align:middle}",
            "tr.healthy td:first-child{border-left-color:#1a7f37}.healthy .st{background:#dafbe1;color:#116329}",
            "tr.degraded td:first-child{border-left-color:#bf8700}.degraded .st{background:#fff8c5;color:#7d4e00}",
            "tr.degraded td{background:#fffdf0}",
            "tr.unhealthy td:first-child{border-left-color:#cf222e}.unhealthy .st{background:#ffebe9;color:#a40e26}",
            "tr.unhealthy td{background:#fff6f5}",
            "tr.ejected td:first-child{border-left-color:#bc4c00}.ejected .st{background:#fff1e5;color:#953800}",
            "tr.ejected td{background:#fff9f4}",
            "tr.draining td:first-child{border-left-color:#818b98}.draining .st{background:#eef1f4;color:#59636e}",
            "tr.draining td{color:#59636e}",
            ".eff{color:#818b98;font-size:12px;margin-left:4px}",
            ".bad{color:#cf222e;font-weight:600}.warn{color:#9a6700;font-weight:600}.none{color:#818b98}",
            ".empty{color:#59636e;padding:8px 0}");

    private StatusPage() {
    }

    static String render(List<Route> routes, AdminOptions options) {
        return render(routes, options, List.of());
    }

    static String render(List<Route> routes, AdminOptions options, List<String> warnings) {
        StringBuilder html = new StringBuilder(4096);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        if (options.pageRefreshSeconds() > 0) {
            html.append("<meta http-equiv=\"refresh\" content=\"").append(options.pageRefreshSeconds()).append("\">\n");
        }
        html.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>jlb status</title>\n<style>\n").append(CSS).append("\n</style></head>\n<body>\n");
        html.append("<header><h1>jlb status</h1><span class=\"sub\">").append(routes.size())
                .append(routes.size() == 1 ? " route" : " routes").append(" &middot; rates over the last ")
                .append(seconds(options.window())).append(" &middot; ")
                .append(options.pageRefreshSeconds() > 0 ? "refreshes every " + options.pageRefreshSeconds() + " s"
                        : "does not refresh")
                .append(" &middot; updated ").append(LocalTime.now().truncatedTo(ChronoUnit.SECONDS))
                .append("</span></header>\n");
        for (String warning : warnings) {
            html.append("<section class=\"warning\"><span class=\"warn\">WARNING</span> ").append(escape(warning))
                    .append("</section>\n");
        }
        if (routes.isEmpty()) {
            html.append("<section><div class=\"empty\">No routes.</div></section>\n");
        }
        for (Route route : routes) {
            route(html, route);
        }
        html.append("</body></html>\n");
        return html.toString();
    }

    private static void route(StringBuilder html, Route route) {
        StatsWindow.Recent recent = route.recent();
        LoadBalancerStats stats = recent.current();
        html.append("<section id=\"route-").append(escape(stats.name())).append("\">\n<h2>route ")
                .append(escape(stats.name())).append(" <span class=\"tag\">")
                .append(escape(route.loadBalancer().strategy().name())).append("</span>");
        if (stats.inPanic()) {
            html.append(" <span class=\"panic\">PANIC</span>");
        }
        html.append("</h2>\n<div class=\"summary\">");
        summary(html, "req/s", rate(recent.requestsPerSecond()));
        summary(html, "in flight", Integer.toString(stats.inFlight()));
        summary(html, "requests", Long.toString(stats.requests()));
        summary(html, "503 no backend", Long.toString(stats.noBackend()));
        summary(html, "retries", Long.toString(stats.retries()));
        summary(html, "retries exhausted", Long.toString(stats.retriesExhausted()));
        if (route.loadBalancer().overload().isEnabled()) {
            summary(html, "queued", Integer.toString(stats.queued()));
            summary(html, "503 overloaded", Long.toString(stats.noBackend(dev.jlb.NoBackendAvailableException.Reason.OVERLOADED)
                    + stats.noBackend(dev.jlb.NoBackendAvailableException.Reason.QUEUE_TIMEOUT)));
        }
        html.append("</div>\n");
        discoveries(html, route.loadBalancer().discovery().discoveries());
        if (stats.backends().isEmpty()) {
            html.append("<div class=\"empty\">No backends.</div>\n</section>\n");
            return;
        }
        html.append("<table>\n<thead><tr><th class=\"l\">backend</th><th class=\"l\">state</th><th>weight</th>"
                + "<th>in flight</th><th>req/s</th><th>errors</th><th>p50</th><th>p99</th><th>requests</th>"
                + "<th>ejections</th></tr></thead>\n<tbody>\n");
        for (BackendStats backend : stats.backends()) {
            row(html, backend, recent);
        }
        html.append("</tbody></table>\n</section>\n");
    }

    /** One line per discovery of the route: where its backends come from and how its lookups go. */
    private static void discoveries(StringBuilder html, List<dev.jlb.discovery.Discovery> discoveries) {
        if (discoveries.isEmpty()) {
            return;
        }
        html.append("<table class=\"discoveries\">\n<thead><tr><th class=\"l\">discovery</th><th>backends</th>"
                + "<th>lookups</th><th>failures</th><th class=\"l\">last success</th><th class=\"l\">last error</th>"
                + "</tr></thead>\n<tbody>\n");
        for (dev.jlb.discovery.Discovery d : discoveries) {
            dev.jlb.discovery.DiscoveryStats ds = d.stats();
            html.append("<tr><td class=\"l\">").append(escape(ds.source())).append("</td><td>").append(ds.backends())
                    .append("</td><td>").append(ds.resolutions()).append("</td><td>").append(ds.failures())
                    .append("</td><td class=\"l\">").append(ds.lastSuccessEpochMillis() < 0 ? "never"
                            : escape(java.time.Instant.ofEpochMilli(ds.lastSuccessEpochMillis())
                                    .truncatedTo(ChronoUnit.SECONDS).toString()))
                    .append("</td><td class=\"l\">").append(escape(ds.lastError())).append("</td></tr>\n");
        }
        html.append("</tbody></table>\n");
    }

    private static void row(StringBuilder html, BackendStats b, StatsWindow.Recent recent) {
        String state = b.state().name().toLowerCase(Locale.ROOT);
        LatencyDistribution latency = recent.latency(b);
        double errors = recent.errorRate(b);
        html.append("<tr class=\"").append(state).append("\" id=\"backend-").append(escape(b.backend().id()))
                .append("\"><td class=\"l id\">").append(escape(b.backend().id()));
        if (!b.backend().source().equals(Backend.STATIC_SOURCE)) {
            html.append(" <span class=\"tag\" title=\"discovered by\">").append(escape(b.backend().source())).append("</span>");
        }
        html.append("</td>");
        html.append("<td class=\"l\"><span class=\"st\">").append(b.state().name()).append("</span>");
        if (!b.stateReason().isEmpty() && b.state() != BackendState.HEALTHY) {
            html.append("<span class=\"reason\" title=\"").append(escape(b.stateReason())).append("\">")
                    .append(escape(b.stateReason())).append("</span>");
        }
        html.append("</td><td>").append(b.backend().weight());
        if (b.weightFactor() > 0 && b.weightFactor() < 1) {
            // Ramping up (slow start) or degraded: the share of its weight it gets now.
            html.append("<span class=\"eff\" title=\"gets this share of its weight now\">")
                    .append(Math.max(1, Math.round(b.weightFactor() * 100))).append("%</span>");
        }
        html.append("</td><td>").append(b.inFlight()).append("</td>");
        html.append("<td>").append(rate(recent.requestsPerSecond(b))).append("</td>");
        html.append("<td>").append(errorRate(errors)).append("</td>");
        html.append("<td>").append(millis(latency.quantileNanos(0.5))).append("</td>");
        html.append("<td>").append(millis(latency.quantileNanos(0.99))).append("</td>");
        html.append("<td>").append(b.requests()).append("</td>");
        html.append("<td>").append(b.ejections()).append("</td></tr>\n");
    }

    private static void summary(StringBuilder html, String label, String value) {
        html.append("<span>").append(label).append("<b>").append(value).append("</b></span>");
    }

    static String rate(double perSecond) {
        return perSecond >= 100 ? Long.toString(Math.round(perSecond)) : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    static String errorRate(double ratio) {
        if (Double.isNaN(ratio)) {
            return "<span class=\"none\">&ndash;</span>";
        }
        String text = String.format(Locale.ROOT, "%.1f%%", ratio * 100);
        if (ratio >= 0.05) {
            return "<span class=\"bad\">" + text + "</span>";
        }
        return ratio > 0 ? "<span class=\"warn\">" + text + "</span>" : text;
    }

    static String millis(long nanos) {
        if (nanos < 0) {
            return "<span class=\"none\">&ndash;</span>";
        }
        double ms = nanos / 1e6;
        if (ms >= 10_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000);
        }
        String pattern = ms >= 100 ? "%.0f ms" : ms >= 10 ? "%.1f ms" : "%.2f ms";
        return String.format(Locale.ROOT, pattern, ms);
    }

    private static String seconds(Duration window) {
        long millis = window.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<':
                    out.append("&lt;");
                    break;
                case '>':
                    out.append("&gt;");
                    break;
                case '&':
                    out.append("&amp;");
                    break;
                case '"':
                    out.append("&quot;");
                    break;
                case '\'':
                    out.append("&#39;");
                    break;
                default:
                    out.append(c);
            }
        }
        return out.toString();
    }
}
