package io.clipguard.evaluation;

import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Confidence bounds for proportions, and for the difference of two: the statistics every
 * evaluation number is stated with. Clopper-Pearson bounds are exact (they never promise more
 * than the counts support, which is what a threshold chosen to meet a target needs); Wilson
 * intervals are the better-centred two-sided summary; Newcombe's hybrid score interval (his
 * method 10) combines two Wilson intervals into one for a difference of rates.
 */
final class Proportions {
    private static final NormalDistribution NORMAL = new NormalDistribution();

    private Proportions() {
    }

    /** The standard normal quantile. */
    static double z(double p) {
        return NORMAL.inverseCumulativeProbability(p);
    }

    /** One-sided lower Clopper-Pearson bound of k successes in n at {@code confidence}; 0 when n is 0. */
    static double lower(double k, double n, double confidence) {
        if (n <= 0 || k <= 0) {
            return 0;
        }
        return new BetaDistribution(null, k, n - k + 1).inverseCumulativeProbability(1 - confidence);
    }

    /** One-sided upper Clopper-Pearson bound of k successes in n at {@code confidence}; 1 when n is 0. */
    static double upper(double k, double n, double confidence) {
        if (n <= 0 || k >= n) {
            return 1;
        }
        return new BetaDistribution(null, k + 1, n - k).inverseCumulativeProbability(confidence);
    }

    /** Two-sided Wilson score interval of k in n at {@code confidence}. */
    static double[] wilson(double k, double n, double confidence) {
        if (n <= 0) {
            return new double[] {0, 1};
        }
        double z = z(1 - (1 - confidence) / 2);
        double p = k / n;
        double denominator = 1 + z * z / n;
        double centre = (p + z * z / (2 * n)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** Newcombe's two-sided interval for p1 - p2 (hybrid score, from two Wilson intervals) at {@code confidence}. */
    static double[] newcombe(double k1, double n1, double k2, double n2, double confidence) {
        double p1 = n1 == 0 ? 0 : k1 / n1;
        double p2 = n2 == 0 ? 0 : k2 / n2;
        double[] w1 = wilson(k1, n1, confidence);
        double[] w2 = wilson(k2, n2, confidence);
        double d = p1 - p2;
        return new double[] {d - Math.sqrt(sq(p1 - w1[0]) + sq(w2[1] - p2)), d + Math.sqrt(sq(w1[1] - p1) + sq(p2 - w2[0]))};
    }

    /**
     * The p-value of "the difference lies beyond the tolerance": the smallest alpha at which
     * Newcombe's (1 - alpha) interval for p1 - p2 excludes [-tolerance, tolerance]. The test that
     * flags when the interval excludes the tolerance, stated as a p-value so that a family of such
     * tests can be corrected together.
     */
    static double pBeyond(double k1, double n1, double k2, double n2, double tolerance) {
        if (n1 == 0 || n2 == 0) {
            return 1;
        }
        double lo = 1e-12;
        double hi = 1 - 1e-12;
        if (!excludes(k1, n1, k2, n2, tolerance, hi)) {
            return 1;
        }
        if (excludes(k1, n1, k2, n2, tolerance, lo)) {
            return lo;
        }
        for (int i = 0; i < 60; i++) {
            double mid = Math.sqrt(lo * hi);
            if (excludes(k1, n1, k2, n2, tolerance, mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    private static boolean excludes(double k1, double n1, double k2, double n2, double tolerance, double alpha) {
        double[] ci = newcombe(k1, n1, k2, n2, 1 - alpha);
        return ci[0] > tolerance || ci[1] < -tolerance;
    }

    /**
     * The smallest difference of rates a two-sided test at {@code alpha} detects with 80 % power
     * between groups of n1 and n2 around the pooled rate p (normal approximation).
     */
    static double detectable(double p, double n1, double n2, double alpha) {
        if (n1 <= 0 || n2 <= 0) {
            return 1;
        }
        double q = Math.max(p * (1 - p), 0.25 / Math.max(1, Math.min(n1, n2)));
        return Math.min(1, (z(1 - alpha / 2) + z(0.8)) * Math.sqrt(q * (1 / n1 + 1 / n2)));
    }

    private static double sq(double x) {
        return x * x;
    }
}
