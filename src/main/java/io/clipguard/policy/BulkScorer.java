package io.clipguard.policy;

import java.nio.FloatBuffer;

/**
 * Each category's probability for many stored embeddings at once: a policy's scoring as one
 * matrix product, which a tuned kernel (ONNX Runtime, in service) does fifty times faster
 * than a loop. Backtests use it; the per-image scorer remains {@link ScoringPolicy#score}.
 */
public interface BulkScorer extends AutoCloseable {
    /** Probabilities [rows][categories], row-major, for {@code rows} L2-normalised embeddings in a direct buffer. */
    float[] probabilities(FloatBuffer embeddings, int rows);

    int categories();

    @Override
    void close();

    /** Opens a scorer for a prepared policy (its columns, logit scale and calibrations). */
    @FunctionalInterface
    interface Factory {
        BulkScorer open(ScoringPolicy policy);
    }
}
