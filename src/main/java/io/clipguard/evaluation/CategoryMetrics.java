package io.clipguard.evaluation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How one category does on a labelled sample at a threshold: an image is a positive when it is
 * labelled with the category, predicted positive when the category's probability reaches the
 * threshold. {@code curve} is the precision-recall curve over every threshold the sample allows
 * (points of {threshold, precision, recall}, thresholds descending); {@code prAuc} is the
 * average precision (the area under that step curve).
 */
public record CategoryMetrics(String id, double threshold, int positives, int negatives, int tp, int fp, int fn, int tn, double precision,
                              double recall, @JsonProperty("pr_auc") double prAuc, List<double[]> curve) {

    /** The counts at one threshold alone: what calibration and the bias audit need, many times over (no curve). */
    public record Counts(int tp, int fp, int fn, int tn) {
        public int positives() {
            return tp + fn;
        }

        public int negatives() {
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
        int tp = 0;
        int fp = 0;
        int fn = 0;
        int tn = 0;
        for (Sample s : samples) {
            boolean positive = s.label().equals(id);
            boolean predicted = s.probability().getOrDefault(id, 0.0) >= threshold;
            if (positive && predicted) {
                tp++;
            } else if (positive) {
                fn++;
            } else if (predicted) {
                fp++;
            } else {
                tn++;
            }
        }
        return new Counts(tp, fp, fn, tn);
    }

    public static CategoryMetrics of(String id, double threshold, List<Sample> samples) {
        Counts c = count(id, threshold, samples);
        List<double[]> curve = curve(id, samples);
        return new CategoryMetrics(id, threshold, c.positives(), c.negatives(), c.tp(), c.fp(), c.fn(), c.tn(), c.precision(), c.recall(),
                averagePrecision(curve), curve);
    }

    /** {threshold, precision, recall} at each distinct probability, highest first. */
    static List<double[]> curve(String id, List<Sample> samples) {
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingDouble((Sample s) -> s.probability().getOrDefault(id, 0.0)).reversed());
        long positives = samples.stream().filter(s -> s.label().equals(id)).count();
        List<double[]> out = new ArrayList<>();
        int tp = 0;
        int fp = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).label().equals(id)) {
                tp++;
            } else {
                fp++;
            }
            double t = sorted.get(i).probability().getOrDefault(id, 0.0);
            boolean lastOfTie = i == sorted.size() - 1 || sorted.get(i + 1).probability().getOrDefault(id, 0.0) < t;
            if (lastOfTie) {
                out.add(new double[] {t, ratio(tp, tp + fp), positives == 0 ? 0 : (double) tp / positives});
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

    static double ratio(int a, int b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
