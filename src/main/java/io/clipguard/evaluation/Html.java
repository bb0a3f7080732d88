package io.clipguard.evaluation;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The few pieces of self-contained HTML the evaluation reports share: a page head, an SVG precision-recall curve, a count matrix. */
final class Html {
    private Html() {
    }

    static String head(String title) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title><style>"
                + "body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#222}table{border-collapse:collapse}"
                + "td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}svg{background:#fafafa;border:1px solid #ddd}"
                + ".flag{color:#b00020;font-weight:600}</style></head><body><h1>" + escape(title) + "</h1>";
    }

    /** Recall on x, precision on y, both 0..1; a red dot at the marked point. */
    static String prCurve(List<double[]> curve, double markRecall, double markPrecision, String markLabel) {
        int size = 260;
        StringBuilder points = new StringBuilder();
        for (double[] p : curve) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", 30 + p[2] * (size - 40), size - 30 - p[1] * (size - 40)));
        }
        return String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\"><text x=\"2\" y=\"14\" font-size=\"11\">precision 1</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\">recall 1</text><polyline fill=\"none\" stroke=\"#3949ab\" stroke-width=\"1.5\" "
                + "points=\"%s\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#c62828\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s"
                + "</text></svg>", size, size, size - 50, size - 14, points, 30 + markRecall * (size - 40), size - 30 - markPrecision * (size - 40),
                Math.min(size - 120.0, 36 + markRecall * (size - 40)), Math.max(24.0, size - 38 - markPrecision * (size - 40)), escape(markLabel));
    }

    /** A reliability diagram: mean predicted probability on x, observed frequency on y, the diagonal for reference. */
    static String reliability(Reliability r, String label) {
        int size = 220;
        StringBuilder dots = new StringBuilder();
        for (Reliability.Bin b : r.bins()) {
            double radius = Math.max(2, Math.min(8, Math.sqrt(b.count())));
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#3949ab\" fill-opacity=\"0.7\">"
                    + "<title>%.2f-%.2f: %.0f images, predicted %.3f, observed %.3f</title></circle>", 20 + b.predicted() * (size - 30),
                    size - 20 - b.observed() * (size - 30), radius, b.from(), b.to(), b.count(), b.predicted(), b.observed()));
        }
        return String.format(Locale.ROOT, "<figure><svg width=\"%d\" height=\"%d\"><line x1=\"20\" y1=\"%d\" x2=\"%d\" y2=\"10\" "
                + "stroke=\"#999\" stroke-dasharray=\"4\"/>%s</svg><figcaption>%s: ECE %.3f</figcaption></figure>", size, size, size - 20,
                size - 10, dots, escape(label), r.ece());
    }

    static String matrix(Map<String, Map<String, Integer>> counts) {
        TreeSet<String> columns = new TreeSet<>();
        counts.values().forEach(row -> columns.addAll(row.keySet()));
        StringBuilder h = new StringBuilder("<table><tr><th></th>");
        columns.forEach(c -> h.append("<th>").append(escape(c)).append("</th>"));
        h.append("</tr>");
        counts.forEach((label, row) -> {
            h.append("<tr><th>").append(escape(label)).append("</th>");
            columns.forEach(c -> h.append("<td>").append(row.getOrDefault(c, 0)).append("</td>"));
            h.append("</tr>");
        });
        return h.append("</table>").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
