package io.clipguard.evaluation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How one category does on a labelled sample at a threshold: an image is a positive when it is
 * labelled with the category, predicted positive when the category's probability reaches the
 * threshold. {@code tp}, {@code fp}, {@code fn}, {@code tn} count images; precision, recall,
 * the curve and PR-AUC weight each image by what it stands for (1 for a labelled folder; the
 * inverse inclusion probability of a reviewed decision). {@code curve} is the precision-recall
 * curve over every threshold the sample allows (points of {threshold, precision, recall},
 * thresholds descending); {@code prAuc} is the average precision (the area under that step curve).
 */
public record CategoryMetrics(String id, double threshold, int positives, int negatives, int tp, int fp, int fn, int tn, double precision,
                              double recall, @JsonProperty("pr_auc") double prAuc, List<double[]> curve, Reliability reliability) {

    /** Weighted counts at one threshold: what calibration and the bias audit need, many times over (no curve). */
    public record Counts(double tp, double fp, double fn, double tn) {
        public double positives() {
            return tp + fn;
        }

        public double negatives() {
            return fp + tn;
        }

        public double precision() {
            return ratio(tp, tp + fp);
        }

        public double recall() {
            return ratio(tp, tp + fn);
        }
    }

    public static Counts count(String id, double threshold, List<Sample> samples) {
        return count(id, threshold, samples, true);
    }

    private static Counts count(String id, double threshold, List<Sample> samples, boolean weighted) {
        double tp = 0;
        double fp = 0;
        double fn = 0;
        double tn = 0;
        for (Sample s : samples) {
            double w = weighted ? s.weight() : 1;
            boolean positive = s.is(id);
            boolean predicted = s.probability().getOrDefault(id, 0.0) >= threshold;
            if (positive && predicted) {
                tp += w;
            } else if (positive) {
                fn += w;
            } else if (predicted) {
                fp += w;
            } else {
                tn += w;
            }
        }
        return new Counts(tp, fp, fn, tn);
    }

    public static CategoryMetrics of(String id, double threshold, List<Sample> samples) {
        Counts images = count(id, threshold, samples, false);
        Counts weighted = count(id, threshold, samples, true);
        List<double[]> curve = curve(id, samples);
        return new CategoryMetrics(id, threshold, (int) images.positives(), (int) images.negatives(), (int) images.tp(), (int) images.fp(),
                (int) images.fn(), (int) images.tn(), weighted.precision(), weighted.recall(), averagePrecision(curve), curve,
                Reliability.of(id, samples));
    }

    /** {threshold, precision, recall} at each distinct probability, highest first, weighted. */
    static List<double[]> curve(String id, List<Sample> samples) {
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingDouble((Sample s) -> s.probability().getOrDefault(id, 0.0)).reversed());
        double positives = samples.stream().filter(s -> s.is(id)).mapToDouble(Sample::weight).sum();
        List<double[]> out = new ArrayList<>();
        double tp = 0;
        double fp = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).is(id)) {
                tp += sorted.get(i).weight();
            } else {
                fp += sorted.get(i).weight();
            }
            double t = sorted.get(i).probability().getOrDefault(id, 0.0);
            boolean lastOfTie = i == sorted.size() - 1 || sorted.get(i + 1).probability().getOrDefault(id, 0.0) < t;
            if (lastOfTie) {
                out.add(new double[] {t, ratio(tp, tp + fp), positives == 0 ? 0 : tp / positives});
            }
        }
        return out;
    }

    static double averagePrecision(List<double[]> curve) {
        double ap = 0;
        double previousRecall = 0;
        for (double[] point : curve) {
            ap += (point[2] - previousRecall) * point[1];
            previousRecall = point[2];
        }
        return ap;
    }

    static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }
}
