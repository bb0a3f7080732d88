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
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Rows of one length, and the nearest of them to each of a batch of queries
 * by dot product (the cosine, for unit vectors). Why a matrix product: a hundred thousand rows
 * of 512 dimensions are 200 MB that every query must read; a Java loop reads them once per
 * query, ONNX Runtime's tuned kernel once per batch ({@code bench bank} measures both).
 *
 * <p>The product is one {@link Product} session shared by every matrix, with the rows as an
 * <em>input</em> (Gemm with the rows transposed, then ReduceMax and ArgMax): a new matrix
 * costs a copy into a direct buffer (read by ONNX Runtime without a second copy), not the
 * seconds a session with the rows as a constant takes to build, so a bank change still
 * publishes in milliseconds. Under {@value #PRODUCT_FROM} rows a Java scan is cheaper than a
 * call. Rows can be {@link #without left out} (a bank's removed entries until its next
 * rebuild): a penalty of -3 added to their dot products, so a left-out row (dot >= -1 - 3)
 * never beats a kept one (dot >= -1), and a result whose best row is left out means none.
 *
 * <p>Memory: 4 bytes per value plus 4 per row for the penalty, off the heap from
 * {@value #PRODUCT_FROM} rows (what ONNX Runtime reads without a copy), on the heap below it
 * (small matrices are made at every bank change: the heap frees them at once, direct memory only
 * once a collection finds their owners). Should the product fail (a native session that could
 * not be built), the scan answers instead, slower but the same.
 */
public final class NearestRows {
    /** Rows from which the product runs instead of a Java scan (a call costs ~0.1 ms). */
    public static final int PRODUCT_FROM = 1024;
    private static final float LEFT_OUT = -3f;
    private static final Logger LOG = Logger.getLogger(NearestRows.class.getName());
    private static final AtomicBoolean PRODUCT_FAILED = new AtomicBoolean();

    private final FloatBuffer rows;
    private final int count;
    private final int dimension;
    /** Per row, 0 or {@link #LEFT_OUT}; shared by the views of one matrix that leave out the same rows. */
    private final FloatBuffer penalty;
    private final BitSet leftOut;

    /** The best row per query (-1 when every row is left out or there are none) and its dot product. */
    public record Nearest(int[] rows, float[] dots) {
    }

    private NearestRows(FloatBuffer rows, int count, int dimension, FloatBuffer penalty, BitSet leftOut) {
        this.rows = rows;
        this.count = count;
        this.dimension = dimension;
        this.penalty = penalty;
        this.leftOut = leftOut;
    }

    /** The vectors (each of {@code dimension} values) copied into one direct buffer, in order. */
    public static NearestRows of(List<float[]> vectors, int dimension) {
        FloatBuffer rows = buffer(vectors.size(), (long) vectors.size() * dimension);
        for (float[] v : vectors) {
            if (v.length != dimension) {
                throw new IllegalArgumentException("a row of " + v.length + " values in a matrix of " + dimension);
            }
            rows.put(v);
        }
        return new NearestRows(rows, vectors.size(), dimension, buffer(vectors.size(), vectors.size()), new BitSet());
    }

    /** The same rows (shared, not copied) with {@code rows} left out as well as those left out already. */
    public NearestRows without(BitSet rowsLeftOut) {
        if (rowsLeftOut.isEmpty() || leftOut.equals(rowsLeftOut)) {
            return this;
        }
        BitSet all = (BitSet) leftOut.clone();
        all.or(rowsLeftOut);
        FloatBuffer p = buffer(count, count);
        for (int r = all.nextSetBit(0); r >= 0 && r < count; r = all.nextSetBit(r + 1)) {
            p.put(r, LEFT_OUT);
        }
        return new NearestRows(rows, count, dimension, p, all);
    }

    /** The nearest kept row to each query, by {@link Product#shared}'s product or a scan. */
    public Nearest nearest(List<float[]> queries) {
        return nearest(queries, Product.shared());
    }

    /** The same through {@code product} (a benchmark compares thread counts). */
    public Nearest nearest(List<float[]> queries, Product product) {
        for (float[] q : queries) {
            if (q.length != dimension) {
                throw new IllegalArgumentException("a query of " + q.length + " values against rows of " + dimension);
            }
        }
        if (queries.isEmpty() || count == 0) {
            int[] none = new int[queries.size()];
            Arrays.fill(none, -1);
            return new Nearest(none, new float[queries.size()]);
        }
        if (count < PRODUCT_FROM) {
            return scan(queries);
        }
        try {
            return product.run(this, queries);
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            if (!PRODUCT_FAILED.getAndSet(true)) {
                LOG.warning("the matrix product failed (" + e + "); scanning instead (said once)");
            }
            return scan(queries);
        }
    }

    private Nearest scan(List<float[]> queries) {
        int[] best = new int[queries.size()];
        float[] dots = new float[queries.size()];
        for (int q = 0; q < queries.size(); q++) {
            float[] v = queries.get(q);
            best[q] = -1;
            dots[q] = Float.NEGATIVE_INFINITY;
            for (int r = 0, o = 0; r < count; r++, o += dimension) {
                if (leftOut.get(r)) {
                    continue;
                }
                float s0 = 0;
                float s1 = 0;
                float s2 = 0;
                float s3 = 0;
                int k = 0;
                for (; k + 4 <= dimension; k += 4) {
                    s0 += rows.get(o + k) * v[k];
                    s1 += rows.get(o + k + 1) * v[k + 1];
                    s2 += rows.get(o + k + 2) * v[k + 2];
                    s3 += rows.get(o + k + 3) * v[k + 3];
                }
                for (; k < dimension; k++) {
                    s0 += rows.get(o + k) * v[k];
                }
                float dot = (s0 + s1) + (s2 + s3);
                if (dot > dots[q]) {
                    dots[q] = dot;
                    best[q] = r;
                }
            }
        }
        return new Nearest(best, dots);
    }

    /** Room for {@code floats} values of a matrix of {@code rows}: off the heap where the product will read it. */
    private static FloatBuffer buffer(int rows, long floats) {
        return rows < PRODUCT_FROM ? FloatBuffer.allocate(Math.toIntExact(floats)) : direct(floats);
    }

    private static FloatBuffer direct(long floats) {
        if (floats * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a matrix of " + floats + " values is over 2 GiB");
        }
        return ByteBuffer.allocateDirect((int) floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * The product's graph in one ONNX Runtime session on the CPU. Thread-safe (ONNX Runtime
     * runs a session from many threads); its pool does not spin between runs, so it takes no
     * CPU from the model's pool while idle.
     */
    public static final class Product implements AutoCloseable {
        private static final class Shared {
            static final Product PRODUCT = new Product(Math.min(4, Runtime.getRuntime().availableProcessors()));
        }

        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;

        /** @param threads ONNX Runtime's intra-op threads for the product */
        public Product(int threads) {
            OnnxGraph g = new OnnxGraph("nearest-rows");
            String q = g.input("queries", OnnxGraph.FLOAT, "batch", "dimension");
            String r = g.input("rows", OnnxGraph.FLOAT, "rows", "dimension");
            String p = g.input("penalty", OnnxGraph.FLOAT, "rows");
            String dots = g.op("Gemm", List.of(q, r, p), i("transB", 1));
            g.output("dot", g.op("ReduceMax", dots, OnnxGraph.Attribute.ints("axes", 1), i("keepdims", 0)), OnnxGraph.FLOAT, "batch");
            g.output("row", g.op("ArgMax", dots, i("axis", 1), i("keepdims", 0)), OnnxGraph.INT64, "batch");
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
                this.session = env.createSession(g.toModelBytes("clipguard"), options);
            } catch (OrtException e) {
                throw new ClipGuardException(ErrorCode.MODEL_ERROR, "cannot build the nearest-row graph: " + e.getMessage(), e);
            }
        }

        /** The process's product, built on first use and kept for the process's life. */
        public static Product shared() {
            return Shared.PRODUCT;
        }

        Nearest run(NearestRows m, List<float[]> queries) {
            FloatBuffer in = direct((long) queries.size() * m.dimension);
            queries.forEach(in::put);
            in.rewind();
            try (OnnxTensor qt = OnnxTensor.createTensor(env, in, new long[] {queries.size(), m.dimension});
                 OnnxTensor rt = OnnxTensor.createTensor(env, m.rows.duplicate().rewind(), new long[] {m.count, m.dimension});
                 OnnxTensor pt = OnnxTensor.createTensor(env, m.penalty.duplicate().rewind(), new long[] {m.count});
                 OrtSession.Result r = session.run(Map.of("queries", qt, "rows", rt, "penalty", pt), Set.of("dot", "row"))) {
                float[] dot = (float[]) r.get("dot").orElseThrow().getValue();
                long[] row = (long[]) r.get("row").orElseThrow().getValue();
                int[] best = new int[row.length];
                for (int k = 0; k < row.length; k++) {
                    best[k] = m.leftOut.get((int) row[k]) ? -1 : (int) row[k];
                    if (best[k] < 0) {
                        dot[k] = Float.NEGATIVE_INFINITY;
                    }
                }
                return new Nearest(best, dot);
            } catch (OrtException e) {
                throw new ClipGuardException(ErrorCode.MODEL_ERROR, "nearest-row search failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                // nothing held beyond the session
            }
        }
    }
}
