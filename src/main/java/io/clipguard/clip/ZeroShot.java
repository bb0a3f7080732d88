package io.clipguard.clip;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.util.List;

/**
 * Zero-shot maths on L2-normalised embeddings: cosine, logits at the model's scale,
 * softmax, and prompt ensembles (CLIP paper, section 3.1.4).
 */
public final class ZeroShot {
    private ZeroShot() {
    }

    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dimension mismatch: " + a.length + " vs " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Softmax of {@code scale * cosine}, numerically stable. */
    public static double[] softmax(double[] cosines, double scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (double c : cosines) {
            max = Math.max(max, c * scale);
        }
        double[] p = new double[cosines.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(cosines[i] * scale - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Copy of {@code v} scaled to unit length; a zero vector is an error, not NaNs. */
    public static float[] normalise(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (sum == 0 || !Double.isFinite(sum)) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "embedding has norm " + Math.sqrt(sum) + "; cannot normalise");
        }
        float inv = (float) (1 / Math.sqrt(sum));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    /** Mean of normalised template vectors, renormalised. */
    public static float[] ensemble(List<float[]> normalised) {
        if (normalised.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one vector");
        }
        float[] sum = new float[normalised.get(0).length];
        for (float[] v : normalised) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
            }
        }
        return normalise(sum);
    }
}
