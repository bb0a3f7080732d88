package io.clipguard.tools.synth;

import java.util.Random;

/** Random unit vectors: what embeddings look like to a nearest-row search (benchmarks, load tests and tests fill banks with them). */
public final class RandomVectors {
    private RandomVectors() {
    }

    /** A vector of {@code dim} Gaussian values scaled to length 1. */
    public static float[] unit(int dim, Random random) {
        float[] v = new float[dim];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dim; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }
}
