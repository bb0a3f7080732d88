package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

/**
 * Calibration checked where the truth is known: margins drawn from known distributions, so the
 * true precision at a production prevalence of any threshold is a formula; and the numbers the
 * method promises (held-out ECE, bounds that refuse what the labels cannot support).
 */
class CalibrationTest {
    static final Policy ONE = PolicyFiles.parse("""
            schemaVersion: 2
            id: sim
            version: 1
            categories: [{id: c, action: block, threshold: 0.5, prompts: [x]}]
            benign: [y]
            """, "sim");

    /** Positives' margins ~ N(mu, sd), negatives' ~ N(-mu, sd). */
    static List<Sample> draw(int positives, int negatives, double mu, double sd, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < positives + negatives; i++) {
            boolean positive = i < positives;
            double m = (positive ? mu : -mu) + sd * gaussian(r);
            out.add(new Sample("i" + i, positive ? "c" : "benign", Map.of(), Map.of("c", Calibration.logistic(m)), Map.of("c", m), "ALLOW",
                    "none", 1.0));
        }
        return out;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void precisionAtAStatedPrevalenceIsWhatProductionGets() {
        // The example: 36 of 40 positives and 3 of 280 negatives flagged.
        assertThat(Calibration.precision(36, 3, 4, 277, null)).isCloseTo(0.923, within(1e-3));
        assertThat(Calibration.precision(36, 3, 4, 277, 0.005)).isCloseTo(0.297, within(1e-3));
    }

    @Test
    void twentyOfTwentyCannotSupportNinetyFivePercentAndTheCommandSaysHowManyMoreAreNeeded() {
        Calibration.Target target = new Calibration.Target(Calibration.Kind.PRECISION, 0.95, null);
        // 20 of 20 flagged and right: the exact one-sided 95 % lower bound is 0.05^(1/20) = 0.861.
        assertThat(Calibration.bound(target, 20, 0, 0, 20)).isCloseTo(Math.pow(0.05, 1 / 20.0), within(1e-9));
        Calibration.Needed needed = Calibration.needed(target, 20, 0, 0, 20, 20, 20);
        assertThat(needed.unreachable()).isFalse();
        assertThat(needed.morePositives()).as("59 in all are needed: 0.05^(1/59) >= 0.95").isEqualTo(39);
        List<Calibration.Result> results = Calibration.calibrate(ONE, draw(20, 20, 6, 1, 1), Map.of(), target, Map.of(), 1);
        Calibration.Result r = results.get(0);
        assertThat(r.supported()).isFalse();
        assertThat(r.threshold()).as("left as it was").isEqualTo(0.5);
        assertThat(r.note()).contains("about 39 more labelled positives");
        // With enough labels the same target is supported.
        assertThat(Calibration.calibrate(ONE, draw(120, 120, 6, 1, 2), Map.of(), target, Map.of(), 1).get(0).supported()).isTrue();
    }

    @Test
    void atAStatedPrevalenceTheFalsePositiveRateNeedsNegativesNotPositives() {
        // 120 of 126 positives and none of 240 negatives flagged: at 0.5 % prevalence precision 0.9 needs a
        // false-positive rate bound near 5e-4, which only negatives narrow: Clopper-Pearson's 97.5 % bound on
        // 0 of n is 1 - 0.025^(1/n), so n is about 7,000 (the true-positive rate's bound is 0.90 already).
        Calibration.Target target = new Calibration.Target(Calibration.Kind.PRECISION, 0.9, 0.005);
        Calibration.Needed needed = Calibration.needed(target, 120, 0, 6, 240, 126, 240);
        assertThat(needed.unreachable()).isFalse();
        assertThat(needed.morePositives()).isZero();
        double tprLow = Proportions.lower(120, 126, 0.975);
        double fprNeeded = 0.005 * tprLow * (1 / 0.9 - 1) / 0.995;
        long negatives = (long) Math.ceil(Math.log(0.025) / Math.log(1 - fprNeeded));
        assertThat(240 + needed.moreNegatives()).isBetween(negatives - 2, negatives + 2);
        assertThat(needed).hasToString(needed.moreNegatives() + " more labelled negatives");
        // At the sample's mix both kinds grow together.
        Calibration.Needed mix = Calibration.needed(new Calibration.Target(Calibration.Kind.PRECISION, 0.95, null), 20, 0, 0, 20, 20, 20);
        assertThat(mix.morePositives()).isEqualTo(39);
        assertThat(mix.moreNegatives()).isEqualTo(39);
    }

    @Test
    void aTargetNoSampleSizeCanReachIsSaidToBeOutOfReach() {
        Calibration.Target target = new Calibration.Target(Calibration.Kind.PRECISION, 0.95, null);
        // Overlapping scores, and the highest-scoring image is a negative: no threshold is 95 % precise on these labels, and more
        // labels of the same kind would not change that.
        List<Sample> samples = new ArrayList<>(draw(300, 300, 0.3, 1, 3));
        samples.add(new Sample("top", "benign", Map.of(), Map.of("c", 1.0), Map.of("c", 50.0), "ALLOW", "none", 1.0));
        Calibration.Result r = Calibration.calibrate(ONE, samples, Map.of(), target, Map.of(), 1).get(0);
        assertThat(r.supported()).isFalse();
        assertThat(r.needed() == null || r.needed().unreachable()).isTrue();
    }

    @Test
    void calibratedProbabilitiesMatchFrequenciesOnHeldOutImages() {
        // The logistic of a margin is far too confident when the margins overlap; the fitted curve, applied to images drawn
        // afresh from the same population, says how often they show the category.
        Calibration.Result r = Calibration.calibrate(ONE, draw(200, 400, 1.0, 2.0, 4), Map.of(),
                new Calibration.Target(Calibration.Kind.RECALL, 0.5, null), Map.of(), 1).get(0);
        List<Sample> fresh = new ArrayList<>();
        for (Sample s : draw(1000, 2000, 1.0, 2.0, 44)) {
            fresh.add(s.withProbability(Map.of("c", r.curve().apply(s.margin().get("c")))));
        }
        double after = Reliability.of("c", fresh).ece();
        double before = Reliability.of("c", draw(1000, 2000, 1.0, 2.0, 44)).ece();
        System.out.printf("ECE on fresh images: %.3f calibrated, %.3f uncalibrated; cross-validated in the report %.3f%n", after, before,
                r.eceAfter());
        assertThat(after).isLessThanOrEqualTo(0.05);
        assertThat(before).isGreaterThan(0.1);
    }

    @Test
    void chosenThresholdsKeepTheirPromiseOnTheWholePopulation() {
        // Production: prevalence 2 %; positives' margins ~ N(3, 1.5), negatives' ~ N(-3, 1.5). Target: precision 0.8 at that
        // prevalence. Over many labelled samples (150 positives, 2,000 negatives: with 600 negatives even zero false positives
        // would bound the false-positive rate too loosely to promise it), the true precision at the chosen threshold must reach
        // the target in (about) 95 % of the runs the method accepts.
        NormalDistribution normal = new NormalDistribution();
        double prevalence = 0.02;
        Calibration.Target target = new Calibration.Target(Calibration.Kind.PRECISION, 0.8, prevalence);
        int accepted = 0;
        int kept = 0;
        for (long seed = 1; seed <= 100; seed++) {
            Calibration.Result r = Calibration.calibrate(ONE, draw(150, 2000, 3, 1.5, seed), Map.of(), target, Map.of(), seed).get(0);
            if (!r.supported()) {
                continue;
            }
            accepted++;
            double margin = lowestMarginReaching(r.curve(), r.threshold());
            double tpr = 1 - normal.cumulativeProbability((margin - 3) / 1.5);
            double fpr = 1 - normal.cumulativeProbability((margin + 3) / 1.5);
            if (Calibration.atPrevalence(tpr, fpr, prevalence) >= target.value()) {
                kept++;
            }
        }
        System.out.printf("calibration coverage: %d of %d accepted thresholds reach the target on the population%n", kept, accepted);
        assertThat(accepted).as("the labels usually support this target").isGreaterThan(50);
        assertThat((double) kept / accepted).isGreaterThanOrEqualTo(0.93);
    }

    /** The smallest margin whose calibrated probability reaches {@code threshold} (the curve never falls). */
    static double lowestMarginReaching(io.clipguard.policy.CalibrationCurve curve, double threshold) {
        double lo = -1000;
        double hi = 1000;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (curve.apply(mid) >= threshold) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    @Test
    void undefinedBootstrapResamplesAreDroppedAndCounted() {
        // One positive flagged among many: some resamples of the positives contain it not at all.
        List<Sample> samples = new ArrayList<>(draw(3, 200, 0.3, 1, 5));
        Calibration.Result r = Calibration.calibrate(ONE, samples, Map.of(), new Calibration.Target(Calibration.Kind.RECALL, 0.01, null),
                Map.of(), 5).get(0);
        assertThat(r.undefinedResamples()).isBetween(0, Calibration.BOOTSTRAP);
        assertThat(r.positives()).isEqualTo(3);
    }
}
