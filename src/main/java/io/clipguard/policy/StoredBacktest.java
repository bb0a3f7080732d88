package io.clipguard.policy;

import io.clipguard.pdq.PdqHash;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A dry run: re-scores stored image embeddings with the enforced version and with a
 * draft, and reports what would change. Probabilities come from a {@link BulkScorer}
 * per version (chunked, so memory stays bounded), actions from the same
 * {@link ScoringPolicy#verdict} rule live traffic uses, so "before" reproduces the
 * enforced decisions. Bank matches are replayed too: each stored upload's upright PDQ hash and
 * its embedding against the banks either version declares, so a draft that adds a bank or
 * moves a distance shows what it would change before it is enforced.
 */
public final class StoredBacktest {
    static final int CHUNK = 8192;
    static final int SAMPLES = 5;

    private StoredBacktest() {
    }

    /** Thresholds a sweep tries for each category: 0, 0.01, ..., 1 (the studio's slider steps). */
    public static final int STEPS = 100;
    /**
     * The most rows times categories squared a backtest sweeps (three verdicts per row and
     * category, each over every category): measured 1.5 us per unit with seven categories (20,000
     * uploads swept in 1.5 s) and 0.24 us with fifty, so at most about 15 s of one core (seven
     * categories over 200,000 uploads). Beyond it the report has no sweeps and says why.
     */
    static final long SWEEP_BUDGET = 10_000_000L;

    /**
     * @param changed     decisions whose action differs
     * @param actions     per action: count before, count after
     * @param triggered   per category: images that triggered it before, after
     * @param samples     per direction ("ALLOW->BLOCK"): up to five contentIds
     * @param sweeps      per category of the draft: the draft's actions were that category's threshold moved
     * @param spanSeconds time from the oldest to the newest stored embedding scored (turns counts into volumes per day)
     * @param sweepsOmitted why there are no sweeps (too many rows times categories), or null
     * @param categories  the draft's category ids, in the order of each judged row's probabilities
     * @param labelled    the rows reviewers judged, with the draft's probabilities (for precision and recall; not reported as is)
     */
    public record Report(int images, int beforeVersion, int afterVersion, int changed, Map<String, long[]> actions,
                         Map<String, long[]> triggered, Map<String, List<String>> samples, double millis, Map<String, Sweep> sweeps,
                         double spanSeconds, String sweepsOmitted, List<String> categories,
                         @com.fasterxml.jackson.annotation.JsonIgnore List<Labelled> labelled) {
        /** The same report without its judged rows (once precision and recall are drawn from them). */
        public Report withoutLabelled() {
            return new Report(images, beforeVersion, afterVersion, changed, actions, triggered, samples, millis, sweeps, spanSeconds, sweepsOmitted,
                    categories, List.of());
        }
    }

    /**
     * The draft's decisions with one category's threshold at {@code i / STEPS} (everything else as
     * the draft says): {@code allow[i]}, {@code review[i]}, {@code block[i]} images.
     */
    public record Sweep(long[] allow, long[] review, long[] block) {
    }

    /**
     * A reviewer's verdict on a stored upload: the category it shows (null: none of the policy's),
     * and the probability that such a decision was queued for review (its weight is the inverse).
     */
    public record Label(String category, double inclusionProbability) {
    }

    /** A judged row: its verdict and the draft's probability for each of the draft's categories, in order. */
    public record Labelled(String contentId, Label label, double[] probabilities) {
    }

    /**
     * The stored uploads a backtest scores.
     *
     * @param hashes      each row's stored PDQ hash, or null
     * @param vectors     {@code rows} L2-normalised embeddings, row-major, in a direct buffer
     * @param labels      reviewers' verdicts by contentId (only those of these rows are used)
     * @param spanSeconds from the oldest row's embedding to the newest's
     */
    public record Rows(List<String> contentIds, List<PdqHash> hashes, FloatBuffer vectors, int rows, Map<String, Label> labels,
                       double spanSeconds) {
    }

    /**
     * Without verdicts or time span (no precision, recall or volumes per day).
     *
     * @param hashes   each row's stored PDQ hash, or null
     * @param vectors  {@code rows} L2-normalised embeddings, row-major, in a direct buffer
     * @param progress told the number of rows scored so far, after each chunk
     * @param scorers  opens the bulk scorer of each version
     * @param banks    each row's bank matches under a version
     */
    public static Report run(ScoringPolicy before, ScoringPolicy after, List<String> contentIds, List<PdqHash> hashes, FloatBuffer vectors,
                             int rows, LongConsumer progress, BulkScorer.Factory scorers, StoredMatcher banks) {
        return run(before, after, new Rows(contentIds, hashes, vectors, rows, Map.of(), 0), progress, scorers, banks);
    }

    /** The same, with reviewers' verdicts on some rows and the time the rows span. */
    public static Report run(ScoringPolicy before, ScoringPolicy after, Rows stored, LongConsumer progress, BulkScorer.Factory scorers,
                             StoredMatcher banks) {
        return run(before, after, stored, progress, scorers, banks, SWEEP_BUDGET);
    }

    /**
     * The same with another sweep budget (rows x categories squared; 0: no sweep), for
     * {@code clipguard bench sweep}, which times a backtest with and without its sweeps.
     */
    public static Report run(ScoringPolicy before, ScoringPolicy after, Rows stored, LongConsumer progress, BulkScorer.Factory scorers,
                             StoredMatcher banks, long sweepBudget) {
        List<String> contentIds = stored.contentIds();
        List<PdqHash> hashes = stored.hashes();
        FloatBuffer vectors = stored.vectors();
        int rows = stored.rows();
        long t0 = System.nanoTime();
        long categories = after.policy().categories().size();
        String omitted = (long) rows * categories * categories > sweepBudget ? rows + " uploads x " + categories + " categories is more than "
                + "a sweep does (" + sweepBudget + " rows x categories squared): backtest fewer uploads for volumes per threshold" : null;
        ThresholdSweep sweep = omitted == null ? new ThresholdSweep(after) : null;
        List<Labelled> labelled = new ArrayList<>();
        Map<String, long[]> actions = new LinkedHashMap<>();
        for (Policy.Action a : Policy.Action.values()) {
            actions.put(a.name(), new long[2]);
        }
        Map<String, long[]> triggered = new LinkedHashMap<>();
        before.policy().categories().forEach(c -> triggered.put(c.id(), new long[2]));
        after.policy().categories().forEach(c -> triggered.putIfAbsent(c.id(), new long[2]));
        Map<String, List<String>> samples = new LinkedHashMap<>();
        int changed = 0;
        int dim = before.columns().vectors()[0].length;
        boolean banked = !before.policy().banks().isEmpty() || !after.policy().banks().isEmpty();
        try (BulkScorer b = scorers.open(before); BulkScorer a = scorers.open(after)) {
            for (int start = 0; start < rows; start += CHUNK) {
                int n = Math.min(CHUNK, rows - start);
                FloatBuffer chunk = vectors.duplicate().position(start * dim).limit((start + n) * dim).slice();
                float[] pb = b.probabilities(chunk, n);
                float[] pa = a.probabilities(chunk, n);
                for (int r = 0; r < n; r++) {
                    String id = contentIds.get(start + r);
                    float[] embedding = banked ? embedding(chunk, r, dim) : null;
                    PdqHash hash = banked ? hashes.get(start + r) : null;
                    List<BankHit> hb = banked ? banks.match(before.policy(), hash, embedding) : List.of();
                    List<BankHit> ha = banked ? banks.match(after.policy(), hash, embedding) : List.of();
                    ScoringPolicy.Verdict vb = before.verdict(null, null, row(pb, r, b.categories()), id, hb);
                    double[] probabilities = row(pa, r, a.categories());
                    ScoringPolicy.Verdict va = after.verdict(null, null, probabilities, id, ha);
                    if (sweep != null) {
                        sweep.add(probabilities, id, ha);
                    }
                    Label label = stored.labels().get(id);
                    if (label != null) {
                        labelled.add(new Labelled(id, label, probabilities));
                    }
                    actions.get(vb.action().name())[0]++;
                    actions.get(va.action().name())[1]++;
                    count(vb, triggered, 0);
                    count(va, triggered, 1);
                    if (vb.action() != va.action()) {
                        changed++;
                        List<String> s = samples.computeIfAbsent(vb.action() + "->" + va.action(), k -> new ArrayList<>());
                        if (s.size() < SAMPLES) {
                            s.add(id);
                        }
                    }
                }
                progress.accept(start + n);
            }
        }
        return new Report(rows, before.policy().version(), after.policy().version(), changed, actions, triggered, samples,
                (System.nanoTime() - t0) / 1e6, sweep == null ? Map.of() : sweep.sweeps(), stored.spanSeconds(), omitted,
                after.policy().categories().stream().map(Policy.Category::id).toList(), List.copyOf(labelled));
    }

    private static void count(ScoringPolicy.Verdict v, Map<String, long[]> triggered, int side) {
        for (ScoringPolicy.Score s : v.scores()) {
            if (s.triggered()) {
                triggered.get(s.category())[side]++;
            }
        }
    }

    private static float[] embedding(FloatBuffer chunk, int r, int dim) {
        float[] out = new float[dim];
        chunk.get(r * dim, out);
        return out;
    }

    private static double[] row(float[] p, int r, int categories) {
        double[] out = new double[categories];
        for (int c = 0; c < categories; c++) {
            out[c] = p[r * categories + c];
        }
        return out;
    }
}
