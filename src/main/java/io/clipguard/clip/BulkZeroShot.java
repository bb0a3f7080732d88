package io.clipguard.clip;

import static io.clipguard.clip.onnx.OnnxGraph.Attribute.i;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.clipguard.clip.onnx.OnnxGraph;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * Zero-shot classification of many stored embeddings at once, without the model: cosines
 * against prompt columns, softmax at the logit scale and thresholds as one small ONNX graph
 * run by ONNX Runtime over chunks of embeddings, because a million rows times 50 categories
 * is about 51 GFLOP of matrix work plus 50 million exponentials: a job for a tuned kernel,
 * not a Java loop. Backtests re-score stored embeddings with it.
 *
 * <p>Columns are prompt vectors (category prompts, and competitors such as exclusions and
 * benign prompts); a category's cosine is the max over its columns. The graph returns, per
 * row, each category's probability; {@link #triggered} applies the thresholds. Embeddings
 * must be L2-normalised, as stored. ONNX Runtime failures are {@code MODEL_ERROR}.
 */
public final class BulkZeroShot implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int dimension;
    private final int categories;
    private final double[] thresholds;
    private final String output;

    /**
     * @param columns        prompt vectors [K][dim], each normalised
     * @param categoryOf     for each column, its category index, or -1 for exclusions and benign
     * @param thresholds     per category
     * @param logitScale     the model's logit scale
     */
    public BulkZeroShot(float[][] columns, int[] categoryOf, double[] thresholds, double logitScale) {
        this(columns[0].length, thresholds, graph(columns, categoryOf, thresholds, (float) logitScale), "probabilities");
    }

    private BulkZeroShot(int dimension, double[] thresholds, byte[] graph, String output) {
        this.dimension = dimension;
        this.output = output;
        this.categories = thresholds.length;
        this.thresholds = thresholds.clone();
        try {
            this.session = env.createSession(graph, new OrtSession.SessionOptions());
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "cannot build the bulk scoring graph: " + e.getMessage(), e);
        }
    }

    /**
     * Independent categories (policy schema 2): each category's margin, its best prompt logit
     * minus the log-sum-exp of its own competitors' logits (its exclusions and every benign
     * column). {@link #probabilities} then gives margins, which the policy's calibration (or the
     * logistic) turns into probabilities.
     *
     * @param exclusionOf for each column, the category it is an exclusion of, or -1
     */
    public static BulkZeroShot independent(float[][] columns, int[] categoryOf, int[] exclusionOf, double[] thresholds, double logitScale) {
        return new BulkZeroShot(columns[0].length, thresholds, independentGraph(columns, categoryOf, exclusionOf, thresholds.length,
                (float) logitScale), "margins");
    }

    /** Probabilities [rows][categories] for {@code rows} embeddings packed in {@code embeddings} (copied to native memory). */
    public float[] probabilities(float[] embeddings, int rows) {
        FloatBuffer direct = ByteBuffer.allocateDirect(rows * dimension * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(embeddings, 0, rows * dimension).flip();
        return probabilities(direct, rows);
    }

    /**
     * Probabilities [rows][categories] for embeddings in a direct (native-order) buffer. Keep a
     * backtest window in direct memory: ONNX Runtime's Java binding copies a heap buffer value by
     * value, which measured 5-8 times slower than the matrix product itself.
     */
    public float[] probabilities(FloatBuffer embeddings, int rows) {
        try (OnnxTensor in = OnnxTensor.createTensor(env, embeddings, new long[] {rows, dimension});
             OrtSession.Result r = session.run(Map.of("embeddings", in), java.util.Set.of(output))) {
            FloatBuffer out = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
            float[] p = new float[rows * categories];
            out.get(p);
            return p;
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "bulk scoring failed: " + e.getMessage(), e);
        }
    }

    /** How many of the rows trigger each category, counted inside the graph (probabilities stay native). */
    public long[] triggeredCounts(FloatBuffer embeddings, int rows) {
        try (OnnxTensor in = OnnxTensor.createTensor(env, embeddings, new long[] {rows, dimension});
             OrtSession.Result r = session.run(Map.of("embeddings", in), java.util.Set.of("triggered_counts"))) {
            FloatBuffer counts = ((OnnxTensor) r.get("triggered_counts").orElseThrow()).getFloatBuffer();
            long[] out = new long[categories];
            for (int c = 0; c < categories; c++) {
                out[c] = Math.round(counts.get(c));
            }
            return out;
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "bulk scoring failed: " + e.getMessage(), e);
        }
    }

    /**
     * The floor for {@link #triggeredCounts}: the same chunks through a graph that is only the
     * matrix product (embeddings x columns), output left native. For the backtest benchmark's
     * "scorer / bare MatMul" ratio.
     */
    public static long bareMatMulNanos(List<FloatBuffer> chunks, float[][] columns) {
        int dim = columns[0].length;
        float[] p = new float[dim * columns.length];
        for (int c = 0; c < columns.length; c++) {
            for (int d = 0; d < dim; d++) {
                p[d * columns.length + c] = columns[c][d];
            }
        }
        OnnxGraph g = new OnnxGraph("bare-matmul");
        String e = g.input("embeddings", OnnxGraph.FLOAT, "rows", dim);
        g.output("logits", g.op("MatMul", List.of(e, g.floatConstant("prompts", p, dim, columns.length))), OnnxGraph.FLOAT, "rows",
                columns.length);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(g.toModelBytes("clipguard-bench"), new OrtSession.SessionOptions())) {
            long start = 0;
            for (int round = 0; round < 2; round++) {
                start = System.nanoTime();
                for (FloatBuffer chunk : chunks) {
                    try (OnnxTensor in = OnnxTensor.createTensor(env, chunk, new long[] {chunk.limit() / dim, dim});
                         OrtSession.Result r = session.run(Map.of("embeddings", in))) {
                        r.get(0);
                    }
                }
            }
            return System.nanoTime() - start;
        } catch (OrtException ex) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "bare MatMul failed: " + ex.getMessage(), ex);
        }
    }

    public boolean triggered(float[] probabilities, int row, int category) {
        return probabilities[row * categories + category] >= thresholds[category];
    }

    public int categories() {
        return categories;
    }

    public int dimension() {
        return dimension;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "closing the bulk scoring session: " + e.getMessage(), e);
        }
    }

    /**
     * embeddings [N, dim] x columns -> logits; each category's columns padded to the same count m
     * (repeating its first prompt, which cannot change a max) so that a reshape and ReduceMax give
     * its best prompt; softmax over the categories' best logits and the competitor columns.
     */
    private static byte[] graph(float[][] columns, int[] categoryOf, double[] thresholds, float scale) {
        int categories = thresholds.length;
        int dim = columns[0].length;
        int m = 1;
        for (int c = 0; c < categories; c++) {
            final int cat = c;
            m = Math.max(m, (int) java.util.Arrays.stream(categoryOf).filter(o -> o == cat).count());
        }
        List<float[]> ordered = new java.util.ArrayList<>();
        for (int c = 0; c < categories; c++) {
            List<float[]> own = new java.util.ArrayList<>();
            for (int col = 0; col < columns.length; col++) {
                if (categoryOf[col] == c) {
                    own.add(columns[col]);
                }
            }
            for (int j = 0; j < m; j++) {
                ordered.add(own.get(Math.min(j, own.size() - 1)));
            }
        }
        int competitors = 0;
        for (int col = 0; col < columns.length; col++) {
            if (categoryOf[col] < 0) {
                ordered.add(columns[col]);
                competitors++;
            }
        }
        int k = ordered.size();
        float[] p = new float[dim * k];
        for (int col = 0; col < k; col++) {
            for (int d = 0; d < dim; d++) {
                p[d * k + col] = ordered.get(col)[d];
            }
        }
        OnnxGraph g = new OnnxGraph("bulk-zero-shot");
        String e = g.input("embeddings", OnnxGraph.FLOAT, "rows", dim);
        String logits = g.op("Mul", List.of(g.op("MatMul", List.of(e, g.floatConstant("prompts", p, dim, k))), g.scalar(scale)));
        // One prompt per category (the common case): the logits are already in softmax order, and
        // the slice/reshape/max/concat passes over every row would only copy them.
        String all = logits;
        if (m > 1) {
            String own = g.op("Slice", List.of(logits, g.int64Constant("s", 0), g.int64Constant("e", (long) categories * m),
                    g.int64Constant("a", 1)));
            all = g.op("ReduceMax", g.op("Reshape", List.of(own, g.int64Constant("shape", -1, categories, m))),
                    OnnxGraph.Attribute.ints("axes", 2), i("keepdims", 0));
            if (competitors > 0) {
                String rest = g.op("Slice", List.of(logits, g.int64Constant("s", (long) categories * m), g.int64Constant("e", k),
                        g.int64Constant("a", 1)));
                all = g.op("Concat", List.of(all, rest), i("axis", 1));
            }
        }
        String probabilities = g.op("Softmax", all, i("axis", 1));
        String perCategory = g.op("Slice", List.of(probabilities, g.int64Constant("starts", 0), g.int64Constant("ends", categories),
                g.int64Constant("axes", 1)));
        g.output("probabilities", perCategory, OnnxGraph.FLOAT, "rows", categories);
        float[] t = new float[categories];
        for (int c = 0; c < categories; c++) {
            t[c] = (float) thresholds[c];
        }
        String hits = g.op("Cast", g.op("GreaterOrEqual", List.of(perCategory, g.floatConstant("thresholds", t, categories))),
                i("to", OnnxGraph.FLOAT));
        g.output("triggered_counts", g.op("ReduceSum", List.of(hits, g.int64Constant("axes", 0)), i("keepdims", 0)),
                OnnxGraph.FLOAT, categories);
        return g.toModelBytes("clipguard-bulk-zero-shot");
    }

    /**
     * embeddings x [category prompts, each category's exclusions padded to the same count, benign]
     * -> logits; per category its margin: the best prompt's logit, minus log(exp(LSE(benign)) + exp(LSE(its
     * exclusions))); padding columns are zero vectors pushed to -10,000 so they add nothing.
     */
    private static byte[] independentGraph(float[][] columns, int[] categoryOf, int[] exclusionOf, int categories, float scale) {
        int dim = columns[0].length;
        int m = 1;
        int me = 0;
        for (int c = 0; c < categories; c++) {
            final int cat = c;
            m = Math.max(m, (int) java.util.Arrays.stream(categoryOf).filter(o -> o == cat).count());
            me = Math.max(me, (int) java.util.Arrays.stream(exclusionOf).filter(o -> o == cat).count());
        }
        List<float[]> ordered = new java.util.ArrayList<>();
        List<Float> bias = new java.util.ArrayList<>();
        for (int c = 0; c < categories; c++) {
            List<float[]> own = owned(columns, categoryOf, c);
            for (int j = 0; j < m; j++) {
                ordered.add(own.get(Math.min(j, own.size() - 1)));
                bias.add(0f);
            }
        }
        for (int c = 0; c < categories; c++) {
            List<float[]> own = owned(columns, exclusionOf, c);
            for (int j = 0; j < me; j++) {
                ordered.add(j < own.size() ? own.get(j) : new float[dim]);
                bias.add(j < own.size() ? 0f : -10_000f);
            }
        }
        for (int col = 0; col < columns.length; col++) {
            if (categoryOf[col] < 0 && exclusionOf[col] < 0) {
                ordered.add(columns[col]);
                bias.add(0f);
            }
        }
        int k = ordered.size();
        int benignFrom = categories * (m + me);
        if (benignFrom == k) {
            throw new ClipGuardException(ErrorCode.POLICY_INVALID, "independent categories need at least one benign prompt to score against");
        }
        float[] p = new float[dim * k];
        float[] b = new float[k];
        for (int col = 0; col < k; col++) {
            b[col] = bias.get(col);
            for (int d = 0; d < dim; d++) {
                p[d * k + col] = ordered.get(col)[d];
            }
        }
        OnnxGraph g = new OnnxGraph("bulk-independent");
        String e = g.input("embeddings", OnnxGraph.FLOAT, "rows", dim);
        String logits = g.op("Add", List.of(g.op("Mul", List.of(g.op("MatMul", List.of(e, g.floatConstant("prompts", p, dim, k))),
                g.scalar(scale))), g.floatConstant("bias", b, k)));
        String own = slice(g, logits, 0, (long) categories * m);
        String best = m == 1 ? own : g.op("ReduceMax", g.op("Reshape", List.of(own, g.int64Constant("shape", -1, categories, m))),
                OnnxGraph.Attribute.ints("axes", 2), i("keepdims", 0));
        String benign = g.op("ReduceLogSumExp", slice(g, logits, benignFrom, k), OnnxGraph.Attribute.ints("axes", 1), i("keepdims", 1));
        String lse = benign;
        if (me > 0) {
            String excluded = g.op("ReduceLogSumExp", g.op("Reshape", List.of(slice(g, logits, (long) categories * m, benignFrom),
                    g.int64Constant("eshape", -1, categories, me))), OnnxGraph.Attribute.ints("axes", 2), i("keepdims", 0));
            String top = g.op("Max", List.of(benign, excluded));
            lse = g.op("Add", List.of(top, g.op("Log", g.op("Add", List.of(g.op("Exp", g.op("Sub", List.of(benign, top))),
                    g.op("Exp", g.op("Sub", List.of(excluded, top))))))));
        }
        g.output("margins", g.op("Sub", List.of(best, lse)), OnnxGraph.FLOAT, "rows", categories);
        return g.toModelBytes("clipguard-bulk-independent");
    }

    private static List<float[]> owned(float[][] columns, int[] owner, int category) {
        List<float[]> own = new java.util.ArrayList<>();
        for (int col = 0; col < columns.length; col++) {
            if (owner[col] == category) {
                own.add(columns[col]);
            }
        }
        return own;
    }

    private static String slice(OnnxGraph g, String value, long from, long to) {
        return g.op("Slice", List.of(value, g.int64Constant("s", from), g.int64Constant("e", to), g.int64Constant("a", 1)));
    }
}
