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

    public static void calibration(ModelIdentity model, Policy policy, int images, double effective, List<Calibration.Result> results,
                                   Path dir, PrintWriter out) {
        out.printf("%d images (effective %.1f); precision and recall with one-sided 95 %% bounds; held out: chosen on four folds, "
                + "counted on the fifth; ECE of held-out calibrated probabilities (was: uncalibrated)%n", images, effective);
        out.printf("%-18s %-44s %5s %9s %9s %-18s %-18s %-14s %6s %6s%n", "category", "target", "pos", "old", "new", "precision (bound)",
                "recall (bound)", "held out p/r", "ECE", "was");
        for (Calibration.Result r : results) {
            out.printf(Locale.ROOT, "%-18s %-44s %5.0f %9.4g %9s %-18s %-18s %-14s %6.3f %6.3f%n", r.category(), r.target(), r.positives(),
                    r.oldThreshold(), r.supported() ? String.format(Locale.ROOT, "%.4g", r.threshold()) : "(same)", estimate(r.precision()),
                    estimate(r.recall()), String.format(Locale.ROOT, "%.3f/%.3f", r.heldOutPrecision().value(), r.heldOutRecall().value()),
                    r.eceAfter(), r.eceBefore());
            out.println("  " + r.note());
        }
        out.flush();
        Map<String, Object> json = header(model, policy, images);
        json.put("effectiveSampleSize", effective);
        json.put("method", "Platt calibration of the margin; threshold: the lowest whose Clopper-Pearson one-sided 95 % bound meets the "
                + "target (at a prevalence: true- and false-positive rates bounded at 97.5 % each); held out (stratified 5-fold): calibration "
                + "and a threshold fitted on four folds, judged on the fifth; stratified bootstrap percentile intervals (1,000 resamples, "
                + "undefined precision dropped and counted)");
        json.put("categories", results);
        StringBuilder h = new StringBuilder(Html.head("ClipGuard calibration " + policy.id() + " v" + policy.version()));
        h.append("<p>Precision and recall at the chosen threshold with one-sided 95 % bounds (Clopper-Pearson); held out: a threshold "
                + "chosen on four folds, counted on the fifth; ECE of held-out calibrated probabilities.</p>")
                .append("<table><tr><th>category</th><th>target</th><th>positives</th><th>old</th><th>new</th><th>precision (bound)</th>"
                        + "<th>recall (bound)</th><th>ECE before</th><th>ECE after</th><th>note</th></tr>");
        for (Calibration.Result r : results) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.0f</td><td>%.4g</td><td>%s</td><td>%s</td><td>%s</td>"
                    + "<td>%.3f</td><td>%.3f</td><td>%s</td></tr>", Html.escape(r.category()), Html.escape(r.target().toString()), r.positives(),
                    r.oldThreshold(), r.supported() ? String.format(Locale.ROOT, "%.4g", r.threshold()) : "(same)", estimate(r.precision()),
                    estimate(r.recall()), r.eceBefore(), r.eceAfter(), Html.escape(r.note())));
        }
        h.append("</table>");
        for (Calibration.Result r : results) {
            if (r.reliability() != null) {
                h.append(Html.reliability(r.reliability(), r.category() + ", calibrated, held out"));
            }
        }
        write(dir, json, h.append("</body></html>\n").toString());
    }

    private static String estimate(Calibration.Estimate e) {
        return Double.isNaN(e.value()) ? "-" : String.format(Locale.ROOT, "%.3f (%.3f)", e.value(), e.bound());
    }

    public static void bias(ModelIdentity model, Policy policy, int images, BiasAudit.Report report, Path dir, PrintWriter out) {
        out.printf("each group against the rest pooled; Newcombe intervals at %.0f %%; %s correction over %d tests; tolerance %s%n",
                100 * (1 - report.settings().alpha()), "bh".equals(report.settings().correction()) ? "Benjamini-Hochberg" : "Holm", report.tests(),
                report.settings().tolerance());
        out.printf("%-16s %-26s %-20s %13s %13s %-22s %8s %10s  %s%n", "category", "group", "rate", "group", "rest", "difference [CI]", "p",
                "detectable", "flag");
        for (BiasAudit.Test t : report.results()) {
            out.printf(Locale.ROOT, "%-16s %-26s %-20s %5.0f/%-4.0f %.2f %5.0f/%-4.0f %.2f %+.3f [%+.3f, %+.3f] %8.2g %10.3f  %s%n", t.category(),
                    t.group(), t.rate(), t.groupErrors(), t.groupImages(), t.groupRate(), t.restErrors(), t.restImages(), t.restRate(),
                    t.difference(), t.interval()[0], t.interval()[1], t.p(), t.detectable(), t.flagged() ? "FLAGGED: " + t.why() : t.why());
        }
        out.flush();
        Map<String, Object> json = header(model, policy, images);
        json.put("audit", BiasAudit.describe(report));
        json.put("tests", report.results());
        StringBuilder h = new StringBuilder(Html.head("ClipGuard bias audit " + policy.id() + " v" + policy.version()));
        h.append(String.format(Locale.ROOT, "<p>Each group against the rest pooled. A group is flagged when Newcombe's interval for the "
                + "difference of rates lies beyond the tolerance (%s) after %s correction over %d tests at alpha %s. 'Detectable' is the "
                + "smallest difference these sizes would show with 80 %% power.</p>", report.settings().tolerance(),
                "bh".equals(report.settings().correction()) ? "Benjamini-Hochberg" : "Holm", report.tests(), report.settings().alpha()))
                .append("<table><tr><th>category</th><th>group</th><th>rate</th><th>group</th><th>rest</th><th>difference [CI]</th>"
                        + "<th>p</th><th>detectable</th><th></th></tr>");
        for (BiasAudit.Test t : report.results()) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.0f/%.0f = %.3f</td><td>%.0f/%.0f = %.3f</td>"
                    + "<td>%+.3f [%+.3f, %+.3f]</td><td>%.2g</td><td>%.3f</td><td class=\"flag\">%s</td></tr>", Html.escape(t.category()),
                    Html.escape(t.group()), t.rate(), t.groupErrors(), t.groupImages(), t.groupRate(), t.restErrors(), t.restImages(), t.restRate(),
                    t.difference(), t.interval()[0], t.interval()[1], t.p(), t.detectable(), Html.escape(t.flagged() ? t.why() : "")));
        }
        write(dir, json, h.append("</table></body></html>\n").toString());
    }

    private static Map<String, Object> header(ModelIdentity model, Policy policy, int images) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", EvaluationReport.identity(model));
        json.put("policy", EvaluationReport.identity(policy));
        json.put("images", images);
        return json;
    }

    static void write(Path dir, Object json, String html) {
        try {
            Files.createDirectories(dir);
            EvaluationReport.JSON.writeValue(dir.resolve("report.json").toFile(), json);
            Files.writeString(dir.resolve("report.html"), html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + dir + ": " + e.getMessage(), e);
        }
    }
}
