package io.clipguard.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clipguard.clip.ModelIdentity;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code clipguard evaluate}'s result: per category precision, recall and PR-AUC at the
 * policy's threshold, the confusion of labels against outcomes (the triggering category, or
 * none), for one model digest and one policy version. Printed, and written as
 * {@code report.json} and a self-contained {@code report.html} with each category's
 * precision-recall curve and the current threshold marked on it.
 */
public record EvaluationReport(Map<String, Object> model, Map<String, Object> policy, int images, Map<String, String> skipped,
                               List<CategoryMetrics> categories, Map<String, Map<String, Integer>> confusion, Comparison comparison) {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public static EvaluationReport of(ModelIdentity model, Policy policy, SampleScorer.Scored scored) {
        List<CategoryMetrics> categories = new ArrayList<>();
        for (Policy.Category c : policy.categories()) {
            categories.add(CategoryMetrics.of(c.id(), c.threshold(), scored.samples()));
        }
        Map<String, Map<String, Integer>> confusion = new TreeMap<>();
        for (Sample s : scored.samples()) {
            confusion.computeIfAbsent(s.label(), k -> new TreeMap<>()).merge(s.outcome(), 1, Integer::sum);
        }
        return new EvaluationReport(identity(model), identity(policy), scored.samples().size(), scored.skipped(), categories, confusion, null);
    }

    /** The same report with a comparison against another model or policy scored on the same images. */
    public EvaluationReport with(Comparison c) {
        return new EvaluationReport(model, policy, images, skipped, categories, confusion, c);
    }

    static Map<String, Object> identity(ModelIdentity model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", model.id());
        m.put("digest", model.digest());
        return m;
    }

    static Map<String, Object> identity(Policy policy) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", policy.id());
        p.put("version", policy.version());
        p.put("hash", PolicyFiles.hash(policy));
        return p;
    }

    public void print(PrintWriter out) {
        out.printf("model %s %s, policy %s v%s, %d images (%d skipped)%n", model.get("id"), model.get("digest"), policy.get("id"),
                policy.get("version"), images, skipped.size());
        out.printf("%-20s %9s %5s %5s %5s %9s %7s %7s %7s%n", "category", "threshold", "tp", "fp", "fn", "precision", "recall", "pr_auc", "ece");
        for (CategoryMetrics m : categories) {
            out.printf(Locale.ROOT, "%-20s %9.3f %5d %5d %5d %9.3f %7.3f %7.3f %7.3f%n", m.id(), m.threshold(), m.tp(), m.fp(), m.fn(), m.precision(),
                    m.recall(), m.prAuc(), m.reliability().ece());
        }
        out.println("confusion (label -> outcome): " + confusion);
        if (comparison != null) {
            out.printf("compared: %s (baseline) against %s on %d images%n", comparison.baseline(), comparison.candidate(), comparison.images());
            for (Comparison.Category c : comparison.categories()) {
                out.printf(Locale.ROOT, "  %-18s AP %.3f -> %.3f, difference %+.3f [%+.3f, %+.3f] (paired bootstrap 95 %%)%n", c.id(),
                        c.baselineAp(), c.candidateAp(), c.difference(), c.interval()[0], c.interval()[1]);
            }
            Comparison.McNemar m = comparison.decisions();
            out.printf(Locale.ROOT, "  decisions right: both %d, baseline only %d, candidate only %d, neither %d; McNemar exact p = %.3g%n",
                    m.bothRight(), m.baselineOnly(), m.candidateOnly(), m.bothWrong(), m.p());
        }
        skipped.forEach((image, why) -> out.println("skipped " + image + ": " + why));
        out.flush();
    }

    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve("report.json").toFile(), this);
            Files.writeString(dir.resolve("report.html"), html(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + dir + ": " + e.getMessage(), e);
        }
    }

    private String html() {
        StringBuilder h = new StringBuilder(Html.head("ClipGuard evaluation " + policy.get("id") + " v" + policy.get("version")));
        h.append("<p>model ").append(Html.escape(model.get("id") + " " + model.get("digest"))).append(" · policy ")
                .append(Html.escape(policy.get("id") + " v" + policy.get("version") + " " + policy.get("hash"))).append(" · ").append(images)
                .append(" images</p><table><tr><th>category</th><th>threshold</th><th>tp</th><th>fp</th><th>fn</th><th>precision</th>"
                        + "<th>recall</th><th>PR-AUC</th></tr>");
        for (CategoryMetrics m : categories) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%d</td><td>%d</td><td>%d</td><td>%.3f</td><td>%.3f</td>"
                    + "<td>%.3f</td></tr>", Html.escape(m.id()), m.threshold(), m.tp(), m.fp(), m.fn(), m.precision(), m.recall(), m.prAuc()));
        }
        h.append("</table>");
        for (CategoryMetrics m : categories) {
            h.append("<h2>").append(Html.escape(m.id())).append(": precision against recall, and reliability</h2>")
                    .append(Html.prCurve(m.curve(), m.recall(), m.precision(), "threshold " + m.threshold()))
                    .append(Html.reliability(m.reliability(), m.id()));
        }
        if (comparison != null) {
            h.append("<h2>").append(Html.escape(comparison.candidate() + " against " + comparison.baseline())).append("</h2><table><tr>"
                    + "<th>category</th><th>AP baseline</th><th>AP candidate</th><th>difference [95% paired bootstrap]</th></tr>");
            for (Comparison.Category c : comparison.categories()) {
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%+.3f [%+.3f, %+.3f]</td></tr>",
                        Html.escape(c.id()), c.baselineAp(), c.candidateAp(), c.difference(), c.interval()[0], c.interval()[1]));
            }
            Comparison.McNemar m = comparison.decisions();
            h.append(String.format(Locale.ROOT, "</table><p>Decisions right: both %d, baseline only %d, candidate only %d, neither %d; "
                    + "McNemar exact p = %.3g</p>", m.bothRight(), m.baselineOnly(), m.candidateOnly(), m.bothWrong(), m.p()));
        }
        h.append("<h2>Confusion (rows: label; columns: outcome)</h2>").append(Html.matrix(confusion));
        return h.append("</body></html>\n").toString();
    }
}
