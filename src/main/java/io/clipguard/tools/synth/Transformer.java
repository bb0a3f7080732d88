package io.clipguard.tools.synth;

import static io.clipguard.clip.onnx.OnnxGraph.Attribute.f;
import static io.clipguard.clip.onnx.OnnxGraph.Attribute.i;
import static io.clipguard.clip.onnx.OnnxGraph.Attribute.ints;
import io.clipguard.clip.onnx.OnnxGraph;
import java.util.List;
import java.util.SplittableRandom;

/**
 * CLIP's pre-norm transformer pieces written into an {@link OnnxGraph} with random weights
 * (uniform with CLIP's init standard deviation, 0.02, so activations stay finite), and a
 * count of the multiply-adds one sequence costs.
 */
final class Transformer {
    private static final float INIT_STD = 0.02f;

    private final OnnxGraph g;
    private final SplittableRandom random;
    private final int tokens;
    private long macsPerSequence;

    Transformer(OnnxGraph g, long seed, int tokens) {
        this.g = g;
        this.random = new SplittableRandom(seed);
        this.tokens = tokens;
    }

    long macsPerSequence() {
        return macsPerSequence;
    }

    void addMacs(long macs) {
        macsPerSequence += macs;
    }

    float[] random(int n) {
        float[] w = new float[n];
        float a = (float) (INIT_STD * Math.sqrt(3));
        for (int k = 0; k < n; k++) {
            w[k] = (float) (random.nextDouble() * 2 - 1) * a;
        }
        return w;
    }

    /** {@code x @ W (+ b)} for {@code rows} rows per sequence. */
    String linear(String x, int in, int out, boolean bias, int rows) {
        String y = g.op("MatMul", List.of(x, g.weight("w", random(in * out), in, out)));
        macsPerSequence += (long) rows * in * out;
        return bias ? g.op("Add", List.of(y, g.weight("b", new float[out], out))) : y;
    }

    String layerNorm(String x, int width) {
        float[] ones = new float[width];
        java.util.Arrays.fill(ones, 1f);
        return g.op("LayerNormalization", List.of(x, g.weight("ln_scale", ones, width), g.weight("ln_bias", new float[width], width)),
                i("axis", -1), f("epsilon", 1e-5f));
    }

    /** One residual block: attention then a quick-GELU MLP, each after a layer norm. */
    String block(String x, int width, int heads, String additiveMask) {
        String attended = attention(layerNorm(x, width), width, heads, additiveMask);
        x = g.op("Add", List.of(x, attended));
        String hidden = linear(layerNorm(x, width), width, 4 * width, true, tokens);
        hidden = g.op("Mul", List.of(hidden, g.op("Sigmoid", g.op("Mul", List.of(hidden, g.scalar(1.702f))))));
        return g.op("Add", List.of(x, linear(hidden, 4 * width, width, true, tokens)));
    }

    private String attention(String x, int width, int heads, String additiveMask) {
        int headDim = width / heads;
        String q = splitHeads(linear(x, width, width, true, tokens), heads, headDim);
        String k = splitHeads(linear(x, width, width, true, tokens), heads, headDim);
        String v = splitHeads(linear(x, width, width, true, tokens), heads, headDim);
        String scores = g.op("Mul", List.of(g.op("MatMul", List.of(q, g.op("Transpose", k, ints("perm", 0, 1, 3, 2)))),
                g.scalar((float) (1 / Math.sqrt(headDim)))));
        if (additiveMask != null) {
            scores = g.op("Add", List.of(scores, additiveMask));
        }
        String context = g.op("MatMul", List.of(g.op("Softmax", scores, i("axis", -1)), v));
        macsPerSequence += 2L * heads * tokens * tokens * headDim;
        String merged = g.op("Reshape", List.of(g.op("Transpose", context, ints("perm", 0, 2, 1, 3)),
                g.int64Constant("shape", 0, 0, width)));
        return linear(merged, width, width, true, tokens);
    }

    private String splitHeads(String x, int heads, int headDim) {
        return g.op("Transpose", g.op("Reshape", List.of(x, g.int64Constant("shape", 0, 0, heads, headDim))),
                ints("perm", 0, 2, 1, 3));
    }
}
