package io.clipguard.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * How well a category's probabilities say how often it is right: the sample split into ten
 * equal-width bins of predicted probability, each bin's mean prediction against the (weighted)
 * share of its images that show the category, and the expected calibration error, the
 * bin-size-weighted mean of their gaps. A calibrated category has its points on the diagonal
 * and an ECE near 0; an uncalibrated CLIP score at logit scale 100 piles its images into the
 * end bins with large gaps.
 */
public record Reliability(String category, List<Bin> bins, double ece) {
    static final int BINS = 10;

    /** One bin: [from, to), its image count (weighted), mean predicted probability, observed frequency. */
    public record Bin(double from, double to, double count, double predicted, double observed) {
    }

    static Reliability of(String id, List<Sample> samples) {
        double[] count = new double[BINS];
        double[] predicted = new double[BINS];
        double[] observed = new double[BINS];
        double total = 0;
        for (Sample s : samples) {
            double p = s.probability().getOrDefault(id, 0.0);
            int b = Math.min(BINS - 1, (int) Math.floor(p * BINS));
            count[b] += s.weight();
            predicted[b] += s.weight() * p;
            observed[b] += s.is(id) ? s.weight() : 0;
            total += s.weight();
        }
        List<Bin> bins = new ArrayList<>();
        double ece = 0;
        for (int b = 0; b < BINS; b++) {
            if (count[b] == 0) {
                continue;
            }
            double meanPredicted = predicted[b] / count[b];
            double frequency = observed[b] / count[b];
            bins.add(new Bin((double) b / BINS, (double) (b + 1) / BINS, count[b], meanPredicted, frequency));
            ece += count[b] / total * Math.abs(meanPredicted - frequency);
        }
        return new Reliability(id, List.copyOf(bins), ece);
    }
}
