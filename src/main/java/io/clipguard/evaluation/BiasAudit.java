package io.clipguard.evaluation;

import io.clipguard.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Error rates by group: for each group and category, the false-positive rate among the
 * group's images not labelled with the category and the false-negative rate among those
 * labelled with it, each with a 95 % Wilson interval, and its ratio to the best group's rate.
 * A group whose rate is more than {@code maxRatio} times the best group's (with enough images
 * to tell) is flagged. CLIP's model card documents such disparities for attributes of people;
 * the audit makes them visible on the deployment's own data.
 */
public final class BiasAudit {
    /** One group's rates for one category. A ratio is null when the best group's rate is 0 and this one's is not (infinitely worse). */
    public record GroupRates(String category, String group, int negatives, int fp, double fpr, double[] fprCi, Double fprRatio,
                             int positives, int fn, double fnr, double[] fnrCi, Double fnrRatio, boolean flagged, String why) {
    }

    private BiasAudit() {
    }

    public static List<GroupRates> audit(Policy policy, List<Sample> samples, double maxRatio, int minImages) {
        Map<String, List<Sample>> byGroup = new TreeMap<>();
        samples.stream().filter(s -> s.group() != null).forEach(s -> byGroup.computeIfAbsent(s.group(), k -> new ArrayList<>()).add(s));
        List<GroupRates> out = new ArrayList<>();
        for (Policy.Category c : policy.categories()) {
            Map<String, CategoryMetrics.Counts> metrics = new TreeMap<>();
            byGroup.forEach((g, list) -> metrics.put(g, CategoryMetrics.count(c.id(), c.threshold(), list)));
            double bestFpr = best(metrics, true, minImages);
            double bestFnr = best(metrics, false, minImages);
            metrics.forEach((g, m) -> {
                double fpr = rate(m.fp(), m.negatives());
                double fnr = rate(m.fn(), m.positives());
                Double fprRatio = ratio(fpr, bestFpr);
                Double fnrRatio = ratio(fnr, bestFnr);
                List<String> why = new ArrayList<>();
                if (m.negatives() >= minImages && (fprRatio == null || fprRatio > maxRatio)) {
                    why.add("false positives " + (fprRatio == null ? "where the best group has none" : String.format("%.2fx the best group", fprRatio)));
                }
                if (m.positives() >= minImages && (fnrRatio == null || fnrRatio > maxRatio)) {
                    why.add("false negatives " + (fnrRatio == null ? "where the best group has none" : String.format("%.2fx the best group", fnrRatio)));
                }
                out.add(new GroupRates(c.id(), g, m.negatives(), m.fp(), fpr, wilson(m.fp(), m.negatives()), fprRatio, m.positives(), m.fn(), fnr,
                        wilson(m.fn(), m.positives()), fnrRatio, !why.isEmpty(), String.join("; ", why)));
            });
        }
        return out;
    }

    /** The lowest rate among groups with at least {@code minImages} of the kind counted. */
    private static double best(Map<String, CategoryMetrics.Counts> metrics, boolean falsePositives, int minImages) {
        return metrics.values().stream().filter(m -> (falsePositives ? m.negatives() : m.positives()) >= minImages)
                .mapToDouble(m -> falsePositives ? rate(m.fp(), m.negatives()) : rate(m.fn(), m.positives())).min().orElse(0);
    }

    private static Double ratio(double rate, double best) {
        if (best == 0) {
            return rate == 0 ? 1.0 : null;
        }
        return rate / best;
    }

    static double rate(int errors, int of) {
        return of == 0 ? 0 : (double) errors / of;
    }

    /** Wilson score interval at 95 % for {@code k} of {@code n}. */
    static double[] wilson(int k, int n) {
        if (n == 0) {
            return new double[] {0, 1};
        }
        double z = 1.96;
        double p = (double) k / n;
        double denominator = 1 + z * z / n;
        double centre = (p + z * z / (2 * n)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }
}
