package io.clipguard.evaluation;

import io.clipguard.policy.CalibrationCurve;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A category's calibration fitted to labelled margins: the non-decreasing step function that
 * best fits the labels in weighted least squares (pool-adjacent-violators), stored as the ends of
 * its steps, which {@link CalibrationCurve} joins with straight lines.
 *
 * <p>Why isotonic and not a logistic (Platt) curve: a CLIP category's margin is not log-odds in
 * practice. Look-alikes and mislabelled images sit among the negatives, at the negatives'
 * margins, so the share of positives does not rise as a logistic of the margin; on the demo
 * labels (six mislabelled scenes among the benign ones) a logistic fit had a held-out expected
 * calibration error of 0.18, the isotonic fit under 0.05. Isotonic regression assumes only that a
 * larger margin never means a smaller chance, keeps the ranking (so a threshold on the
 * probability is a threshold on the margin), and pools where the labels say nothing more. Each
 * step stands on at least five images, so a few images in a row do not make a step of their own. It needs more labels than two parameters would; the held-out
 * reliability in the report shows when there are too few.
 */
final class IsotonicRegression {
    /** The fewest (weighted) images one step of the curve stands on. */
    static final double MIN_STEP = 5;
    /** A fitted curve, and the (weighted) labels it was fitted on. */
    record Fit(CalibrationCurve curve, double positives, double negatives, int steps) {
        double apply(double margin) {
            return curve == null ? 0 : curve.apply(margin);
        }

        /** One step only: the margin does not separate the labels at all. */
        boolean flat() {
            return steps < 2;
        }
    }

    /** A pooled run of margins: its range, its weight, its weighted share of positives. */
    private static final class Block {
        double from;
        double to;
        double weight;
        double positives;

        double value() {
            return positives / weight;
        }
    }

    private IsotonicRegression() {
    }

    static Fit fit(double[] margins, boolean[] positive, double[] weights) {
        Integer[] order = new Integer[margins.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> margins[i]));
        List<Block> blocks = new ArrayList<>();
        double np = 0;
        double nn = 0;
        for (int i : order) {
            double w = weights == null ? 1 : weights[i];
            np += positive[i] ? w : 0;
            nn += positive[i] ? 0 : w;
            Block last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
            if (last != null && last.to == margins[i]) {
                last.weight += w;
                last.positives += positive[i] ? w : 0;
            } else {
                Block b = new Block();
                b.from = margins[i];
                b.to = margins[i];
                b.weight = w;
                b.positives = positive[i] ? w : 0;
                blocks.add(b);
            }
            // Pool adjacent violators: merge backwards while the order is broken.
            while (blocks.size() > 1 && blocks.get(blocks.size() - 2).value() >= blocks.get(blocks.size() - 1).value()) {
                merge(blocks, blocks.size() - 2);
            }
        }
        // Steps of a handful of images are noise, not evidence: each step holds at least MIN_STEP images, a smaller one
        // merged into the neighbour whose frequency is closest.
        double minWeight = MIN_STEP;
        while (blocks.size() > 1) {
            int smallest = 0;
            for (int k = 1; k < blocks.size(); k++) {
                if (blocks.get(k).weight < blocks.get(smallest).weight) {
                    smallest = k;
                }
            }
            if (blocks.get(smallest).weight >= minWeight) {
                break;
            }
            boolean left = smallest == blocks.size() - 1 || (smallest > 0 && blocks.get(smallest).value() - blocks.get(smallest - 1).value()
                    <= blocks.get(smallest + 1).value() - blocks.get(smallest).value());
            merge(blocks, left ? smallest - 1 : smallest);
        }
        // At most half of the curve's points: merge the two neighbouring steps that differ least.
        while (blocks.size() > CalibrationCurve.MAX_POINTS / 2) {
            int best = 0;
            for (int k = 1; k + 1 < blocks.size(); k++) {
                if (blocks.get(k + 1).value() - blocks.get(k).value() < blocks.get(best + 1).value() - blocks.get(best).value()) {
                    best = k;
                }
            }
            merge(blocks, best);
        }
        if (blocks.size() < 2) {
            return new Fit(null, np, nn, blocks.size());
        }
        List<double[]> points = new ArrayList<>();
        for (Block b : blocks) {
            points.add(new double[] {b.from, b.value()});
            if (b.to > b.from) {
                points.add(new double[] {b.to, b.value()});
            }
        }
        return new Fit(CalibrationCurve.of(points), np, nn, blocks.size());
    }

    private static void merge(List<Block> blocks, int k) {
        Block a = blocks.get(k);
        Block b = blocks.remove(k + 1);
        a.to = b.to;
        a.weight += b.weight;
        a.positives += b.positives;
    }
}
