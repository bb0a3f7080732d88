package io.clipguard.moderation;

import io.clipguard.clip.BulkZeroShot;
import io.clipguard.clip.ClipEngine;
import io.clipguard.policy.BulkScorer;
import io.clipguard.policy.PromptEncoder;
import io.clipguard.policy.ScoringPolicy;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy package's two model-facing interfaces, implemented with the CLIP engine and
 * ONNX Runtime: prompts embedded by the engine, bulk re-scoring by {@link BulkZeroShot}.
 */
public final class ClipScoring {
    private ClipScoring() {
    }

    /** Prompt vectors from {@code engine}. */
    public static PromptEncoder prompts(ClipEngine engine) {
        return new PromptEncoder() {
            @Override
            public String modelId() {
                return engine.identity().id();
            }

            @Override
            public int dimension() {
                return engine.dimension();
            }

            @Override
            public double logitScale() {
                return engine.logitScale();
            }

            @Override
            public String modelDigest() {
                return engine.identity().digest();
            }

            @Override
            public int contextLength() {
                return engine.contextLength();
            }

            @Override
            public int tokenCount(String text) {
                return engine.tokenizer().tokenize(text).length;
            }

            @Override
            public float[][] embedLabels(List<String> labels, List<String> templates) {
                return engine.embedLabels(labels, templates);
            }
        };
    }

    /** Bulk scorers run by ONNX Runtime. */
    public static BulkScorer.Factory bulk() {
        return ClipScoring::open;
    }

    /**
     * The graph scores the categories that have prompts; a category matched by its bank alone
     * scores 0, as {@link ScoringPolicy#score} gives it (its bank is matched separately).
     */
    private static BulkScorer open(ScoringPolicy policy) {
        ScoringPolicy.Columns all = policy.columns();
        int n = all.thresholds().length;
        boolean[] hasPrompts = new boolean[n];
        for (int owner : all.categoryOf()) {
            if (owner >= 0) {
                hasPrompts[owner] = true;
            }
        }
        int[] slot = new int[n];
        int prompted = 0;
        for (int c = 0; c < n; c++) {
            slot[c] = hasPrompts[c] ? prompted++ : -1;
        }
        BulkZeroShot scorer = prompted == 0 ? null : graph(policy, all, slot, prompted);
        int k = prompted;
        return new BulkScorer() {
            @Override
            public float[] probabilities(FloatBuffer embeddings, int rows) {
                float[] out = new float[rows * n];
                if (scorer == null) {
                    return out;
                }
                float[] sub = scorer.probabilities(embeddings, rows);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < n; c++) {
                        if (slot[c] >= 0) {
                            float v = sub[r * k + slot[c]];
                            // Independent categories: the graph gives margins; each category's calibration (or the logistic) makes them probabilities.
                            out[r * n + c] = all.independent() ? (float) policy.probability(c, v) : v;
                        }
                    }
                }
                return out;
            }

            @Override
            public int categories() {
                return n;
            }

            @Override
            public void close() {
                if (scorer != null) {
                    scorer.close();
                }
            }
        };
    }

    /** The graph over the prompted categories only ({@code slot}: each category's index among them, or -1). */
    private static BulkZeroShot graph(ScoringPolicy policy, ScoringPolicy.Columns all, int[] slot, int prompted) {
        List<float[]> vectors = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        List<Integer> excluders = new ArrayList<>();
        for (int col = 0; col < all.vectors().length; col++) {
            int owner = all.categoryOf()[col];
            int excluder = all.exclusionOf()[col];
            if (excluder >= 0 && slot[excluder] < 0) {
                continue; // an exclusion of a bank-only category competes with nothing
            }
            vectors.add(all.vectors()[col]);
            owners.add(owner < 0 ? -1 : slot[owner]);
            excluders.add(excluder < 0 ? -1 : slot[excluder]);
        }
        double[] thresholds = new double[prompted];
        for (int c = 0; c < slot.length; c++) {
            if (slot[c] >= 0) {
                thresholds[slot[c]] = all.thresholds()[c];
            }
        }
        float[][] columns = vectors.toArray(float[][]::new);
        int[] categoryOf = owners.stream().mapToInt(Integer::intValue).toArray();
        int[] exclusionOf = excluders.stream().mapToInt(Integer::intValue).toArray();
        return all.independent() ? BulkZeroShot.independent(columns, categoryOf, exclusionOf, thresholds, policy.logitScale())
                : new BulkZeroShot(columns, categoryOf, thresholds, policy.logitScale());
    }
}
