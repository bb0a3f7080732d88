package io.clipguard.evaluation;

import io.clipguard.clip.ModelIdentity;
import io.clipguard.policy.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The calibration and bias-audit reports: printed, and written as {@code report.json} and {@code report.html}. */
public final class Reports {
    private Reports() {
    }

    public static void calibration(ModelIdentity model, Policy policy, int images, List<Calibration.Result> results, Path dir, PrintWriter out) {
        out.printf("%-20s %-18s %9s %9s %9s %-16s %7s %-16s %s%n", "category", "target", "positives", "old", "new", "precision [95% CI]", "",
                "recall [95% CI]", "");
        for (Calibration.Result r : results) {
            out.printf(Locale.ROOT, "%-20s %-18s %9d %9.4g %9s %5.2f [%.2f, %.2f]      %5.2f [%.2f, %.2f]  %s%n", r.category(), r.target(), r.positives(),
                    r.oldThreshold(), r.changed() ? String.format(Locale.ROOT, "%.4g", r.threshold()) : "(same)", r.precision(), r.precisionCi()[0],
                    r.precisionCi()[1], r.recall(), r.recallCi()[0], r.recallCi()[1], r.note());
        }
        out.flush();
        Map<String, Object> json = header(model, policy, images);
        json.put("categories", results);
        StringBuilder h = new StringBuilder(Html.head("ClipGuard calibration " + policy.id() + " v" + policy.version()));
        h.append("<table><tr><th>category</th><th>target</th><th>positives</th><th>old</th><th>new</th><th>precision [95% CI]</th>"
                + "<th>recall [95% CI]</th><th>note</th></tr>");
        for (Calibration.Result r : results) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%.4g</td><td>%s</td><td>%.2f [%.2f, %.2f]</td>"
                    + "<td>%.2f [%.2f, %.2f]</td><td>%s</td></tr>", Html.escape(r.category()), Html.escape(r.target().toString()), r.positives(),
                    r.oldThreshold(), r.changed() ? String.format(Locale.ROOT, "%.4g", r.threshold()) : "(same)", r.precision(), r.precisionCi()[0],
                    r.precisionCi()[1], r.recall(), r.recallCi()[0], r.recallCi()[1], Html.escape(r.note())));
        }
        write(dir, json, h.append("</table></body></html>\n").toString());
    }

    public static void bias(ModelIdentity model, Policy policy, int images, double maxRatio, List<BiasAudit.GroupRates> rates, Path dir,
                            PrintWriter out) {
        out.printf("%-18s %-14s %11s %-20s %7s %11s %-20s %7s  %s%n", "category", "group", "negatives", "FPR [95% CI]", "x best", "positives",
                "FNR [95% CI]", "x best", "flag");
        for (BiasAudit.GroupRates g : rates) {
            out.printf(Locale.ROOT, "%-18s %-14s %11d %.3f [%.3f, %.3f] %7s %11d %.3f [%.3f, %.3f] %7s  %s%n", g.category(), g.group(),
                    g.negatives(), g.fpr(), g.fprCi()[0], g.fprCi()[1], ratio(g.fprRatio()), g.positives(), g.fnr(), g.fnrCi()[0], g.fnrCi()[1],
                    ratio(g.fnrRatio()), g.flagged() ? "FLAGGED: " + g.why() : "");
        }
        out.flush();
        Map<String, Object> json = header(model, policy, images);
        json.put("maxRatio", maxRatio);
        json.put("groups", rates);
        StringBuilder h = new StringBuilder(Html.head("ClipGuard bias audit " + policy.id() + " v" + policy.version()));
        h.append("<p>Groups whose error rate is more than ").append(maxRatio).append(" times the best group's are flagged.</p><table><tr>"
                + "<th>category</th><th>group</th><th>negatives</th><th>false-positive rate [95% CI]</th><th>x best</th><th>positives</th>"
                + "<th>false-negative rate [95% CI]</th><th>x best</th><th></th></tr>");
        for (BiasAudit.GroupRates g : rates) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%.3f [%.3f, %.3f]</td><td>%s</td><td>%d</td>"
                    + "<td>%.3f [%.3f, %.3f]</td><td>%s</td><td class=\"flag\">%s</td></tr>", Html.escape(g.category()), Html.escape(g.group()),
                    g.negatives(), g.fpr(), g.fprCi()[0], g.fprCi()[1], ratio(g.fprRatio()), g.positives(), g.fnr(), g.fnrCi()[0], g.fnrCi()[1],
                    ratio(g.fnrRatio()), g.flagged() ? Html.escape(g.why()) : ""));
        }
        write(dir, json, h.append("</table></body></html>\n").toString());
    }

    private static String ratio(Double r) {
        return r == null ? "inf" : String.format(Locale.ROOT, "%.2f", r);
    }

    private static Map<String, Object> header(ModelIdentity model, Policy policy, int images) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", EvaluationReport.identity(model));
        json.put("policy", EvaluationReport.identity(policy));
        json.put("images", images);
        return json;
    }

    private static void write(Path dir, Object json, String html) {
        try {
            Files.createDirectories(dir);
            EvaluationReport.JSON.writeValue(dir.resolve("report.json").toFile(), json);
            Files.writeString(dir.resolve("report.html"), html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + dir + ": " + e.getMessage(), e);
        }
    }
}
