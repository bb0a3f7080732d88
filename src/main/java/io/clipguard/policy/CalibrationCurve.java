package io.clipguard.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A category's calibration: a non-decreasing map from its margin to the probability that an
 * image with that margin shows it, as points joined by straight lines and flat beyond the first
 * and the last (an isotonic fit: each flat run is a group of labelled images pooled until the
 * observed frequency rises with the margin; docs/trust-and-safety.md, Calibrating).
 *
 * @param margins       strictly increasing
 * @param probabilities non-decreasing, each in [0, 1]
 */
public record CalibrationCurve(double[] margins, double[] probabilities) {
    /** At most this many points are stored in a policy document. */
    public static final int MAX_POINTS = 64;

    public CalibrationCurve {
        if (margins.length < 2 || margins.length != probabilities.length || margins.length > MAX_POINTS) {
            throw new IllegalArgumentException("a calibration curve has 2 to " + MAX_POINTS + " points of (margin, probability), found "
                    + margins.length);
        }
        for (int i = 0; i < margins.length; i++) {
            if (probabilities[i] < 0 || probabilities[i] > 1 || Double.isNaN(probabilities[i])) {
                throw new IllegalArgumentException("point " + i + ": probability " + probabilities[i] + " is not in [0, 1]");
            }
            if (i > 0 && !(margins[i] > margins[i - 1])) {
                throw new IllegalArgumentException("point " + i + ": margins must increase (" + margins[i - 1] + ", then " + margins[i] + ")");
            }
            if (i > 0 && probabilities[i] < probabilities[i - 1]) {
                throw new IllegalArgumentException("point " + i + ": probabilities must not decrease (" + probabilities[i - 1] + ", then "
                        + probabilities[i] + ")");
            }
        }
        margins = margins.clone();
        probabilities = probabilities.clone();
    }

    /** From {@code [[margin, probability], ...]} as a policy document writes it. */
    public static CalibrationCurve of(List<double[]> points) {
        double[] m = new double[points.size()];
        double[] p = new double[points.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = points.get(i)[0];
            p[i] = points.get(i)[1];
        }
        return new CalibrationCurve(m, p);
    }

    /** The points as a policy document writes them. */
    public List<double[]> points() {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < margins.length; i++) {
            out.add(new double[] {margins[i], probabilities[i]});
        }
        return out;
    }

    /** The calibrated probability of a margin. */
    public double apply(double margin) {
        if (Double.isNaN(margin) || margin <= margins[0]) {
            return probabilities[0];
        }
        int last = margins.length - 1;
        if (margin >= margins[last]) {
            return probabilities[last];
        }
        int lo = 0;
        int hi = last;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (margins[mid] <= margin) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double t = (margin - margins[lo]) / (margins[hi] - margins[lo]);
        return probabilities[lo] + t * (probabilities[hi] - probabilities[lo]);
    }
}
