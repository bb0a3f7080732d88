package io.clipguard.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Precision and recall of one category at every threshold step, from reviewers' verdicts, each
 * with a 95 % interval: what the studio draws beside a threshold slider.
 *
 * <p>Method. Reviewed uploads are not a random sample of traffic: whatever triggers or falls in
 * the review band is queued, the rest only at the policy's sample rates. Each verdict therefore
 * weighs the inverse of the probability its decision had of being queued (Horvitz-Thompson, as
 * calibration does), which makes the weighted precision and recall estimates of traffic's, not
 * of the review queue's. Both are ratios {@code A / (A + B)} of traffic totals (precision: the
 * violating and the benign uploads at or above the threshold; recall: the violating ones at or
 * above it and those below). The verdicts fall into strata by inclusion probability (everything
 * queued for sure, each sample rate); within a stratum the share of A and of B are binomial, so
 * each gets a Clopper-Pearson bound, scaled by the stratum's estimated size, and the ratio's
 * interval is {@code [A_low / (A_low + B_high), A_high / (A_high + B_low)]} with the confidence
 * split (Bonferroni) over the bounds it combines. Conservative in intent, and the reason for
 * it: a sampled stratum where no miss happened to be reviewed says little about the misses
 * there, and an interval from the sample's variance alone (linearised, Wilson) covered recall
 * only half the time in the simulation. Approximate in two ways, stated rather than hidden: a
 * stratum's size is estimated ({@code n / pi}) and its error is not carried into the bounds, and
 * uploads that can never be reviewed (blocked content when the policy samples none of it) are in
 * no stratum, so the curve describes what review can see. {@code ThresholdCurveTest} checks the
 * coverage by simulation in the cases that matter: traffic of known prevalence and score
 * distributions, queued as a policy queues it (a sure-review band, a sampled allow region, a
 * sampled block region, small samples).
 */
public final class ThresholdCurve {
    static final double CONFIDENCE = 0.95;

    /**
     * One step. Null estimates where no verdict bears on them.
     *
     * @param flagged  weighted verdicts at or above the threshold (an estimate of traffic's count)
     * @param reviewed verdicts at or above the threshold (unweighted)
     */
    public record Point(double threshold, Double precision, Double precisionLow, Double precisionHigh, Double recall, Double recallLow,
                        Double recallHigh, double flagged, int reviewed) {
    }

    private ThresholdCurve() {
    }

    /**
     * @param probabilities the category's probability for each reviewed upload
     * @param positive      whether the reviewer said the upload shows the category
     * @param inclusion     the probability each upload's decision had of being queued for review, in (0, 1]
     * @param steps         thresholds 0, 1/steps, ..., 1
     */
    public static List<Point> of(double[] probabilities, boolean[] positive, double[] inclusion, int steps) {
        // Strata by inclusion probability: index of each verdict's stratum, and each stratum's size.
        TreeMap<Double, Integer> ids = new TreeMap<>();
        int[] stratum = new int[probabilities.length];
        for (int i = 0; i < probabilities.length; i++) {
            stratum[i] = ids.computeIfAbsent(inclusion[i], k -> ids.size());
        }
        int h = ids.size();
        double[] pi = new double[h];
        int[] size = new int[h];
        ids.forEach((p, k) -> pi[k] = p);
        for (int s : stratum) {
            size[s]++;
        }
        // Verdicts from the highest probability down: each step adds those at or above its threshold.
        Integer[] order = new Integer[probabilities.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
        int[] positives = new int[h];
        for (int i = 0; i < probabilities.length; i++) {
            if (positive[i]) {
                positives[stratum[i]]++;
            }
        }
        int[] tp = new int[h];
        int[] fp = new int[h];
        int next = 0;
        int reviewed = 0;
        double flagged = 0;
        Bounds bounds = new Bounds(h);
        Point[] points = new Point[steps + 1];
        for (int s = steps; s >= 0; s--) {
            double t = s / (double) steps;
            while (next < order.length && probabilities[order[next]] >= t) {
                int i = order[next++];
                reviewed++;
                flagged += 1 / inclusion[i];
                if (positive[i]) {
                    tp[stratum[i]]++;
                } else {
                    fp[stratum[i]]++;
                }
            }
            int[] fn = new int[h];
            for (int k = 0; k < h; k++) {
                fn[k] = positives[k] - tp[k];
            }
            double[] precision = ratio(tp, fp, size, pi, bounds);
            double[] recall = ratio(tp, fn, size, pi, bounds);
            points[s] = new Point(t, precision == null ? null : precision[0], precision == null ? null : precision[1],
                    precision == null ? null : precision[2], recall == null ? null : recall[0], recall == null ? null : recall[1],
                    recall == null ? null : recall[2], flagged, reviewed);
        }
        return List.of(points);
    }

    /** Clopper-Pearson bounds at one confidence, remembered per count (steps repeat most counts). */
    private static final class Bounds {
        final double tail;
        final java.util.Map<Long, double[]> seen = new java.util.HashMap<>();

        Bounds(int strata) {
            // Each side of an interval combines 2 bounds per stratum; each gets its share of the side's error.
            this.tail = 1 - (1 - CONFIDENCE) / 2 / (2.0 * strata);
        }

        double[] of(int k, int n) {
            return seen.computeIfAbsent(((long) k << 32) | n, key -> new double[] {Proportions.lower(k, n, tail), Proportions.upper(k, n, tail)});
        }
    }

    /** A / (A + B) of traffic's totals, and its interval; null when no verdict is in A or B. */
    private static double[] ratio(int[] a, int[] b, int[] size, double[] pi, Bounds bounds) {
        double estimateA = 0;
        double estimateB = 0;
        double lowA = 0;
        double highA = 0;
        double lowB = 0;
        double highB = 0;
        for (int k = 0; k < size.length; k++) {
            double scale = size[k] / pi[k];
            estimateA += a[k] / pi[k];
            estimateB += b[k] / pi[k];
            double[] ba = bounds.of(a[k], size[k]);
            double[] bb = bounds.of(b[k], size[k]);
            lowA += scale * ba[0];
            highA += scale * ba[1];
            lowB += scale * bb[0];
            highB += scale * bb[1];
        }
        if (estimateA + estimateB == 0) {
            return null;
        }
        return new double[] {estimateA / (estimateA + estimateB), lowA / (lowA + highB), highA / (highA + lowB)};
    }
}
