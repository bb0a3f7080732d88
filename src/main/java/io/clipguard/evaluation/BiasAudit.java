package io.clipguard.evaluation;

import io.clipguard.policy.Policy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Error rates by group that stand up (docs/trust-and-safety.md, Bias audit): for each category,
 * each group (an attribute's value, or with {@code intersections} a combination of every
 * attribute's values) and each rate (false positives among images without the category, false
 * negatives among images with it), the group is compared with the rest pooled. The difference
 * of rates gets Newcombe's interval; the group is flagged only when that interval lies beyond
 * the tolerance, after Holm's (or Benjamini-Hochberg's) correction over every test of the audit,
 * so that groups sharing one true rate are flagged at the stated error rate, not on nearly every
 * category. Each test also states the smallest difference its sizes could detect (80 % power at
 * the corrected level): a group too small to show a disparity is said to be so, not passed.
 */
public final class BiasAudit {
    /**
     * @param tolerance  differences of rates up to this are acceptable (0: any difference)
     * @param alpha      the family's error rate (0.05)
     * @param correction {@code holm} (family-wise error) or {@code bh} (false discovery rate)
     * @param minImages  images of the kind a group and the rest each need to be tested
     */
    public record Settings(double tolerance, double alpha, String correction, int minImages) {
    }

    /**
     * One test. {@code difference} is the group's rate minus the rest's, {@code interval} its
     * two-sided Newcombe interval at 1 - alpha, {@code p} the p-value of a difference beyond the
     * tolerance, {@code detectable} the smallest difference beyond the tolerance these sizes
     * detect with 80 % power at the corrected level.
     */
    public record Test(String category, String group, String rate, double groupErrors, double groupImages, double groupRate,
                       double restErrors, double restImages, double restRate, double difference, double[] interval, double p, double detectable,
                       boolean tested, boolean flagged, String why) {
    }

    /** Every test, and how many the correction counted. */
    public record Report(Settings settings, int tests, List<Test> results) {
        public long flagged() {
            return results.stream().filter(Test::flagged).count();
        }
    }

    private BiasAudit() {
    }

    public static Report audit(Policy policy, List<Sample> samples, Settings settings, boolean intersections) {
        Map<String, List<Sample>> groups = groups(samples, intersections);
        List<Test> drafts = new ArrayList<>();
        for (Policy.Category c : policy.categories()) {
            for (Map.Entry<String, List<Sample>> g : groups.entrySet()) {
                List<Sample> rest = rest(samples, g.getKey(), g.getValue());
                drafts.add(test(c, g.getKey(), "false-positive rate", g.getValue(), rest, false, settings));
                drafts.add(test(c, g.getKey(), "false-negative rate", g.getValue(), rest, true, settings));
            }
        }
        List<Test> tested = drafts.stream().filter(Test::tested).toList();
        int m = tested.size();
        List<Test> flaggedOrNot = correct(drafts, tested, settings);
        double level = settings.alpha() / Math.max(1, m);
        List<Test> out = flaggedOrNot.stream().map(t -> !t.tested() ? t : new Test(t.category(), t.group(), t.rate(), t.groupErrors(),
                t.groupImages(), t.groupRate(), t.restErrors(), t.restImages(), t.restRate(), t.difference(), t.interval(), t.p(),
                settings.tolerance() + Proportions.detectable(pooled(t), t.groupImages(), t.restImages(), level), true, t.flagged(),
                t.why())).toList();
        return new Report(settings, m, out);
    }

    private static double pooled(Test t) {
        double n = t.groupImages() + t.restImages();
        return n == 0 ? 0 : (t.groupErrors() + t.restErrors()) / n;
    }

    private static Test test(Policy.Category c, String group, String rate, List<Sample> in, List<Sample> rest, boolean positives,
                             Settings settings) {
        double[] g = errors(c, in, positives);
        double[] r = errors(c, rest, positives);
        double gr = g[1] == 0 ? 0 : g[0] / g[1];
        double rr = r[1] == 0 ? 0 : r[0] / r[1];
        boolean testable = g[1] >= settings.minImages() && r[1] >= settings.minImages();
        double[] interval = Proportions.newcombe(g[0], g[1], r[0], r[1], 1 - settings.alpha());
        double p = testable ? Proportions.pBeyond(g[0], g[1], r[0], r[1], settings.tolerance()) : 1;
        return new Test(c.id(), group, rate, g[0], g[1], gr, r[0], r[1], rr, gr - rr, interval, p, Double.NaN, testable, false,
                testable ? "" : "not tested: fewer than " + settings.minImages() + " images of the kind in the group or the rest");
    }

    /**
     * {errors, images} of the kind counted, as effective counts: with weighted images (reviewed
     * decisions) their weighted share scaled to Kish's effective sample size.
     */
    private static double[] errors(Policy.Category c, List<Sample> samples, boolean positives) {
        double errors = 0;
        double n = 0;
        double squares = 0;
        for (Sample s : samples) {
            if (s.is(c.id()) != positives) {
                continue;
            }
            boolean predicted = s.probability().getOrDefault(c.id(), 0.0) >= c.threshold();
            boolean wrong = positives != predicted;
            errors += wrong ? s.weight() : 0;
            n += s.weight();
            squares += s.weight() * s.weight();
        }
        if (n == 0) {
            return new double[] {0, 0};
        }
        double scale = n / squares;
        return new double[] {errors * scale, n * scale};
    }

    /** Holm's step-down or Benjamini-Hochberg's step-up over the tested p-values. */
    private static List<Test> correct(List<Test> all, List<Test> tested, Settings settings) {
        List<Test> sorted = new ArrayList<>(tested);
        sorted.sort(Comparator.comparingDouble(Test::p));
        int m = sorted.size();
        java.util.Set<Test> flagged = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if ("bh".equals(settings.correction())) {
            int last = -1;
            for (int i = 0; i < m; i++) {
                if (sorted.get(i).p() <= (i + 1) * settings.alpha() / m) {
                    last = i;
                }
            }
            for (int i = 0; i <= last; i++) {
                flagged.add(sorted.get(i));
            }
        } else {
            for (int i = 0; i < m; i++) {
                if (sorted.get(i).p() > settings.alpha() / (m - i)) {
                    break;
                }
                flagged.add(sorted.get(i));
            }
        }
        String method = "bh".equals(settings.correction()) ? "Benjamini-Hochberg" : "Holm";
        return all.stream().map(t -> flagged.contains(t) ? new Test(t.category(), t.group(), t.rate(), t.groupErrors(), t.groupImages(),
                t.groupRate(), t.restErrors(), t.restImages(), t.restRate(), t.difference(), t.interval(), t.p(), t.detectable(), true, true,
                String.format(java.util.Locale.ROOT, "%s %s than the rest by more than %s (p = %.2g, %s over %d tests)",
                        t.rate(), t.difference() > 0 ? "higher" : "lower", settings.tolerance(), t.p(), method, m)) : t).toList();
    }

    /** Groups by attribute value ({@code attr=value}), and with {@code intersections} by every attribute's value together. */
    static Map<String, List<Sample>> groups(List<Sample> samples, boolean intersections) {
        Map<String, List<Sample>> out = new TreeMap<>();
        TreeSet<String> attributes = new TreeSet<>();
        samples.forEach(s -> attributes.addAll(s.attributes().keySet()));
        for (Sample s : samples) {
            s.attributes().forEach((a, v) -> out.computeIfAbsent(a + "=" + v, k -> new ArrayList<>()).add(s));
            if (intersections && attributes.size() > 1 && s.attributes().keySet().containsAll(attributes)) {
                String key = attributes.stream().map(a -> a + "=" + s.attributes().get(a)).collect(Collectors.joining(" & "));
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            }
        }
        return out;
    }

    /** The rest a group is compared with: every image that has the group's attributes, outside the group. */
    private static List<Sample> rest(List<Sample> samples, String group, List<Sample> members) {
        List<String> attributes = new ArrayList<>();
        for (String part : group.split(" & ")) {
            attributes.add(part.substring(0, part.indexOf('=')));
        }
        java.util.Set<Sample> in = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        in.addAll(members);
        return samples.stream().filter(s -> !in.contains(s) && s.attributes().keySet().containsAll(attributes)).toList();
    }

    /** The audit's settings and counts as a JSON-ready map (the report's header). */
    static Map<String, Object> describe(Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tolerance", r.settings().tolerance());
        m.put("alpha", r.settings().alpha());
        m.put("correction", r.settings().correction());
        m.put("minImages", r.settings().minImages());
        m.put("tests", r.tests());
        m.put("flagged", r.flagged());
        return m;
    }
}
