package io.clipguard.evaluation;

import io.clipguard.policy.CalibrationCurve;
import io.clipguard.policy.Policy;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Calibrated probabilities and thresholds that production will honour (docs/trust-and-safety.md,
 * Calibrating). Per category: an isotonic calibration of its margin ({@link IsotonicRegression}); then
 * the threshold that meets a target with the most recall, judged by an exact one-sided 95 %
 * bound rather than a point estimate: for precision, at the prevalence the category has in
 * production ({@code --prevalence}), through the true- and false-positive rates (each bounded at
 * 97.5 %, so together at 95 %); for recall, its lower bound; for a false-positive rate on benign
 * images, its upper bound. A target no threshold's bound reaches is refused for that category
 * (its calibration and threshold stay as they were) with the labels it would need.
 *
 * <p>What is fitted is judged on images it was not fitted on: stratified five-fold cross-validation fits the
 * calibration on four folds and predicts the fifth (the reliability and expected calibration
 * error reported are those held-out predictions'), and chooses a threshold on four folds and
 * counts the fifth (the held-out precision and recall reported are what choosing on labels like
 * these gives on unseen images). That choosing the lowest passing threshold among many keeps the
 * bound's promise is checked by simulation (CalibrationTest). Percentile intervals come from a
 * bootstrap that resamples positives and negatives separately; resamples where precision is
 * undefined (no image predicted positive) are dropped and counted.
 */
public final class Calibration {
    static final double CONFIDENCE = 0.95;
    static final int FOLDS = 5;
    static final int BOOTSTRAP = 1000;

    /** What a target bounds. */
    public enum Kind {
        PRECISION, RECALL, FALSE_POSITIVE_RATE
    }

    /**
     * A target: a precision (at {@code prevalence}, or at the sample's own mix when null), a
     * recall, or a false-positive rate.
     */
    public record Target(Kind kind, double value, Double prevalence) {
        public Target {
            if (value <= 0 || value > 1) {
                throw new IllegalArgumentException("targets are in (0, 1], found " + value);
            }
            if (prevalence != null && (prevalence <= 0 || prevalence >= 1)) {
                throw new IllegalArgumentException("a prevalence is in (0, 1), found " + prevalence);
            }
        }

        Target at(Double p) {
            return new Target(kind, value, p);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case PRECISION -> String.format(Locale.ROOT, "precision >= %s %s", value, prevalence == null ? "at the sample's mix"
                        : "at prevalence " + new BigDecimal(prevalence).round(new MathContext(3)).stripTrailingZeros().toPlainString());
                case RECALL -> "recall >= " + value;
                case FALSE_POSITIVE_RATE -> "false-positive rate <= " + value;
            };
        }
    }

    /** A held-out estimate: point, its one-sided 95 % bound (lower for precision and recall, upper for a rate), bootstrap 95 % interval. */
    public record Estimate(double value, double bound, double[] interval) {
    }

    /** The labels a target would need, at the error rates the sample shows; {@code unreachable} when no sample size would do. */
    public record Needed(long morePositives, long moreNegatives, boolean unreachable) {
        @Override
        public String toString() {
            if (morePositives > 0 && moreNegatives > 0) {
                return morePositives + " more labelled positives and " + moreNegatives + " more negatives";
            }
            return morePositives > 0 ? morePositives + " more labelled positives" : moreNegatives + " more labelled negatives";
        }
    }

    /**
     * One category's result. {@code threshold} and the calibration are the new ones when
     * {@code supported}, else the category is left as it was.
     *
     * @param effectiveSampleSize Kish's effective number of labelled images (their count when unweighted)
     * @param precision           at the chosen threshold, with its one-sided bound (the one the target was judged by)
     * @param heldOutPrecision    what choosing a threshold on four folds gave on the fifth, pooled over the folds
     * @param eceBefore           expected calibration error of the uncalibrated scores, held out
     * @param eceAfter            of the calibrated ones, held out
     * @param undefinedResamples  bootstrap resamples dropped because nothing was predicted positive
     */
    public record Result(String category, Target target, boolean supported, double oldThreshold, double threshold, CalibrationCurve curve,
                         double positives, double negatives, double effectiveSampleSize, Estimate precision,
                         Estimate recall, Estimate falsePositiveRate, Estimate heldOutPrecision, Estimate heldOutRecall, double eceBefore,
                         double eceAfter, Reliability reliability, int undefinedResamples, Needed needed, String note) {
    }

    private Calibration() {
    }

    /**
     * Calibrates each category that has a target ({@code perCategory}, else {@code all}) on
     * samples scored by a schema-2 policy (their margins). {@code prevalences} gives a
     * category's production prevalence where its target does not.
     */
    public static List<Result> calibrate(Policy policy, List<Sample> samples, Map<String, Target> perCategory, Target all,
                                         Map<String, Double> prevalences, long seed) {
        List<Result> out = new ArrayList<>();
        for (Policy.Category c : policy.categories()) {
            Target target = perCategory.getOrDefault(c.id(), all);
            if (target == null) {
                continue;
            }
            if (target.kind() == Kind.PRECISION && target.prevalence() == null && prevalences.containsKey(c.id())) {
                target = target.at(prevalences.get(c.id()));
            }
            out.add(category(c, samples, target, seed));
        }
        return out;
    }

    private static Result category(Policy.Category c, List<Sample> samples, Target target, long seed) {
        String id = c.id();
        int n = samples.size();
        double[] margins = new double[n];
        boolean[] positive = new boolean[n];
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            margins[i] = s.margin().getOrDefault(id, Double.NEGATIVE_INFINITY);
            positive[i] = s.is(id);
            weights[i] = s.weight();
        }
        double[] scale = effectiveScale(positive, weights);
        double positives = 0;
        double negatives = 0;
        for (int i = 0; i < n; i++) {
            positives += positive[i] ? weights[i] : 0;
            negatives += positive[i] ? 0 : weights[i];
        }
        double effective = positives * scale[0] + negatives * scale[1];
        if (positives == 0 || negatives == 0) {
            return refused(c, target, positives, negatives, effective, "needs labelled images with and without the category ("
                    + (int) positives + " with, " + (int) negatives + " without)");
        }
        // Held out: calibrate on four folds, predict the fifth (reliability, ECE); choose a threshold on four folds and count
        // the fifth (what choosing on labels like these gives on images that were not among them).
        int[] fold = folds(positive, seed);
        double[] heldOut = new double[n];
        double[] raw = new double[n];
        double[] crossValidated = new double[4];
        for (int f = 0; f < FOLDS; f++) {
            List<Integer> train = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (fold[i] != f) {
                    train.add(i);
                }
            }
            boolean[] trainPositive = pick(positive, train);
            double[] trainWeights = pick(weights, train);
            IsotonicRegression.Fit fit = IsotonicRegression.fit(pick(margins, train), trainPositive, trainWeights);
            double[] trainP = new double[train.size()];
            for (int j = 0; j < trainP.length; j++) {
                trainP[j] = fit.apply(margins[train.get(j)]);
            }
            Double t = choose(trainP, trainPositive, trainWeights, scale, target, true);
            for (int i = 0; i < n; i++) {
                if (fold[i] == f) {
                    heldOut[i] = fit.apply(margins[i]);
                    raw[i] = logistic(margins[i]);
                    boolean predicted = t != null && heldOut[i] >= t;
                    crossValidated[positive[i] ? (predicted ? 0 : 2) : (predicted ? 1 : 3)] += weights[i] * scale[positive[i] ? 0 : 1];
                }
            }
        }
        double eceBefore = Reliability.of(id, withProbabilities(samples, id, raw)).ece();
        Reliability after = Reliability.of(id, withProbabilities(samples, id, heldOut));
        IsotonicRegression.Fit fit = IsotonicRegression.fit(margins, positive, weights);
        if (fit.flat()) {
            return refused(c, target, positives, negatives, effective, "the category's margin does not separate its labels (one step): "
                    + "its prompts do not describe what its labels show");
        }
        double[] all = new double[n];
        for (int i = 0; i < n; i++) {
            all[i] = fit.apply(margins[i]);
        }
        Double threshold = choose(all, positive, weights, scale, target, false);
        Estimate cvPrecision = new Estimate(precision(crossValidated[0], crossValidated[1], crossValidated[2], crossValidated[3],
                target.prevalence()), Double.NaN, null);
        Estimate cvRecall = new Estimate(ratio(crossValidated[0], crossValidated[0] + crossValidated[2]), Double.NaN, null);
        if (threshold == null) {
            double[] at = pointCounts(all, positive, weights, scale, target);
            Needed needed = at == null ? new Needed(0, 0, true) : needed(target, at[0], at[1], at[2], at[3], positives, negatives);
            String more = needed.unreachable() ? "; no number of labels would: at these error rates the target is out of reach for this "
                    + "model and prompts" : String.format(Locale.ROOT, "; about %s would support it (at these error rates)", needed);
            Estimate none = new Estimate(Double.NaN, Double.NaN, null);
            return new Result(id, target, false, c.threshold(), c.threshold(), null, positives, negatives, effective, none, none, none,
                    cvPrecision, cvRecall, eceBefore, after.ece(), after, 0, needed,
                    "no threshold reaches " + target + " with 95 % confidence on these labels" + more + "; left as it was");
        }
        double[] at = counts(all, positive, weights, scale, threshold);
        int[] undefined = {0};
        double[][] intervals = bootstrap(all, positive, weights, threshold, target.prevalence(), seed, undefined);
        Estimate precision = new Estimate(precision(at[0], at[1], at[2], at[3], target.prevalence()),
                precisionBound(at[0], at[1], at[2], at[3], target.prevalence()), intervals[0]);
        Estimate recall = new Estimate(ratio(at[0], at[0] + at[2]), Proportions.lower(at[0], at[0] + at[2], CONFIDENCE), intervals[1]);
        Estimate fpr = new Estimate(ratio(at[1], at[1] + at[3]), Proportions.upper(at[1], at[1] + at[3], CONFIDENCE), intervals[2]);
        return new Result(id, target, true, c.threshold(), threshold, fit.curve(), positives, negatives, effective, precision, recall, fpr,
                cvPrecision, cvRecall, eceBefore, after.ece(), after, undefined[0], null,
                String.format(Locale.ROOT, "%s: threshold %.4g on the calibrated scale (%d steps)", target, threshold, fit.steps()));
    }

    /** Effective counts {tp, fp, fn, tn} of scores at or above {@code cut}. */
    private static double[] counts(double[] scores, boolean[] positive, double[] weights, double[] scale, double cut) {
        double[] c = new double[4];
        for (int i = 0; i < scores.length; i++) {
            boolean predicted = scores[i] >= cut;
            c[positive[i] ? (predicted ? 0 : 2) : (predicted ? 1 : 3)] += weights[i] * scale[positive[i] ? 0 : 1];
        }
        return c;
    }

    private static Result refused(Policy.Category c, Target target, double positives, double negatives, double effective, String why) {
        Estimate none = new Estimate(Double.NaN, Double.NaN, null);
        return new Result(c.id(), target, false, c.threshold(), c.threshold(), null, positives, negatives, effective, none,
                none, none, none, none, Double.NaN, Double.NaN, null, 0, null, why + "; left as it was");
    }

    /**
     * The threshold meeting {@code target} on these calibrated probabilities: for a precision or
     * false-positive-rate target the lowest whose bound reaches it (the most recall); for a recall
     * target the highest whose lower bound keeps it. Any threshold between the chosen image's
     * probability and the next lower one decides the sample the same way; the midpoint keeps the
     * widest margin to both. Null when none does.
     */
    static Double choose(double[] p, boolean[] positive, double[] weights, double[] scale, Target target, boolean bestEffort) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> p[i]).reversed());
        double allPositives = 0;
        double allNegatives = 0;
        for (int i = 0; i < p.length; i++) {
            allPositives += positive[i] ? weights[i] : 0;
            allNegatives += positive[i] ? 0 : weights[i];
        }
        double tp = 0;
        double fp = 0;
        Double best = null;
        int bestIndex = -1;
        double bestBound = Double.NaN;
        int fallback = -1;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            tp += positive[i] ? weights[i] : 0;
            fp += positive[i] ? 0 : weights[i];
            boolean lastOfTie = k == order.length - 1 || p[order[k + 1]] < p[i];
            if (!lastOfTie) {
                continue;
            }
            double etp = tp * scale[0];
            double efn = (allPositives - tp) * scale[0];
            double efp = fp * scale[1];
            double etn = (allNegatives - fp) * scale[1];
            double b = bound(target, etp, efp, efn, etn);
            boolean better = target.kind() == Kind.FALSE_POSITIVE_RATE ? !(b >= bestBound) : !(b <= bestBound);
            if (better) {
                bestBound = b;
                fallback = k;
            }
            if (meets(target, etp, efp, efn, etn)) {
                if (target.kind() == Kind.RECALL) {
                    best = p[i];
                    bestIndex = k;
                    break;
                }
                best = p[i];
                bestIndex = k;
            }
        }
        if (best == null && bestEffort && fallback >= 0) {
            best = p[order[fallback]];
            bestIndex = fallback;
        }
        if (best == null) {
            return null;
        }
        double below = bestIndex + 1 < order.length ? p[order[bestIndex + 1]] : best - 1;
        return below < best ? (below + best) / 2 : best;
    }

    /**
     * Effective counts {tp, fp, fn, tn} at the threshold the target would pick if point estimates
     * were exact (the most recall among thresholds whose estimate meets it), or null when none does.
     */
    private static double[] pointCounts(double[] p, boolean[] positive, double[] weights, double[] scale, Target target) {
        double[] best = null;
        double bestRecall = -1;
        for (double t : Arrays.stream(p).distinct().toArray()) {
            double[] c = new double[4];
            for (int i = 0; i < p.length; i++) {
                boolean predicted = p[i] >= t;
                c[positive[i] ? (predicted ? 0 : 2) : (predicted ? 1 : 3)] += weights[i] * scale[positive[i] ? 0 : 1];
            }
            double estimate = switch (target.kind()) {
                case PRECISION -> c[0] > 0 ? precision(c[0], c[1], c[2], c[3], target.prevalence()) : 0;
                case RECALL -> ratio(c[0], c[0] + c[2]);
                case FALSE_POSITIVE_RATE -> 1 - ratio(c[1], c[1] + c[3]);
            };
            boolean ok = target.kind() == Kind.FALSE_POSITIVE_RATE ? 1 - estimate <= target.value() : estimate >= target.value();
            double recall = ratio(c[0], c[0] + c[2]);
            if (ok && (target.kind() == Kind.RECALL ? best == null || ratio(c[1], c[1] + c[3]) < ratio(best[1], best[1] + best[3])
                    : recall > bestRecall)) {
                best = c;
                bestRecall = recall;
            }
        }
        return best;
    }

    static boolean meets(Target target, double tp, double fp, double fn, double tn) {
        double b = bound(target, tp, fp, fn, tn);
        return target.kind() == Kind.FALSE_POSITIVE_RATE ? b <= target.value() : b >= target.value();
    }

    /** The one-sided 95 % bound of what the target constrains. */
    static double bound(Target target, double tp, double fp, double fn, double tn) {
        return switch (target.kind()) {
            case PRECISION -> tp > 0 ? precisionBound(tp, fp, fn, tn, target.prevalence()) : 0;
            case RECALL -> Proportions.lower(tp, tp + fn, CONFIDENCE);
            case FALSE_POSITIVE_RATE -> Proportions.upper(fp, fp + tn, CONFIDENCE);
        };
    }

    /** Precision at {@code prevalence} from the true- and false-positive rates, or at the sample's mix when null. */
    static double precision(double tp, double fp, double fn, double tn, Double prevalence) {
        if (prevalence == null) {
            return ratio(tp, tp + fp);
        }
        return atPrevalence(ratio(tp, tp + fn), ratio(fp, fp + tn), prevalence);
    }

    /**
     * Its lower bound: Clopper-Pearson on tp of tp + fp at the sample's mix; at a prevalence, the
     * true-positive rate's lower and the false-positive rate's upper bound, each at 97.5 %.
     */
    static double precisionBound(double tp, double fp, double fn, double tn, Double prevalence) {
        if (prevalence == null) {
            return Proportions.lower(tp, tp + fp, CONFIDENCE);
        }
        double each = 1 - (1 - CONFIDENCE) / 2;
        return atPrevalence(Proportions.lower(tp, tp + fn, each), Proportions.upper(fp, fp + tn, each), prevalence);
    }

    static double atPrevalence(double tpr, double fpr, double prevalence) {
        double hits = tpr * prevalence;
        double falseAlarms = fpr * (1 - prevalence);
        return hits + falseAlarms == 0 ? 0 : hits / (hits + falseAlarms);
    }

    /**
     * How many more labels (at the same error rates) bring the bound to the target: the fewest of
     * the ways that can (more positives, more negatives, or both in the sample's proportion).
     */
    static Needed needed(Target target, double tp, double fp, double fn, double tn, double positives, double negatives) {
        boolean reachable = switch (target.kind()) {
            case PRECISION -> tp > 0 && precision(tp, fp, fn, tn, target.prevalence()) > target.value();
            case RECALL -> ratio(tp, tp + fn) > target.value();
            case FALSE_POSITIVE_RATE -> ratio(fp, fp + tn) < target.value();
        };
        if (!reachable) {
            return new Needed(0, 0, true);
        }
        // Recall depends on positives only and the false-positive rate on negatives only; precision at a
        // stated prevalence on both rates, so more of one kind alone may be the cheaper way; precision at
        // the sample's mix needs both kinds in the sample's proportion.
        List<Needed> ways = new ArrayList<>();
        boolean both = target.kind() == Kind.PRECISION;
        boolean separately = target.kind() != Kind.PRECISION || target.prevalence() != null;
        if (both) {
            ways.add(scaled(target, tp, fp, fn, tn, true, true, positives, negatives));
        }
        if (separately && target.kind() != Kind.FALSE_POSITIVE_RATE) {
            ways.add(scaled(target, tp, fp, fn, tn, true, false, positives, negatives));
        }
        if (separately && target.kind() != Kind.RECALL) {
            ways.add(scaled(target, tp, fp, fn, tn, false, true, positives, negatives));
        }
        return ways.stream().filter(w -> !w.unreachable()).min(Comparator.comparingLong(w -> w.morePositives() + w.moreNegatives()))
                .orElse(new Needed(0, 0, true));
    }

    /** The smallest factor on positives and/or negatives (bisection) at which the same error rates meet the target. */
    private static Needed scaled(Target target, double tp, double fp, double fn, double tn, boolean morePositives, boolean moreNegatives,
                                 double positives, double negatives) {
        double sp = morePositives ? 1 : 0;
        double sn = moreNegatives ? 1 : 0;
        double lo = 1;
        double hi = 2;
        while (!meets(target, tp * (1 + sp * (hi - 1)), fp * (1 + sn * (hi - 1)), fn * (1 + sp * (hi - 1)), tn * (1 + sn * (hi - 1)))) {
            lo = hi;
            hi *= 2;
            if (hi > 1e7) {
                return new Needed(0, 0, true);
            }
        }
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            if (meets(target, tp * (1 + sp * (mid - 1)), fp * (1 + sn * (mid - 1)), fn * (1 + sp * (mid - 1)), tn * (1 + sn * (mid - 1)))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return new Needed((long) Math.ceil(sp * (hi - 1) * positives), (long) Math.ceil(sn * (hi - 1) * negatives), false);
    }

    /** Percentile intervals of {precision, recall, false-positive rate} over resamples of positives and negatives drawn separately. */
    private static double[][] bootstrap(double[] p, boolean[] positive, double[] weights, double threshold, Double prevalence, long seed,
                                        int[] undefined) {
        List<Integer> pos = new ArrayList<>();
        List<Integer> neg = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            (positive[i] ? pos : neg).add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Double> precision = new ArrayList<>();
        double[] recall = new double[BOOTSTRAP];
        double[] fpr = new double[BOOTSTRAP];
        for (int b = 0; b < BOOTSTRAP; b++) {
            double tp = 0;
            double fn = 0;
            double fp = 0;
            double tn = 0;
            for (int k = 0; k < pos.size(); k++) {
                int i = pos.get(random.nextInt(pos.size()));
                if (p[i] >= threshold) {
                    tp += weights[i];
                } else {
                    fn += weights[i];
                }
            }
            for (int k = 0; k < neg.size(); k++) {
                int i = neg.get(random.nextInt(neg.size()));
                if (p[i] >= threshold) {
                    fp += weights[i];
                } else {
                    tn += weights[i];
                }
            }
            recall[b] = ratio(tp, tp + fn);
            fpr[b] = ratio(fp, fp + tn);
            if (tp + fp == 0) {
                undefined[0]++;
            } else {
                precision.add(precision(tp, fp, fn, tn, prevalence));
            }
        }
        return new double[][] {percentiles(precision.stream().mapToDouble(Double::doubleValue).toArray()), percentiles(recall), percentiles(fpr)};
    }

    private static double[] percentiles(double[] values) {
        if (values.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new double[] {sorted[(int) Math.floor(0.025 * (sorted.length - 1))], sorted[(int) Math.ceil(0.975 * (sorted.length - 1))]};
    }

    /**
     * Kish's design effect per class: the factor that turns weighted counts into effective ones
     * ((sum w)^2 / sum w^2 over the sum of w), 1 for unweighted samples.
     */
    static double[] effectiveScale(boolean[] positive, double[] weights) {
        double[] sum = new double[2];
        double[] squares = new double[2];
        for (int i = 0; i < weights.length; i++) {
            int k = positive[i] ? 0 : 1;
            sum[k] += weights[i];
            squares[k] += weights[i] * weights[i];
        }
        return new double[] {sum[0] == 0 ? 1 : sum[0] / squares[0], sum[1] == 0 ? 1 : sum[1] / squares[1]};
    }

    /** Stratified folds: positives and negatives each shuffled and dealt round-robin. */
    static int[] folds(boolean[] positive, long seed) {
        int[] fold = new int[positive.length];
        SplittableRandom random = new SplittableRandom(seed);
        for (boolean kind : new boolean[] {true, false}) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < positive.length; i++) {
                if (positive[i] == kind) {
                    members.add(i);
                }
            }
            for (int i = members.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer t = members.get(i);
                members.set(i, members.get(j));
                members.set(j, t);
            }
            for (int k = 0; k < members.size(); k++) {
                fold[members.get(k)] = k % FOLDS;
            }
        }
        return fold;
    }

    private static List<Sample> withProbabilities(List<Sample> samples, String id, double[] p) {
        List<Sample> out = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Map<String, Double> probability = new LinkedHashMap<>(samples.get(i).probability());
            probability.put(id, p[i]);
            out.add(samples.get(i).withProbability(probability));
        }
        return out;
    }

    private static double[] pick(double[] values, List<Integer> index) {
        return index.stream().mapToDouble(i -> values[i]).toArray();
    }

    private static boolean[] pick(boolean[] values, List<Integer> index) {
        boolean[] out = new boolean[index.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = values[index.get(j)];
        }
        return out;
    }

    static double logistic(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    /** A probability as the draft writes it: six significant digits (rounding keeps their order). */
    static double written(double value) {
        return new java.math.BigDecimal(value).round(new java.math.MathContext(6)).doubleValue();
    }
}
