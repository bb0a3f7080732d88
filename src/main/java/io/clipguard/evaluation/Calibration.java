package io.clipguard.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.policy.Policy;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Thresholds from evidence: for each category, the threshold on a labelled sample that meets a
 * target precision with the most recall (or a target recall with the most precision), with
 * bootstrap confidence intervals for both at that threshold. A category with too few labelled
 * positives keeps its threshold, and the result says so: a threshold fitted to a handful of
 * images is a guess with decimals.
 */
public final class Calibration {
    /** What to aim for: a minimum precision, or a minimum recall. */
    public record Target(Double precision, Double recall) {
        public Target {
            if ((precision == null) == (recall == null)) {
                throw new IllegalArgumentException("give a target precision or a target recall");
            }
            double v = precision != null ? precision : recall;
            if (v <= 0 || v > 1) {
                throw new IllegalArgumentException("targets are in (0, 1], found " + v);
            }
        }

        @Override
        public String toString() {
            return precision != null ? "precision >= " + precision : "recall >= " + recall;
        }
    }

    /**
     * One category's result; {@code threshold} is the new one, or the old when {@code changed} is false.
     *
     * @param precisionCi 95 % bootstrap interval {low, high} of precision at {@code threshold}
     */
    public record Result(String category, Target target, double oldThreshold, double threshold, boolean changed, int positives, double precision,
                         double recall, double[] precisionCi, double[] recallCi, String note) {
    }

    static final int BOOTSTRAP = 1000;

    private Calibration() {
    }

    public static List<Result> calibrate(Policy policy, List<Sample> samples, Map<String, Target> perCategory, Target all, int minPositives,
                                         long seed) {
        List<Result> out = new ArrayList<>();
        for (Policy.Category c : policy.categories()) {
            Target target = perCategory.getOrDefault(c.id(), all);
            if (target == null) {
                continue;
            }
            int positives = (int) samples.stream().filter(s -> s.label().equals(c.id())).count();
            if (positives < minPositives) {
                CategoryMetrics.Counts now = CategoryMetrics.count(c.id(), c.threshold(), samples);
                double[][] ci = bootstrap(c.id(), c.threshold(), samples, seed);
                out.add(new Result(c.id(), target, c.threshold(), c.threshold(), false, positives, now.precision(), now.recall(), ci[0], ci[1],
                        "too few labelled positives (" + positives + " < " + minPositives + "): threshold left at " + c.threshold()));
                continue;
            }
            Double chosen = choose(c.id(), samples, target);
            if (chosen == null) {
                CategoryMetrics.Counts now = CategoryMetrics.count(c.id(), c.threshold(), samples);
                double[][] ci = bootstrap(c.id(), c.threshold(), samples, seed);
                out.add(new Result(c.id(), target, c.threshold(), c.threshold(), false, positives, now.precision(), now.recall(), ci[0], ci[1],
                        "no threshold reaches " + target + " on this sample: threshold left at " + c.threshold()));
                continue;
            }
            CategoryMetrics.Counts at = CategoryMetrics.count(c.id(), chosen, samples);
            double[][] ci = bootstrap(c.id(), chosen, samples, seed);
            out.add(new Result(c.id(), target, c.threshold(), chosen, chosen != c.threshold(), positives, at.precision(), at.recall(), ci[0], ci[1],
                    String.format(Locale.ROOT, "%s: %.4g -> %.4g", target, c.threshold(), chosen)));
        }
        return out;
    }

    /**
     * For a precision target: of the thresholds that meet it, those with the most recall, and of
     * those the highest (recall bought with no precision lost). For a recall target: the highest
     * threshold that keeps it (the most precision). Any threshold between that image's probability
     * and the next lower one in the sample decides the sample the same way; the midpoint keeps the
     * widest margin to both, which is what carries over to images the sample does not have.
     */
    static Double choose(String id, List<Sample> samples, Target target) {
        TreeSet<Double> all = new TreeSet<>();
        samples.forEach(s -> all.add(s.probability().getOrDefault(id, 0.0)));
        Double edge = edge(id, samples, target);
        if (edge == null) {
            return null;
        }
        Double below = all.lower(edge);
        return below == null ? edge : (below + edge) / 2;
    }

    /** The sample probability at which the target is met as described above. */
    private static Double edge(String id, List<Sample> samples, Target target) {
        TreeSet<Double> candidates = new TreeSet<>();
        samples.forEach(s -> candidates.add(s.probability().getOrDefault(id, 0.0)));
        candidates.removeIf(t -> t <= 0 || t > 1);
        if (target.precision() != null) {
            Double best = null;
            double bestRecall = -1;
            for (double t : candidates) {
                CategoryMetrics.Counts m = CategoryMetrics.count(id, t, samples);
                if (m.tp() > 0 && m.precision() >= target.precision() && m.recall() >= bestRecall) {
                    best = t;
                    bestRecall = m.recall();
                }
            }
            return best;
        }
        for (double t : candidates.descendingSet()) {
            if (CategoryMetrics.count(id, t, samples).recall() >= target.recall()) {
                return t;
            }
        }
        return null;
    }

    /** 95 % percentile intervals of {precision, recall} over {@link #BOOTSTRAP} resamples with replacement. */
    static double[][] bootstrap(String id, double threshold, List<Sample> samples, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] precision = new double[BOOTSTRAP];
        double[] recall = new double[BOOTSTRAP];
        List<Sample> resample = new ArrayList<>(samples.size());
        for (int b = 0; b < BOOTSTRAP; b++) {
            resample.clear();
            for (int i = 0; i < samples.size(); i++) {
                resample.add(samples.get(random.nextInt(samples.size())));
            }
            CategoryMetrics.Counts m = CategoryMetrics.count(id, threshold, resample);
            precision[b] = m.precision();
            recall[b] = m.recall();
        }
        Arrays.sort(precision);
        Arrays.sort(recall);
        int lo = (int) (BOOTSTRAP * 0.025);
        int hi = (int) (BOOTSTRAP * 0.975) - 1;
        return new double[][] {{precision[lo], precision[hi]}, {recall[lo], recall[hi]}};
    }

    /**
     * The policy document with the calibrated thresholds, as YAML (comments are not kept: the
     * draft's reason records where the numbers came from).
     */
    public static String draftYaml(String policyYaml, List<Result> results) {
        try {
            ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());
            JsonNode root = yaml.readTree(policyYaml);
            for (JsonNode category : root.path("categories")) {
                for (Result r : results) {
                    if (r.changed() && r.category().equals(category.path("id").asText())) {
                        ((ObjectNode) category).put("threshold", written(r.threshold()));
                    }
                }
            }
            return yaml.writeValueAsString(root);
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "cannot rewrite the policy: " + e.getMessage());
        }
    }

    /** A threshold as the draft writes it: six significant digits (a sample's probabilities can be tiny, and 0 is not a threshold). */
    static double written(double threshold) {
        return new BigDecimal(threshold).round(new MathContext(6)).doubleValue();
    }

    /** One line per category, for a draft's reason and the console. */
    public static String summary(int images, List<Result> results) {
        StringBuilder s = new StringBuilder("calibrated on " + images + " labelled images:");
        for (Result r : results) {
            s.append(String.format(Locale.ROOT, " %s %s (precision %.2f [%.2f, %.2f], recall %.2f [%.2f, %.2f], %d positives);", r.category(),
                    r.changed() ? String.format(Locale.ROOT, "%.4g -> %.4g", r.oldThreshold(), r.threshold()) : "unchanged", r.precision(),
                    r.precisionCi()[0], r.precisionCi()[1], r.recall(), r.recallCi()[0], r.recallCi()[1], r.positives()));
        }
        // The policy API takes reasons of up to 2,000 characters; the report has every number.
        return s.length() <= 1900 ? s.toString() : s.substring(0, 1880) + "... (see the report)";
    }
}
