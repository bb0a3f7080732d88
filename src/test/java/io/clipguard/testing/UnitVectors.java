package io.clipguard.testing;

import java.util.Random;

/** Random unit vectors: what embeddings look like to a nearest-row search. */
public final class UnitVectors {
    private UnitVectors() {
    }

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
