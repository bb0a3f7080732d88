package io.clipguard.clip.demo;

import static io.clipguard.clip.onnx.OnnxGraph.Attribute.i;
import static io.clipguard.clip.onnx.OnnxGraph.Attribute.ints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.clipguard.clip.onnx.OnnxGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the demo model: a vision and a text tower with constructed (not trained) weights
 * that embed the {@link DemoWorld} into one space, so that zero-shot classification works
 * through exactly the production code path. Output is byte-for-byte deterministic.
 *
 * <p>Embedding layout (dimension {@value #DIM}): colour (4), shape (3), colour x shape (12),
 * and a constant 0.5 so that no vector is zero. The image tower finds colour by per-pixel
 * channel tests and shape by how much of its bounding box the colour fills; the text tower
 * sums per-token meanings (bag of words) and forms the same product.
 */
public final class DemoModelGenerator {
    public static final int DIM = 20;
    public static final int IMAGE_SIZE = 224;
    public static final int CONTEXT = 77;
    public static final String MODEL_ID = "clipguard/demo-shapes";
    static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};
    private static final float MASK_GAIN = 30f;
    private static final int MEANINGS = 8;

    /** Directory layouts the generator can write; the loader reads all of them. */
    public enum Layout {
        /** Hugging Face / Optimum: {@code vision_model.onnx} + {@code text_model.onnx}. */
        HUGGING_FACE,
        /** The same, with the ONNX files under {@code onnx/}. */
        HUGGING_FACE_ONNX_DIR,
        /** One {@code model.onnx} with both towers and {@code logits_per_image}. */
        COMBINED,
        /** open_clip style: {@code visual.onnx} + {@code textual.onnx}, no attention mask. */
        OPEN_CLIP
    }

    private final DemoVocabulary vocabulary = new DemoVocabulary();
    private final float logitScale;
    private Object batch = "batch";

    /** The demo model at CLIP's trained logit scale, 100. */
    public DemoModelGenerator() {
        this(100f);
    }

    /** Towers exported with a fixed batch of 1 (as many exports are), for the engine's image-by-image path. */
    public DemoModelGenerator withBatchOfOne() {
        this.batch = 1;
        return this;
    }

    /** A demo model stating {@code logitScale} (in {@code config.json}, and in a combined graph's logits). */
    public DemoModelGenerator(float logitScale) {
        this.logitScale = logitScale;
    }

    public void write(Path dir, Layout layout) throws IOException {
        Files.createDirectories(dir);
        switch (layout) {
            case HUGGING_FACE -> writeTowers(dir, "vision_model.onnx", "text_model.onnx", true);
            case HUGGING_FACE_ONNX_DIR -> writeTowers(Files.createDirectories(dir.resolve("onnx")),
                    "vision_model.onnx", "text_model.onnx", true);
            case COMBINED -> writeCombined(dir.resolve("model.onnx"));
            case OPEN_CLIP -> writeTowers(dir, "visual.onnx", "textual.onnx", false);
        }
        // Keys sorted: Map.of iterates in an order salted per JVM, and the model's digest covers these files.
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), TokenizerJsonWriter.clipTokenizer(vocabulary));
        json.writeValue(dir.resolve("preprocessor_config.json").toFile(), preprocessorConfig());
        json.writeValue(dir.resolve("config.json").toFile(), modelConfig());
        Files.writeString(dir.resolve("README.txt"), """
                ClipGuard demo model (NOT CLIP). Constructed weights that tell apart one filled
                circle, square or triangle in red, green, blue or yellow on a plain background.
                Written by `clipguard model demo`; used by tests and the embedded default.
                """);
    }

    private void writeTowers(Path dir, String visionFile, String textFile, boolean hfNames) throws IOException {
        OnnxGraph vision = new OnnxGraph("demo_vision");
        String pixels = vision.input(hfNames ? "pixel_values" : "image", OnnxGraph.FLOAT, batch, 3, IMAGE_SIZE, IMAGE_SIZE);
        vision.output(hfNames ? "image_embeds" : "image_features", visionTower(vision, pixels), OnnxGraph.FLOAT, batch, DIM);
        vision.metadata("clipguard.demo", "true");
        vision.write(dir.resolve(visionFile), "clipguard-demo");

        OnnxGraph text = new OnnxGraph("demo_text");
        String ids = text.input(hfNames ? "input_ids" : "text", OnnxGraph.INT64, batch, CONTEXT);
        String mask = hfNames ? text.input("attention_mask", OnnxGraph.INT64, batch, CONTEXT) : null;
        text.output(hfNames ? "text_embeds" : "text_features", textTower(text, ids, mask), OnnxGraph.FLOAT, batch, DIM);
        text.write(dir.resolve(textFile), "clipguard-demo");
    }

    private void writeCombined(Path file) throws IOException {
        OnnxGraph g = new OnnxGraph("demo_clip");
        String ids = g.input("input_ids", OnnxGraph.INT64, "text_batch", CONTEXT);
        String pixels = g.input("pixel_values", OnnxGraph.FLOAT, "image_batch", 3, IMAGE_SIZE, IMAGE_SIZE);
        String mask = g.input("attention_mask", OnnxGraph.INT64, "text_batch", CONTEXT);
        String image = normalise(g, visionTower(g.namespace("vision/"), pixels));
        String text = normalise(g, textTower(g.namespace("text/"), ids, mask));
        g.namespace("head/");
        String cosine = g.op("MatMul", List.of(image, g.op("Transpose", text, ints("perm", 1, 0))));
        String logitsPerImage = g.op("Mul", List.of(cosine, g.scalar(logitScale)));
        g.output("logits_per_image", logitsPerImage, OnnxGraph.FLOAT, "image_batch", "text_batch");
        g.output("logits_per_text", g.op("Transpose", logitsPerImage, ints("perm", 1, 0)), OnnxGraph.FLOAT, "text_batch", "image_batch");
        g.output("text_embeds", text, OnnxGraph.FLOAT, "text_batch", DIM);
        g.output("image_embeds", image, OnnxGraph.FLOAT, "image_batch", DIM);
        g.write(file, "clipguard-demo");
    }

    /** Pixels (CLIP-normalised NCHW) to [colour, shape, colour x shape, 0.5]. */
    private static String visionTower(OnnxGraph g, String pixels) {
        String rgb = g.op("Add", List.of(g.op("Mul", List.of(pixels, channelConstant(g, STD))), channelConstant(g, MEAN)));
        String tests = g.op("Sigmoid", g.op("Conv", List.of(rgb, colourTestWeights(g), colourTestBias(g))));
        String shaped = g.op("Reshape", List.of(tests, g.int64Constant("shape", -1, 4, 3, IMAGE_SIZE, IMAGE_SIZE)));
        String mask = g.op("ReduceProd", shaped, ints("axes", 2), i("keepdims", 0));
        // Majority vote over 3x3 neighbourhoods removes isolated noise pixels.
        String smoothed = g.op("AveragePool", mask, ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
        String clean = g.op("Sigmoid", g.op("Mul", List.of(g.op("Sub", List.of(smoothed, g.scalar(0.5f))), g.scalar(MASK_GAIN))));

        String area = g.op("ReduceSum", List.of(clean, g.int64Constant("axes", 2, 3)), i("keepdims", 0));
        String width = extent(g, g.op("ReduceSum", List.of(clean, g.int64Constant("axes", 2)), i("keepdims", 0)));
        String height = extent(g, g.op("ReduceSum", List.of(clean, g.int64Constant("axes", 3)), i("keepdims", 0)));
        String box = g.op("Add", List.of(g.op("Mul", List.of(width, height)), g.scalar(1f)));
        String fill = g.op("Div", List.of(area, box));

        String distance = g.op("Div", List.of(g.op("Sub", List.of(g.op("Unsqueeze", List.of(fill, g.int64Constant("axes", 2))),
                g.floatConstant("shape_fill", DemoWorld.SHAPE_FILL, 3))), g.scalar(DemoWorld.FILL_SPREAD)));
        String shapePerColour = g.op("Softmax", g.op("Neg", g.op("Mul", List.of(distance, distance))), i("axis", 2));

        String total = g.op("ReduceSum", List.of(area, g.int64Constant("axes", 1)), i("keepdims", 1));
        String colour = g.op("Div", List.of(area, g.op("Add", List.of(total, g.scalar(50f)))));
        String shape = g.op("ReduceSum", List.of(g.op("Mul", List.of(g.op("Unsqueeze", List.of(colour, g.int64Constant("axes", 2))),
                shapePerColour)), g.int64Constant("axes", 1)), i("keepdims", 0));
        return semanticEmbedding(g, colour, shape);
    }

    /** Ids (and mask) to the same layout: sum of token meanings, clipped to [0, 1]. */
    private String textTower(OnnxGraph g, String ids, String mask) {
        String meanings = g.op("Gather", List.of(g.floatConstant("token_meanings", tokenMeanings(), vocabulary.size(), MEANINGS), ids), i("axis", 0));
        if (mask != null) {
            String maskF = g.op("Unsqueeze", List.of(g.op("Cast", mask, i("to", OnnxGraph.FLOAT)), g.int64Constant("axes", 2)));
            meanings = g.op("Mul", List.of(meanings, maskF));
        }
        String summed = g.op("Min", List.of(g.op("ReduceSum", List.of(meanings, g.int64Constant("axes", 1)), i("keepdims", 0)), g.scalar(1f)));
        String colour = slice(g, summed, 0, 4);
        String shape = slice(g, summed, 4, 7);
        return semanticEmbedding(g, colour, shape);
    }

    private static String semanticEmbedding(OnnxGraph g, String colour, String shape) {
        String joint = g.op("Reshape", List.of(g.op("Mul", List.of(
                g.op("Unsqueeze", List.of(colour, g.int64Constant("axes", 2))),
                g.op("Unsqueeze", List.of(shape, g.int64Constant("axes", 1))))), g.int64Constant("shape", -1, 12)));
        String constant = g.op("Add", List.of(g.op("Mul", List.of(slice(g, colour, 0, 1), g.scalar(0f))), g.scalar(0.5f)));
        return g.op("Concat", List.of(colour, shape, joint, constant), i("axis", 1));
    }

    /** Occupied columns (or rows): those holding more than a tenth of the fullest one, plus two pixels. */
    private static String extent(OnnxGraph g, String profile) {
        String peak = g.op("ReduceMax", profile, ints("axes", 2), i("keepdims", 1));
        String threshold = g.op("Add", List.of(g.op("Mul", List.of(peak, g.scalar(0.1f))), g.scalar(2f)));
        String occupied = g.op("Sigmoid", g.op("Mul", List.of(g.op("Sub", List.of(profile, threshold)), g.scalar(4f))));
        return g.op("ReduceSum", List.of(occupied, g.int64Constant("axes", 2)), i("keepdims", 0));
    }

    private static String normalise(OnnxGraph g, String x) {
        String norm = g.op("Sqrt", g.op("ReduceSum", List.of(g.op("Mul", List.of(x, x)), g.int64Constant("axes", 1)), i("keepdims", 1)));
        return g.op("Div", List.of(x, norm));
    }

    private static String slice(OnnxGraph g, String x, long from, long to) {
        return g.op("Slice", List.of(x, g.int64Constant("starts", from), g.int64Constant("ends", to), g.int64Constant("axes", 1)));
    }

    private static String channelConstant(OnnxGraph g, float[] perChannel) {
        return g.floatConstant("channel", perChannel, 1, 3, 1, 1);
    }

    private static String colourTestWeights(OnnxGraph g) {
        float[] w = new float[12 * 3];
        for (int c = 0; c < 4; c++) {
            for (int t = 0; t < 3; t++) {
                for (int ch = 0; ch < 3; ch++) {
                    w[(c * 3 + t) * 3 + ch] = DemoWorld.COLOUR_TESTS[c][t][ch] * MASK_GAIN;
                }
            }
        }
        return g.weight("colour_tests", w, 12, 3, 1, 1);
    }

    private static String colourTestBias(OnnxGraph g) {
        float[] b = new float[12];
        for (int c = 0; c < 4; c++) {
            for (int t = 0; t < 3; t++) {
                b[c * 3 + t] = DemoWorld.COLOUR_TESTS[c][t][3] * MASK_GAIN;
            }
        }
        return g.weight("colour_bias", b, 12);
    }

    /** Row per token: colour (4), shape (3), spare (1). Only whole demo words carry meaning. */
    private float[] tokenMeanings() {
        float[] table = new float[vocabulary.size() * MEANINGS];
        for (int c = 0; c < DemoWorld.COLOURS.size(); c++) {
            table[vocabulary.idOfWord(DemoWorld.COLOURS.get(c)) * MEANINGS + c] = 1f;
        }
        for (int s = 0; s < DemoWorld.SHAPES.size(); s++) {
            String shape = DemoWorld.SHAPES.get(s);
            table[vocabulary.idOfWord(shape) * MEANINGS + 4 + s] = 1f;
            table[vocabulary.idOfWord(shape + "s") * MEANINGS + 4 + s] = 1f;
        }
        return table;
    }

    private static Map<String, Object> preprocessorConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("crop_size", Map.of("height", IMAGE_SIZE, "width", IMAGE_SIZE));
        m.put("do_center_crop", true);
        m.put("do_convert_rgb", true);
        m.put("do_normalize", true);
        m.put("do_rescale", true);
        m.put("do_resize", true);
        m.put("image_mean", MEAN);
        m.put("image_std", STD);
        m.put("image_processor_type", "CLIPImageProcessor");
        m.put("resample", 3);
        m.put("rescale_factor", 1 / 255.0);
        m.put("size", Map.of("shortest_edge", IMAGE_SIZE));
        return m;
    }

    private Map<String, Object> modelConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_name_or_path", MODEL_ID);
        m.put("architectures", List.of("ClipGuardDemoModel"));
        m.put("model_type", "clip");
        m.put("projection_dim", DIM);
        m.put("logit_scale", (double) logitScale);
        m.put("logit_scale_init_value", 2.6592);
        m.put("text_config", Map.of("max_position_embeddings", CONTEXT));
        m.put("vision_config", Map.of("image_size", IMAGE_SIZE));
        return m;
    }
}
