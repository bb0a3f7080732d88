package io.clipguard.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * Two models or two policies scored on the same labelled images (docs/trust-and-safety.md,
 * Comparing): per category the difference of average precision with a paired bootstrap interval
 * (the same resampled images score both, so what differs is the scorer, not the sample), and
 * McNemar's exact test on whether each image was decided right (the triggered category is its
 * label; benign: none triggered) by one and not the other.
 */
public record Comparison(String baseline, String candidate, int images, List<Category> categories, McNemar decisions) {
    static final int BOOTSTRAP = 1000;

    /** One category: average precision of each, candidate minus baseline, its 95 % paired-bootstrap interval. */
    public record Category(String id, double baselineAp, double candidateAp, double difference, double[] interval) {
    }

    /** Images decided right by both, by the baseline alone, by the candidate alone, by neither; the exact two-sided p. */
    public record McNemar(int bothRight, int baselineOnly, int candidateOnly, int bothWrong, double p) {
    }

    public static Comparison of(String baseline, List<Sample> a, String candidate, List<Sample> b, List<String> categories, long seed) {
        Map<String, Sample> byImage = new HashMap<>();
        b.forEach(s -> byImage.put(s.image(), s));
        List<Sample> left = new ArrayList<>();
        List<Sample> right = new ArrayList<>();
        for (Sample s : a) {
            Sample t = byImage.get(s.image());
            if (t != null) {
                left.add(s);
                right.add(t);
            }
        }
        List<Category> out = new ArrayList<>();
        for (String id : categories) {
            double apA = CategoryMetrics.averagePrecision(CategoryMetrics.curve(id, left));
            double apB = CategoryMetrics.averagePrecision(CategoryMetrics.curve(id, right));
            out.add(new Category(id, apA, apB, apB - apA, pairedInterval(id, left, right, seed)));
        }
        return new Comparison(baseline, candidate, left.size(), out, mcnemar(left, right));
    }

    private static double[] pairedInterval(String id, List<Sample> a, List<Sample> b, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] d = new double[BOOTSTRAP];
        List<Sample> ra = new ArrayList<>(a.size());
        List<Sample> rb = new ArrayList<>(b.size());
        for (int r = 0; r < BOOTSTRAP; r++) {
            ra.clear();
            rb.clear();
            for (int i = 0; i < a.size(); i++) {
                int k = random.nextInt(a.size());
                ra.add(a.get(k));
                rb.add(b.get(k));
            }
            d[r] = CategoryMetrics.averagePrecision(CategoryMetrics.curve(id, rb)) - CategoryMetrics.averagePrecision(CategoryMetrics.curve(id, ra));
        }
        Arrays.sort(d);
        return new double[] {d[(int) Math.floor(0.025 * (BOOTSTRAP - 1))], d[(int) Math.ceil(0.975 * (BOOTSTRAP - 1))]};
    }

    private static McNemar mcnemar(List<Sample> a, List<Sample> b) {
        int both = 0;
        int onlyA = 0;
        int onlyB = 0;
        int neither = 0;
        for (int i = 0; i < a.size(); i++) {
            boolean ra = right(a.get(i));
            boolean rb = right(b.get(i));
            if (ra && rb) {
                both++;
            } else if (ra) {
                onlyA++;
            } else if (rb) {
                onlyB++;
            } else {
                neither++;
            }
        }
        int discordant = onlyA + onlyB;
        double p = discordant == 0 ? 1 : Math.min(1, 2 * new BinomialDistribution(null, discordant, 0.5).cumulativeProbability(Math.min(onlyA, onlyB)));
        return new McNemar(both, onlyA, onlyB, neither, p);
    }

    private static boolean right(Sample s) {
        return s.outcome().equals(s.label().equals(LabelledImages.BENIGN) ? "none" : s.label());
    }
}
