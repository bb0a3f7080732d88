package io.clipguard.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The drift statistic on scores drawn from a known distribution, then from a shifted one. */
class ScoreDriftTest {
    static double beta(SplittableRandom r, double shift) {
        double u = Math.min(0.999, Math.max(0, r.nextDouble() * r.nextDouble() + shift));
        return u;
    }

    @Test
    void theSameDistributionStaysUnderTheStableLineAndAShiftedOneCrossesIt() {
        SplittableRandom r = new SplittableRandom(7);
        ScoreDrift drift = new ScoreDrift(2000, 1000);
        assertThat(drift.psi()).isZero();
        for (int i = 0; i < 3000; i++) {
            drift.add(beta(r, 0));
        }
        assertThat(drift.psi()).as("same population").isLessThan(0.05);
        for (int i = 0; i < 1000; i++) {
            drift.add(beta(r, 0.35));
        }
        assertThat(drift.psi()).as("shifted population").isGreaterThan(0.25);
        drift.reset();
        assertThat(drift.psi()).isZero();
    }
}
