package dev.jlb.simulate;

import dev.jlb.Backend;
import java.util.List;
import java.util.Locale;

/**
 * A plot of a run over time as a self-contained SVG: each backend's share of the attempts per step
 * (top) and the clients' p99 latency per step (bottom), with the changes of the scenario marked.
 * No scripts, no external fonts: it renders the same in a browser and on a code host.
 */
final class SvgPlot {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 800;
    private static final int LEFT = 60;
    private static final int RIGHT = 170;
    private static final int PANEL = 200;
    private static final int GAP = 50;

    private SvgPlot() {
    }

    static String render(SimResult r) {
        List<Backend> members = r.scenario.route().backends();
        int plotW = W - LEFT - RIGHT;
        int top1 = 30;
        int top2 = top1 + PANEL + GAP;
        int h = top2 + PANEL + 40;
        double[][] share = new double[r.steps][members.size()];
        double maxShare = 0;
        long maxP99 = 1;
        for (int t = 0; t < r.steps; t++) {
            long total = 0;
            for (long c : r.stepAttempts[t]) {
                total += c;
            }
            for (int i = 0; i < members.size(); i++) {
                share[t][i] = total == 0 ? 0 : (double) r.stepAttempts[t][i] / total;
                maxShare = Math.max(maxShare, share[t][i]);
            }
            maxP99 = Math.max(maxP99, r.stepP99[t]);
        }
        maxShare = Math.max(0.05, Math.ceil(maxShare * 20) / 20);
        double seconds = r.steps * r.scenario.stepNanos() / 1e9;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", W, h));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, h));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">route %s, %s: share of attempts "
                + "per backend</text>%n", LEFT, esc(r.scenario.route().name()), esc(r.scenario.route().strategy().name())));
        axes(b, top1, plotW, seconds, maxShare, "share", true);
        for (int i = 0; i < members.size(); i++) {
            StringBuilder pts = new StringBuilder();
            for (int t = 0; t < r.steps; t++) {
                double x = LEFT + plotW * (t + 0.5) / r.steps;
                double y = top1 + PANEL - PANEL * share[t][i] / maxShare;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String color = COLORS[i % COLORS.length];
            b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                    + "points=\"%s\"/>%n", color, pts.toString().strip()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s (w %d)</text>%n",
                    W - RIGHT + 10, top1 + 14 + 14 * i, color, esc(members.get(i).id()), members.get(i).weight()));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\">p99 latency per step (ms)</text>%n",
                LEFT, top2 - 12));
        double maxMs = Math.max(0.001, maxP99 / 1e6);
        axes(b, top2, plotW, seconds, maxMs, "ms", false);
        StringBuilder pts = new StringBuilder();
        for (int t = 0; t < r.steps; t++) {
            double x = LEFT + plotW * (t + 0.5) / r.steps;
            double y = top2 + PANEL - PANEL * (r.stepP99[t] / 1e6) / maxMs;
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"black\" stroke-width=\"1.5\" "
                + "points=\"%s\"/>%n", pts.toString().strip()));
        for (Scenario.Change c : r.scenario.changes()) {
            double x = LEFT + plotW * (c.atNanos() / 1e9) / seconds;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
                    + "stroke-dasharray=\"4,3\"/>%n", x, top1, x, top2 + PANEL));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static void axes(StringBuilder b, int top, int plotW, double seconds, double max, String unit,
            boolean percent) {
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#444\"/>%n", LEFT, top, plotW, PANEL));
        for (int k = 0; k <= 4; k++) {
            double v = max * k / 4;
            int y = top + PANEL - PANEL * k / 4;
            String label = percent ? String.format(Locale.ROOT, "%.0f%%", v * 100) : String.format(Locale.ROOT, "%.1f", v);
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LEFT - 5,
                    y + 4, label));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>%n",
                    LEFT + 1, y, LEFT + plotW - 1, y));
        }
        for (int k = 0; k <= 5; k++) {
            int x = LEFT + plotW * k / 5;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0fs</text>%n", x,
                    top + PANEL + 14, seconds * k / 5));
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
