package io.clipguard.tools.bench;

import io.clipguard.clip.BulkZeroShot;
import io.clipguard.clip.ZeroShot;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code clipguard bench backtest}: re-scoring stored embeddings with {@link BulkZeroShot}
 * against a plain scalar Java loop (dot products, softmax with Math.exp, thresholds), same run.
 * The embeddings are random unit vectors held in direct memory like a loaded backtest window
 * (1,000,000 x 512 floats = 2 GB); the scalar loop runs on a prefix and is reported per row.
 */
public final class BacktestBenchmark {
    private static final int CHUNK = 65_536;

    private final PrintWriter out;

    public BacktestBenchmark(PrintWriter out) {
        this.out = out;
    }

    public void run(int rows, int dim, int categories, int scalarRows) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<FloatBuffer> chunks = new ArrayList<>();
        float[] first = null;
        float[] row = new float[dim];
        for (int from = 0; from < rows; from += CHUNK) {
            int n = Math.min(CHUNK, rows - from);
            FloatBuffer chunk = ByteBuffer.allocateDirect(n * dim * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            float[] copy = first == null ? new float[n * dim] : null;
            for (int r = 0; r < n; r++) {
                unitRow(random, row, 0, dim);
                chunk.put(row);
                if (copy != null) {
                    System.arraycopy(row, 0, copy, r * dim, dim);
                }
            }
            chunk.flip();
            chunks.add(chunk);
            first = first == null ? copy : first;
        }
        float[][] prompts = new float[categories][dim];
        int[] owner = new int[categories];
        double[] thresholds = new double[categories];
        for (int c = 0; c < categories; c++) {
            unitRow(random, prompts[c], 0, dim);
            owner[c] = c;
            thresholds[c] = 0.05;
        }
        double scale = 100;
        try (BulkZeroShot scorer = new BulkZeroShot(prompts, owner, thresholds, scale)) {
            for (FloatBuffer chunk : chunks) {
                scorer.triggeredCounts(chunk, chunk.limit() / dim); // one full round first, as for the bare MatMul
            }
            long[] triggered = new long[categories];
            long start = System.nanoTime();
            for (FloatBuffer chunk : chunks) {
                long[] counts = scorer.triggeredCounts(chunk, chunk.limit() / dim);
                for (int c = 0; c < categories; c++) {
                    triggered[c] += counts[c];
                }
            }
            double matrixSeconds = (System.nanoTime() - start) / 1e9;
            double bareSeconds = BulkZeroShot.bareMatMulNanos(chunks, prompts) / 1e9;
            long scalarStart = System.nanoTime();
            int scalarN = Math.min(scalarRows, first.length / dim);
            long scalarTriggered = scalar(first, scalarN, dim, prompts, thresholds, scale);
            double scalarSeconds = (System.nanoTime() - scalarStart) / 1e9;
            double matrixPerRow = matrixSeconds / rows;
            double scalarPerRow = scalarSeconds / scalarN;
            long total = 0;
            for (long t : triggered) {
                total += t;
            }
            out.println("| stored embeddings | dim | categories | matrix scorer (ONNX Runtime) | scalar Java loop | speed-up |");
            out.println("|---:|---:|---:|---:|---:|---:|");
            out.printf("| %,d | %d | %d | %.3f s (%.0f rows/s) | %.1f s projected (%.0f rows/s, measured on %,d rows) | %.1fx |%n",
                    rows, dim, categories, matrixSeconds, rows / matrixSeconds, scalarPerRow * rows, 1 / scalarPerRow,
                    scalarN, scalarPerRow / matrixPerRow);
            out.printf("triggered (all categories): %,d; the scalar loop's count on its rows: %,d%n", total, scalarTriggered);
            out.printf("bare ONNX Runtime MatMul of the same rows and prompts: %.3f s; scorer / bare MatMul = %.2f%n", bareSeconds,
                    matrixSeconds / bareSeconds);
        }
    }

    private static long scalar(float[] rows, int n, int dim, float[][] prompts, double[] thresholds, double scale) {
        long triggered = 0;
        double[] cos = new double[prompts.length];
        float[] row = new float[dim];
        for (int r = 0; r < n; r++) {
            System.arraycopy(rows, r * dim, row, 0, dim);
            for (int c = 0; c < prompts.length; c++) {
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += row[d] * prompts[c][d];
                }
                cos[c] = dot;
            }
            double[] p = ZeroShot.softmax(cos, scale);
            for (int c = 0; c < p.length; c++) {
                if (p[c] >= thresholds[c]) {
                    triggered++;
                }
            }
        }
        return triggered;
    }

    /** A random unit vector into {@code into[offset, offset + dim)} (the benchmarks' stored embeddings and prompt vectors). */
    static void unitRow(SplittableRandom random, float[] into, int offset, int dim) {
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            float v = (float) (random.nextDouble() * 2 - 1);
            into[offset + d] = v;
            norm += v * v;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < dim; d++) {
            into[offset + d] *= inv;
        }
    }
}
