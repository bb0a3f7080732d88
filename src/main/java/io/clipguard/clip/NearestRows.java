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
import java.util.Set;

/**
 * The nearest of many stored rows to each of a batch of queries, by dot product (cosine for
 * normalised vectors), as one ONNX Runtime graph: MatMul against the rows, then ReduceMax and
 * ArgMax. A hundred thousand exemplars of 512 dimensions are 200 MB that every query must read;
 * a Java loop reads them once per query, a matrix product once per batch with a tuned kernel.
 * {@code bench bank} measures it against the Java scan that the service still runs per upload.
 */
public final class NearestRows implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int dimension;
    private final int rows;

    /** The best row and its dot product, per query. */
    public record Nearest(int[] rows, float[] dots) {
    }

    /** @param data rows x dimension, row-major */
    public NearestRows(float[] data, int rows, int dimension) {
        this.rows = rows;
        this.dimension = dimension;
        float[] transposed = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < dimension; d++) {
                transposed[d * rows + r] = data[r * dimension + d];
            }
        }
        OnnxGraph g = new OnnxGraph("nearest-rows");
        String q = g.input("queries", OnnxGraph.FLOAT, "batch", dimension);
        String dots = g.op("MatMul", List.of(q, g.floatConstant("rows", transposed, dimension, rows)));
        g.output("dot", g.op("ReduceMax", dots, OnnxGraph.Attribute.ints("axes", 1), i("keepdims", 0)), OnnxGraph.FLOAT, "batch");
        g.output("row", g.op("ArgMax", dots, i("axis", 1), i("keepdims", 0)), OnnxGraph.INT64, "batch");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            this.session = env.createSession(g.toModelBytes("clipguard"), options);
        } catch (OrtException e) {
            throw new ClipGuardException(ErrorCode.MODEL_ERROR, "cannot build the nearest-row graph: " + e.getMessage(), e);
        }
    }

    public int rows() {
        return rows;
    }

    public int dimension() {
        return dimension;
    }

    /** The nearest row to each query (each of {@link #dimension} values). */
    public Nearest nearest(List<float[]> queries) {
        FloatBuffer in = ByteBuffer.allocateDirect(queries.size() * dimension * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        queries.forEach(in::put);
        in.rewind();
        try (OnnxTensor t = OnnxTensor.createTensor(env, in, new long[] {queries.size(), dimension});
             OrtSession.Result r = session.run(Map.of("queries", t), Set.of("dot", "row"))) {
            float[] dot = (float[]) r.get("dot").orElseThrow().getValue();
            long[] row = (long[]) r.get("row").orElseThrow().getValue();
            int[] rowsOut = new int[row.length];
            for (int k = 0; k < row.length; k++) {
                rowsOut[k] = (int) row[k];
            }
            return new Nearest(rowsOut, dot);
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
