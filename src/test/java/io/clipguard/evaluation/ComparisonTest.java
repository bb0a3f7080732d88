package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Two scorers on the same images: a better one shows a positive AP difference and McNemar's test notices it. */
class ComparisonTest {
    static List<Sample> scored(double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            boolean positive = i % 4 == 0;
            double p = Math.max(0, Math.min(1, (positive ? 0.75 : 0.25) + noise * (r.nextDouble() - 0.5)));
            String outcome = p >= 0.5 ? "c" : "none";
            out.add(new Sample("i" + i, positive ? "c" : "benign", Map.of(), Map.of("c", p), Map.of(), "ALLOW", outcome, 1.0));
        }
        return out;
    }

    @Test
    void aSharperScorerWinsWithAnIntervalAboveZero() {
        Comparison c = Comparison.of("noisy", scored(1.6, 1), "sharp", scored(0.4, 2), List.of("c"), 1);
        assertThat(c.images()).isEqualTo(400);
        Comparison.Category cat = c.categories().get(0);
        assertThat(cat.difference()).isPositive();
        assertThat(cat.interval()[0]).isPositive();
        assertThat(c.decisions().candidateOnly()).isGreaterThan(c.decisions().baselineOnly());
        assertThat(c.decisions().p()).isLessThan(0.01);
    }

    @Test
    void theSameScorerTwiceShowsNoDifference() {
        List<Sample> same = scored(1.0, 3);
        Comparison c = Comparison.of("a", same, "b", same, List.of("c"), 1);
        assertThat(c.categories().get(0).difference()).isZero();
        assertThat(c.decisions().p()).isEqualTo(1.0);
    }
}
