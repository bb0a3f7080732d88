package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

/**
 * The studio's precision and recall curve checked where the truth is known: traffic of 5 %
 * prevalence whose violating uploads score Beta(5, 2) and benign ones Beta(2, 5), queued for
 * review as a policy queues it (a band reviewed for sure, allowed and blocked content at sample
 * rates), each verdict weighted by its inclusion probability. Over many replications the 95 % intervals
 * must cover traffic's precision and recall at least 95 % of the time (the method is
 * conservative), a census of verdicts must give nearly the plain binomial interval, and the
 * unweighted review queue's precision (what a naive count reports) must miss traffic's.
 */
class ThresholdCurveTest {
    static final double PREVALENCE = 0.05;
    static final BetaDistribution POSITIVE = new BetaDistribution(5, 2);
    static final BetaDistribution NEGATIVE = new BetaDistribution(2, 5);

    /** How a policy queues an upload of score p for review: the inclusion probability. */
    interface Queueing {
        double inclusion(double score);
    }

    @Test
    void intervalsCoverTrafficsPrecisionAndRecallAtTheirStatedRate() {
        // Everything at 0.45 or above reviewed, 5 % of the rest.
        double naive = coverage(4000, 200, p -> p >= 0.45 ? 1 : 0.05, 0.6);
        assertThat(naive).as("the unweighted queue overstates precision at 0.30").isGreaterThan(0.05);
    }

    @Test
    void intervalsCoverWithASampledBlockRegionAndSmallSamples() {
        // Blocked content (0.6 and above) sampled at 20 %, the review band (0.45 to 0.6) reviewed, 2 % of the allowed: 2,000 uploads.
        // 2 % of 1,600 allowed uploads is about 30 verdicts, and the method cannot tell that none of them scores 0.7: the
        // intervals are wide here (recall at 0.3 about 0.85, precision at 0.7 about 0.91 on average). Coverage is the claim.
        coverage(2000, 200, p -> p >= 0.6 ? 0.2 : p >= 0.45 ? 1 : 0.02, 1.0);
    }

    /**
     * Replications of traffic of n uploads queued by {@code queueing}: asserts coverage of at
     * least 0.93 (the method promises 95 %; 0.93 allows the simulation's own error: 200 replications) and mean
     * widths below {@code maxWidth} (1: no bound) at thresholds 0.3, 0.5 and 0.7; returns the unweighted queue's
     * mean error in precision at 0.3.
     */
    private static double coverage(int n, int replications, Queueing queueing, double maxWidth) {
        Random random = new Random(7);
        Well19937c rng = new Well19937c(11);
        BetaDistribution pos = new BetaDistribution(rng, 5, 2);
        BetaDistribution neg = new BetaDistribution(rng, 2, 5);
        int[] thresholds = {30, 50, 70};
        int[] precisionCovered = new int[thresholds.length];
        int[] recallCovered = new int[thresholds.length];
        double[] precisionWidth = new double[thresholds.length];
        double[] recallWidth = new double[thresholds.length];
        double naiveError = 0;
        for (int rep = 0; rep < replications; rep++) {
            double[] p = new double[n];
            boolean[] positive = new boolean[n];
            double[] inclusion = new double[n];
            int kept = 0;
            for (int i = 0; i < n; i++) {
                boolean violating = random.nextDouble() < PREVALENCE;
                double score = violating ? pos.sample() : neg.sample();
                double pi = queueing.inclusion(score);
                if (random.nextDouble() < pi) {
                    p[kept] = score;
                    positive[kept] = violating;
                    inclusion[kept] = pi;
                    kept++;
                }
            }
            List<ThresholdCurve.Point> curve = ThresholdCurve.of(java.util.Arrays.copyOf(p, kept), java.util.Arrays.copyOf(positive, kept),
                    java.util.Arrays.copyOf(inclusion, kept), 100);
            for (int k = 0; k < thresholds.length; k++) {
                ThresholdCurve.Point point = curve.get(thresholds[k]);
                double t = thresholds[k] / 100.0;
                precisionWidth[k] += point.precisionHigh() - point.precisionLow();
                recallWidth[k] += point.recallHigh() - point.recallLow();
                if (point.precisionLow() <= precision(t) && precision(t) <= point.precisionHigh()) {
                    precisionCovered[k]++;
                }
                if (point.recallLow() <= recall(t) && recall(t) <= point.recallHigh()) {
                    recallCovered[k]++;
                }
            }
            int flagged = 0;
            int hits = 0;
            for (int i = 0; i < kept; i++) {
                if (p[i] >= 0.30) {
                    flagged++;
                    hits += positive[i] ? 1 : 0;
                }
            }
            naiveError += (hits / (double) flagged - precision(0.30)) / replications;
        }
        for (int k = 0; k < thresholds.length; k++) {
            assertThat(precisionCovered[k] / (double) replications).as("precision coverage at %d", thresholds[k]).isGreaterThanOrEqualTo(0.93);
            assertThat(recallCovered[k] / (double) replications).as("recall coverage at %d", thresholds[k]).isGreaterThanOrEqualTo(0.93);
            assertThat(precisionWidth[k] / replications).as("precision interval width at %d", thresholds[k]).isLessThanOrEqualTo(maxWidth);
            assertThat(recallWidth[k] / replications).as("recall interval width at %d", thresholds[k]).isLessThanOrEqualTo(maxWidth);
        }
        return naiveError;
    }

    @Test
    void unweightedVerdictsGiveTheCountsAndEmptyStepsGiveNoEstimate() {
        double[] p = {0.2, 0.6, 0.9};
        List<ThresholdCurve.Point> curve = ThresholdCurve.of(p, new boolean[] {false, true, true}, new double[] {1, 1, 1}, 10);
        assertThat(curve).hasSize(11);
        ThresholdCurve.Point half = curve.get(5);
        assertThat(half.precision()).isEqualTo(1.0);
        assertThat(half.recall()).isEqualTo(1.0);
        assertThat(half.reviewed()).isEqualTo(2);
        assertThat(curve.get(1).precision()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(curve.get(7).recall()).isEqualTo(0.5);
        assertThat(curve.get(10).precision()).as("nothing reviewed at or above 1.0").isNull();
        assertThat(curve.get(10).recall()).isEqualTo(0.0);
    }

    @Test
    void aCensusOfVerdictsGivesTheBinomialInterval() {
        Random random = new Random(3);
        int n = 2000;
        double[] p = new double[n];
        boolean[] positive = new boolean[n];
        double[] inclusion = new double[n];
        for (int i = 0; i < n; i++) {
            positive[i] = random.nextDouble() < 0.3;
            p[i] = positive[i] ? 0.8 : 0.2 + 0.5 * random.nextDouble() * random.nextDouble();
            inclusion[i] = 1;
        }
        ThresholdCurve.Point point = ThresholdCurve.of(p, positive, inclusion, 100).get(50);
        // The plain Clopper-Pearson interval of ~750 flagged uploads is about 0.06 wide; two bounds combined cost a little more.
        assertThat(point.precisionHigh() - point.precisionLow()).isLessThan(0.09);
        assertThat(point.precisionLow()).isLessThanOrEqualTo(point.precision());
        assertThat(point.precisionHigh()).isGreaterThanOrEqualTo(point.precision());
    }

    /** Traffic's precision at t: prevalence-weighted survival of each class's score distribution. */
    static double precision(double t) {
        double tp = PREVALENCE * (1 - POSITIVE.cumulativeProbability(t));
        double fp = (1 - PREVALENCE) * (1 - NEGATIVE.cumulativeProbability(t));
        return tp / (tp + fp);
    }

    static double recall(double t) {
        return 1 - POSITIVE.cumulativeProbability(t);
    }
}
