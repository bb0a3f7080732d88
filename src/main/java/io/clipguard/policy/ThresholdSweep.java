package io.clipguard.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a policy would decide over stored uploads were one category's threshold anywhere on the
 * slider (0 to 1 in steps of 1/{@link StoredBacktest#STEPS}), each category in turn, the rest
 * as written: the volumes the studio shows while a threshold moves.
 *
 * <p>Exact and cheap: the verdict rule compares a category's probability p with its threshold t
 * only as "p >= t" (triggered) and "p >= t - band" (review band), so each row falls into one of
 * three regions of t (t <= p, p < t <= p + band, above), and its action in each region is one
 * verdict with the probability moved into that region of the written threshold. Three verdicts
 * per row and category, then difference arrays over the steps: no re-scoring per step.
 */
final class ThresholdSweep {
    private final ScoringPolicy policy;
    private final long[][][] delta; // [category][action][step + 1]

    ThresholdSweep(ScoringPolicy policy) {
        this.policy = policy;
        this.delta = new long[policy.policy().categories().size()][Policy.Action.values().length][StoredBacktest.STEPS + 2];
    }

    /** Counts one row: its probabilities under the policy, its id (for sampled review) and its bank matches. */
    void add(double[] probabilities, String contentId, List<BankHit> hits) {
        double band = policy.policy().reviewBand();
        for (int c = 0; c < delta.length; c++) {
            double written = policy.policy().categories().get(c).threshold();
            double p = probabilities[c];
            // Steps whose threshold t = i / STEPS satisfies t <= p trigger; then the band (t <= p + band); then none.
            int triggeredUpTo = lastStepAtMost(p);
            int bandUpTo = band > 0 ? lastBandStep(p, band, triggeredUpTo) : triggeredUpTo;
            double saved = probabilities[c];
            probabilities[c] = written;
            mark(c, action(probabilities, contentId, hits), 0, triggeredUpTo);
            if (bandUpTo > triggeredUpTo) {
                probabilities[c] = written - band / 2;
                mark(c, action(probabilities, contentId, hits), triggeredUpTo + 1, bandUpTo);
            }
            probabilities[c] = written - band - 1;
            mark(c, action(probabilities, contentId, hits), bandUpTo + 1, StoredBacktest.STEPS);
            probabilities[c] = saved;
        }
    }

    /** The largest step i (-1 when none, and for NaN, which never triggers) whose threshold i / STEPS is at most x. */
    static int lastStepAtMost(double x) {
        if (Double.isNaN(x)) {
            return -1;
        }
        int i = (int) Math.max(-1, Math.min(StoredBacktest.STEPS, Math.floor(x * StoredBacktest.STEPS)));
        while (i < StoredBacktest.STEPS && (i + 1) / (double) StoredBacktest.STEPS <= x) {
            i++;
        }
        while (i >= 0 && i / (double) StoredBacktest.STEPS > x) {
            i--;
        }
        return i;
    }

    /** The largest step whose threshold t puts p in the band as the verdict tests it ({@code p >= t - band}). */
    private static int lastBandStep(double p, double band, int from) {
        int i = Math.max(from, lastStepAtMost(p + band) - 1);
        while (i < StoredBacktest.STEPS && p >= (i + 1) / (double) StoredBacktest.STEPS - band) {
            i++;
        }
        while (i > from && !(p >= i / (double) StoredBacktest.STEPS - band)) {
            i--;
        }
        return i;
    }

    private Policy.Action action(double[] probabilities, String contentId, List<BankHit> hits) {
        return policy.verdict(null, null, probabilities, contentId, hits).action();
    }

    private void mark(int category, Policy.Action action, int from, int to) {
        if (from < 0) {
            from = 0;
        }
        if (from > to) {
            return;
        }
        delta[category][action.ordinal()][from]++;
        delta[category][action.ordinal()][to + 1]--;
    }

    /** Per category id: the counts at every step. */
    Map<String, StoredBacktest.Sweep> sweeps() {
        Map<String, StoredBacktest.Sweep> out = new LinkedHashMap<>();
        for (int c = 0; c < delta.length; c++) {
            long[][] counts = new long[Policy.Action.values().length][StoredBacktest.STEPS + 1];
            for (int a = 0; a < counts.length; a++) {
                long running = 0;
                for (int i = 0; i <= StoredBacktest.STEPS; i++) {
                    running += delta[c][a][i];
                    counts[a][i] = running;
                }
            }
            out.put(policy.policy().categories().get(c).id(), new StoredBacktest.Sweep(counts[Policy.Action.ALLOW.ordinal()],
                    counts[Policy.Action.REVIEW.ordinal()], counts[Policy.Action.BLOCK.ordinal()]));
        }
        return out;
    }
}
