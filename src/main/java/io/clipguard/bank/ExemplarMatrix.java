package io.clipguard.bank;

import java.util.List;

/**
 * A bank's exemplar embeddings of one model as one row-major matrix, and the nearest row to
 * a query by cosine (rows and queries are L2-normalised, so the cosine is the dot product).
 * One pass over contiguous memory with eight independent partial sums per row, so the JIT
 * keeps them in registers and the loop runs at memory speed; a scan, because at 100,000
 * exemplars one pass costs a few milliseconds and no approximate index is exact.
 */
public final class ExemplarMatrix {
    private final List<String> ids;
    private final float[] rows;
    private final int dimension;

    public ExemplarMatrix(List<String> ids, float[] rows, int dimension) {
        if (rows.length != ids.size() * dimension) {
            throw new IllegalArgumentException("rows hold " + rows.length + " values, not " + ids.size() + " x " + dimension);
        }
        this.ids = ids;
        this.rows = rows;
        this.dimension = dimension;
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        return ids.size();
    }

    public String id(int row) {
        return ids.get(row);
    }

    /** The nearest row to {@code q} and its similarity; row -1 when the matrix is empty. */
    public record Nearest(int row, double similarity) {
    }

    public Nearest nearest(float[] q) {
        int d = dimension;
        int best = -1;
        float bestDot = Float.NEGATIVE_INFINITY;
        int n = ids.size();
        for (int r = 0, o = 0; r < n; r++, o += d) {
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            int k = 0;
            for (; k + 8 <= d; k += 8) {
                s0 += rows[o + k] * q[k];
                s1 += rows[o + k + 1] * q[k + 1];
                s2 += rows[o + k + 2] * q[k + 2];
                s3 += rows[o + k + 3] * q[k + 3];
                s4 += rows[o + k + 4] * q[k + 4];
                s5 += rows[o + k + 5] * q[k + 5];
                s6 += rows[o + k + 6] * q[k + 6];
                s7 += rows[o + k + 7] * q[k + 7];
            }
            for (; k < d; k++) {
                s0 += rows[o + k] * q[k];
            }
            float dot = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            if (dot > bestDot) {
                bestDot = dot;
                best = r;
            }
        }
        return new Nearest(best, bestDot);
    }
}
