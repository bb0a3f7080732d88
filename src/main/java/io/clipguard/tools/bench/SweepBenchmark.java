package io.clipguard.tools.bench;

import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.PromptEncoder;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.StoredBacktest;
import io.clipguard.policy.StoredMatcher;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code clipguard bench sweep}: what the studio's volumes per threshold cost a backtest. The
 * same backtest of random unit embeddings against a policy of random prompt vectors (a review
 * band, so all three regions of a threshold occur), once without and once with its sweeps; the
 * difference per row x category squared is what {@code StoredBacktest.SWEEP_BUDGET} is set from.
 * No model runs: prompt vectors are random, the bulk scorer is ONNX Runtime's as in service.
 */
public final class SweepBenchmark {
    private static final int DIM = 512;

    private final PrintWriter out;

    public SweepBenchmark(PrintWriter out) {
        this.out = out;
    }

    public void run(int rows, int[] categoryCounts, int repeats) {
        SplittableRandom random = new SplittableRandom(11);
        FloatBuffer vectors = ByteBuffer.allocateDirect(rows * DIM * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] row = new float[DIM];
        List<String> ids = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            unit(random, row);
            vectors.put(row);
            ids.add("stored-" + r);
        }
        vectors.flip();
        StoredBacktest.Rows stored = new StoredBacktest.Rows(ids, Collections.nCopies(rows, null), vectors, rows, Map.of(), 86_400);
        out.println("| stored uploads | categories | backtest without sweeps | with sweeps | sweeps alone | per row x category^2 |");
        out.println("|---:|---:|---:|---:|---:|---:|");
        for (int categories : categoryCounts) {
            ScoringPolicy policy = new ScoringPolicy(PolicyFiles.parse(policy(categories), "bench"), new RandomPrompts(random));
            double without = Double.MAX_VALUE;
            double with = Double.MAX_VALUE;
            for (int i = 0; i < repeats + 1; i++) { // the first round warms up and is not counted
                double a = time(policy, stored, 0);
                double b = time(policy, stored, Long.MAX_VALUE);
                if (i > 0) {
                    without = Math.min(without, a);
                    with = Math.min(with, b);
                }
            }
            double sweep = with - without;
            out.printf("| %,d | %d | %.0f ms | %.0f ms | %.0f ms | %.2f us |%n", rows, categories, without, with, sweep,
                    sweep * 1000 / ((double) rows * categories * categories));
        }
    }

    private static double time(ScoringPolicy policy, StoredBacktest.Rows stored, long budget) {
        long t0 = System.nanoTime();
        StoredBacktest.run(policy, policy, stored, n -> { }, ClipScoring.bulk(), StoredMatcher.NONE, budget);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static String policy(int categories) {
        StringBuilder y = new StringBuilder("schemaVersion: 2\nid: bench\nversion: 1\nreviewBand: 0.05\ncategories:\n");
        for (int c = 0; c < categories; c++) {
            y.append("  - id: c").append(c).append("\n    action: ").append(c % 2 == 0 ? "block" : "review")
                    .append("\n    threshold: 0.5\n    prompts: [\"category ").append(c).append("\"]\n");
        }
        return y.append("benign: [\"anything else\"]\n").toString();
    }

    private static void unit(SplittableRandom random, float[] into) {
        BacktestBenchmark.unitRow(random, into, 0, into.length);
    }

    /** Random unit prompt vectors, a CLIP-like logit scale: the scoring's cost without a model. */
    private record RandomPrompts(SplittableRandom random) implements PromptEncoder {
        @Override
        public String modelId() {
            return "bench/random";
        }

        @Override
        public int dimension() {
            return DIM;
        }

        @Override
        public double logitScale() {
            return 100;
        }

        @Override
        public String modelDigest() {
            return "sha256:bench";
        }

        @Override
        public int contextLength() {
            return 77;
        }

        @Override
        public int tokenCount(String text) {
            return text.split(" ").length + 2;
        }

        @Override
        public float[][] embedLabels(List<String> labels, List<String> templates) {
            float[][] out = new float[labels.size()][DIM];
            for (float[] v : out) {
                unit(random, v);
            }
            return out;
        }
    }
}
