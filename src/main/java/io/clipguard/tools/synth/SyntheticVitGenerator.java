package io.clipguard.tools.synth;

import static io.clipguard.clip.onnx.OnnxGraph.Attribute.i;
import static io.clipguard.clip.onnx.OnnxGraph.Attribute.ints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clipguard.clip.demo.DemoVocabulary;
import io.clipguard.clip.demo.TokenizerJsonWriter;
import io.clipguard.clip.onnx.OnnxGraph;
import io.clipguard.image.PreprocessSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a random-weight model with exactly the architecture and tensor shapes of a CLIP
 * ViT (Hugging Face layout), so throughput is measured at the real cost. Its embeddings
 * mean nothing. The tokenizer is the demo vocabulary (its ids fit the 49,408-row table;
 * the text tower's cost does not depend on which ids it reads).
 */
public final class SyntheticVitGenerator {
    private final VitArchitecture arch;
    private long visionParameters;
    private long textParameters;
    private long visionMacs;
    private long textMacs;

    public SyntheticVitGenerator(VitArchitecture arch) {
        this.arch = arch;
    }

    /** The random-weight ViT-B/32 benchmark model under {@code cacheDir}, generated once (600 MB) and kept. */
    public static Path vitB32(Path cacheDir) {
        Path dir = cacheDir.resolve("models/synthetic-vit-b-32");
        Path done = dir.resolve(".complete");
        if (!Files.exists(done)) {
            try {
                System.err.println("generating " + dir + " ...");
                new SyntheticVitGenerator(VitArchitecture.VIT_B_32).write(dir);
                Files.createFile(done);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir, e);
            }
        }
        return dir;
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeVision(dir.resolve("vision_model.onnx"));
        writeText(dir.resolve("text_model.onnx"));
        // Keys sorted: Map.of iterates in an order salted per JVM, and the model's digest covers these files.
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), TokenizerJsonWriter.clipTokenizer(new DemoVocabulary()));
        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("size", Map.of("shortest_edge", arch.imageSize()));
        pre.put("crop_size", Map.of("height", arch.imageSize(), "width", arch.imageSize()));
        pre.put("image_mean", PreprocessSpec.CLIP_MEAN);
        pre.put("image_std", PreprocessSpec.CLIP_STD);
        pre.put("resample", 3);
        json.writeValue(dir.resolve("preprocessor_config.json").toFile(), pre);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("_name_or_path", "clipguard/synthetic-" + arch.name().toLowerCase().replace('/', '-') + "-random");
        config.put("projection_dim", arch.projection());
        // Declared so that the model canary warns instead of refusing: random weights rank no caption.
        config.put("clipguard_random_weights", true);
        config.put("clipguard_vision_parameters", visionParameters);
        config.put("clipguard_vision_macs_per_image", visionMacs);
        config.put("clipguard_text_parameters", textParameters);
        config.put("clipguard_text_macs_per_text", textMacs);
        json.writeValue(dir.resolve("config.json").toFile(), config);
        Files.writeString(dir.resolve("README.txt"), "Random weights with " + arch.name()
                + "'s exact shapes, for throughput benchmarks only. Its embeddings are meaningless.\n");
    }

    public long visionParameters() {
        return visionParameters;
    }

    public long visionMacs() {
        return visionMacs;
    }

    public long textParameters() {
        return textParameters;
    }

    public long textMacs() {
        return textMacs;
    }

    private void writeVision(Path file) throws IOException {
        OnnxGraph g = new OnnxGraph("synthetic_vision");
        Transformer t = new Transformer(g, 32L, arch.visionTokens());
        int width = arch.visionWidth();
        int p = arch.patchSize();
        int patches = arch.patchesPerSide() * arch.patchesPerSide();
        String pixels = g.input("pixel_values", OnnxGraph.FLOAT, "batch", 3, arch.imageSize(), arch.imageSize());
        String conv = g.op("Conv", List.of(pixels, g.weight("patch_embedding", t.random(width * 3 * p * p), width, 3, p, p)),
                ints("kernel_shape", p, p), ints("strides", p, p));
        t.addMacs((long) patches * width * 3 * p * p);
        String tokens = g.op("Transpose", g.op("Reshape", List.of(conv, g.int64Constant("shape", 0, width, patches))),
                ints("perm", 0, 2, 1));
        // The class token, broadcast over the batch by adding it to a zeroed slice of the patches.
        String zeros = g.op("Mul", List.of(g.op("Slice", List.of(tokens, g.int64Constant("s", 0), g.int64Constant("e", 1),
                g.int64Constant("a", 1))), g.scalar(0f)));
        String cls = g.op("Add", List.of(zeros, g.weight("class_embedding", t.random(width), width)));
        String x = g.op("Concat", List.of(cls, tokens), i("axis", 1));
        x = g.op("Add", List.of(x, g.weight("position_embedding", t.random(arch.visionTokens() * width), arch.visionTokens(), width)));
        x = t.layerNorm(x, width);
        for (int layer = 0; layer < arch.visionLayers(); layer++) {
            x = t.block(x, width, arch.visionHeads(), null);
        }
        String pooled = t.layerNorm(g.op("Gather", List.of(x, g.int64Constant("cls_index", 0)), i("axis", 1)), width);
        String pooledSqueezed = g.op("Squeeze", List.of(pooled, g.int64Constant("axes", 1)));
        String embeds = t.linear(pooledSqueezed, width, arch.projection(), false, 1);
        g.output("image_embeds", embeds, OnnxGraph.FLOAT, "batch", arch.projection());
        g.write(file, "clipguard-synthetic");
        visionParameters = g.parameterCount();
        visionMacs = t.macsPerSequence();
    }

    private void writeText(Path file) throws IOException {
        OnnxGraph g = new OnnxGraph("synthetic_text");
        int ctx = arch.context();
        int width = arch.textWidth();
        Transformer t = new Transformer(g, 77L, ctx);
        String ids = g.input("input_ids", OnnxGraph.INT64, "batch", ctx);
        String mask = g.input("attention_mask", OnnxGraph.INT64, "batch", ctx);
        String x = g.op("Gather", List.of(g.weight("token_embedding", t.random(arch.vocab() * width), arch.vocab(), width), ids), i("axis", 0));
        x = g.op("Add", List.of(x, g.weight("position_embedding", t.random(ctx * width), ctx, width)));
        String additive = g.op("Add", List.of(g.floatConstant("causal_mask", causalMask(ctx), 1, 1, ctx, ctx), paddingMask(g, mask)));
        for (int layer = 0; layer < arch.textLayers(); layer++) {
            x = t.block(x, width, arch.textHeads(), additive);
        }
        x = t.layerNorm(x, width);
        // Pool at the end token, which has the highest id (CLIP's argmax pooling), via a one-hot matmul.
        String eot = g.op("ArgMax", ids, i("axis", 1), i("keepdims", 0));
        String oneHot = g.op("OneHot", List.of(eot, g.int64Constant("depth", ctx), g.floatConstant("values", new float[] {0, 1}, 2)), i("axis", -1));
        String pooled = g.op("Squeeze", List.of(g.op("MatMul", List.of(g.op("Unsqueeze", List.of(oneHot, g.int64Constant("axes", 1))), x)),
                g.int64Constant("axes", 1)));
        String embeds = t.linear(pooled, width, arch.projection(), false, 1);
        g.output("text_embeds", embeds, OnnxGraph.FLOAT, "batch", arch.projection());
        g.write(file, "clipguard-synthetic");
        textParameters = g.parameterCount();
        textMacs = t.macsPerSequence();
    }

    private static float[] causalMask(int ctx) {
        float[] m = new float[ctx * ctx];
        for (int r = 0; r < ctx; r++) {
            for (int c = r + 1; c < ctx; c++) {
                m[r * ctx + c] = -1e4f;
            }
        }
        return m;
    }

    /** (1 - mask) * -1e4, shaped [batch, 1, 1, ctx]. */
    private static String paddingMask(OnnxGraph g, String mask) {
        String f = g.op("Cast", mask, i("to", OnnxGraph.FLOAT));
        String blocked = g.op("Mul", List.of(g.op("Sub", List.of(g.scalar(1f), f)), g.scalar(-1e4f)));
        return g.op("Unsqueeze", List.of(blocked, g.int64Constant("axes", 1, 2)));
    }
}
