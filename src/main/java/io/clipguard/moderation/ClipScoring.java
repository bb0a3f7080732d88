package io.clipguard.moderation;

import io.clipguard.clip.BulkZeroShot;
import io.clipguard.clip.ClipEngine;
import io.clipguard.policy.BulkScorer;
import io.clipguard.policy.PromptEncoder;
import io.clipguard.policy.ScoringPolicy;
import java.nio.FloatBuffer;
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

    private static BulkScorer open(ScoringPolicy policy) {
        ScoringPolicy.Columns columns = policy.columns();
        BulkZeroShot scorer = columns.independent()
                ? BulkZeroShot.independent(columns.vectors(), columns.categoryOf(), columns.exclusionOf(), columns.thresholds(), policy.logitScale())
                : new BulkZeroShot(columns.vectors(), columns.categoryOf(), columns.thresholds(), policy.logitScale());
        return new BulkScorer() {
            @Override
            public float[] probabilities(FloatBuffer embeddings, int rows) {
                float[] out = scorer.probabilities(embeddings, rows);
                if (columns.independent()) {
                    // The graph gives margins; each category's calibration (or the logistic) makes them probabilities.
                    int n = scorer.categories();
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) policy.probability(i % n, out[i]);
                    }
                }
                return out;
            }

            @Override
            public int categories() {
                return scorer.categories();
            }

            @Override
            public void close() {
                scorer.close();
            }
        };
    }
}
