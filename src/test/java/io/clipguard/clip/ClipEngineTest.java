package io.clipguard.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.clipguard.clip.demo.DemoModelGenerator.Layout;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.clip.demo.DemoWorld;
import io.clipguard.clip.onnx.OnnxGraph;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.ClipPreprocessor;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImageDecoder;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ClipEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EngineOptions CPU = EngineOptions.defaults().withProvider("cpu");

    @TempDir
    static Path root;
    static List<float[]> images = new ArrayList<>();
    static float[][] reference;

    @BeforeAll
    static void referenceEmbeddings() throws Exception {
        ShapeScenes scenes = new ShapeScenes(7);
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        Path hf = generate(Layout.HUGGING_FACE, "reference");
        try (ClipEngine engine = ClipEngine.open(hf, CPU)) {
            ClipPreprocessor pre = new ClipPreprocessor(engine.preprocess());
            for (int i = 0; i < 5; i++) {
                images.add(pre.toTensor(decoder.decode(scenes.next().bytes())));
            }
            reference = engine.embedImages(images);
        }
    }

    static Path generate(Layout layout, String name) throws Exception {
        Path dir = root.resolve(name);
        new DemoModelGenerator().write(dir, layout);
        return dir;
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void everyLayoutLoadsAndGivesTheSameEmbeddings(Layout layout) throws Exception {
        Path dir = generate(layout, "layout-" + layout);
        try (ClipEngine engine = ClipEngine.open(dir, CPU)) {
            assertThat(engine.dimension()).isEqualTo(DemoModelGenerator.DIM);
            assertThat(engine.contextLength()).isEqualTo(77);
            assertThat(engine.identity().id()).isEqualTo(DemoModelGenerator.MODEL_ID);
            float[][] got = engine.embedImages(images);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).containsExactly(reference[i], within(1e-5f));
            }
            float[][] text = engine.embedTexts(DemoWorld.captions());
            assertThat(ZeroShot.cosine(text[0], text[0])).isCloseTo(1.0, within(1e-6));
            // "a photo of a red circle" is nearer "red circle" than "blue circle".
            float[][] probes = engine.embedTexts(List.of("red circle", "blue circle"));
            assertThat(ZeroShot.cosine(text[0], probes[0])).isGreaterThan(ZeroShot.cosine(text[0], probes[1]));
        }
    }

    @Test
    void moreRealExportsLoad() throws Exception {
        // open_clip by directory: visual/model.onnx + textual/model.onnx.
        Path dirs = generate(Layout.OPEN_CLIP, "open-clip-dirs");
        Files.createDirectories(dirs.resolve("visual"));
        Files.createDirectories(dirs.resolve("textual"));
        Files.move(dirs.resolve("visual.onnx"), dirs.resolve("visual/model.onnx"));
        Files.move(dirs.resolve("textual.onnx"), dirs.resolve("textual/model.onnx"));
        try (ClipEngine e = ClipEngine.open(dirs, CPU)) {
            assertThat(e.directory().vision()).isEqualTo(dirs.resolve("visual/model.onnx"));
            assertSameEmbeddings(e);
        }

        // A quantized variant beside the plain files: --variant picks it (and the digest names what was loaded).
        Path variants = generate(Layout.HUGGING_FACE, "variants");
        Files.copy(variants.resolve("vision_model.onnx"), variants.resolve("vision_model_quantized.onnx"));
        Files.copy(variants.resolve("text_model.onnx"), variants.resolve("text_model_quantized.onnx"));
        EngineOptions quantized = new EngineOptions("cpu", 0, OrtSession.SessionOptions.OptLevel.ALL_OPT, 8, false, false, "quantized", true);
        try (ClipEngine plain = ClipEngine.open(variants, CPU); ClipEngine q = ClipEngine.open(variants, quantized)) {
            assertThat(q.directory().vision().getFileName().toString()).isEqualTo("vision_model_quantized.onnx");
            assertThat(q.identity().digest()).isNotEqualTo(plain.identity().digest());
            assertSameEmbeddings(q);
        }
        assertThatThrownBy(() -> ClipEngine.open(variants, new EngineOptions("cpu", 0, OrtSession.SessionOptions.OptLevel.ALL_OPT, 8, false,
                false, "int8", true))).hasMessageContaining("vision_model_int8.onnx");

        // External weights beside a tower are part of the digest: other weights, another model.
        Path external = generate(Layout.HUGGING_FACE, "external-data");
        String before = ModelDirectory.open(external, (String) null).identity().digest();
        Files.write(external.resolve("vision_model.onnx_data"), new byte[] {1, 2, 3});
        ModelDirectory withData = ModelDirectory.open(external, (String) null);
        assertThat(withData.digestedFiles()).contains(external.resolve("vision_model.onnx_data"));
        assertThat(withData.identity().digest()).isNotEqualTo(before);

        // An export with a fixed batch of 1 runs image by image, whatever the batch size asked.
        Path one = root.resolve("batch-of-one");
        new DemoModelGenerator().withBatchOfOne().write(one, Layout.HUGGING_FACE);
        try (ClipEngine e = ClipEngine.open(one, CPU.withBatchSize(8))) {
            assertSameEmbeddings(e);
        }

        // open_clip_config.json's preprocessing when there is no preprocessor_config.json.
        Path openClip = generate(Layout.OPEN_CLIP, "open-clip-config");
        Files.delete(openClip.resolve("preprocessor_config.json"));
        Files.writeString(openClip.resolve("open_clip_config.json"), """
                {"model_cfg": {"vision_cfg": {"image_size": 224}},
                 "preprocess_cfg": {"size": 224, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "interpolation": "bilinear",
                                    "resize_mode": "shortest"}}""");
        try (ClipEngine e = ClipEngine.open(openClip, CPU)) {
            assertThat(e.preprocess().mean()).containsExactly(0.5f, 0.5f, 0.5f);
            assertThat(e.preprocess().std()).containsExactly(0.25f, 0.25f, 0.25f);
            assertThat(e.preprocess().resample()).isEqualTo(2);
            assertThat(e.directory().digestedFiles()).contains(openClip.resolve("open_clip_config.json"));
        }
        Files.writeString(openClip.resolve("open_clip_config.json"), """
                {"preprocess_cfg": {"size": 224, "resize_mode": "squash"}}""");
        assertInvalid(openClip, "resize_mode 'squash' is not supported");
    }

    private static void assertSameEmbeddings(ClipEngine e) {
        float[][] got = e.embedImages(images);
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).containsExactly(reference[i], within(1e-5f));
        }
    }

    @Test
    void embeddingsAreUnitLengthAndBatchingDoesNotChangeThem() throws Exception {
        Path dir = generate(Layout.HUGGING_FACE, "batching");
        try (ClipEngine oneByOne = ClipEngine.open(dir, CPU.withBatchSize(1));
             ClipEngine byTwo = ClipEngine.open(dir, CPU.withBatchSize(2))) {
            float[][] a = oneByOne.embedImages(images);
            float[][] b = byTwo.embedImages(images);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).containsExactly(a[i], within(1e-6f));
                double norm = 0;
                for (float x : a[i]) {
                    norm += x * x;
                }
                assertThat(norm).isCloseTo(1.0, within(1e-5));
            }
        }
    }

    @Test
    void identityIsStableAndDigestChangesWithTheFiles() throws Exception {
        Path a = generate(Layout.HUGGING_FACE, "id-a");
        Path b = generate(Layout.HUGGING_FACE, "id-b");
        String digestA = ModelDirectory.open(a, false).identity().digest();
        assertThat(digestA).startsWith("sha256:").hasSize(7 + 64);
        assertThat(ModelDirectory.open(b, false).identity().digest()).isEqualTo(digestA);
        Files.writeString(b.resolve("tokenizer.json"), Files.readString(b.resolve("tokenizer.json")) + " ");
        assertThat(ModelDirectory.open(b, false).identity().digest()).isNotEqualTo(digestA);
        // Without a name in config.json the folder name is the id.
        ObjectNode config = (ObjectNode) JSON.readTree(b.resolve("config.json").toFile());
        config.remove("_name_or_path");
        JSON.writeValue(b.resolve("config.json").toFile(), config);
        assertThat(ModelDirectory.open(b, false).identity().id()).isEqualTo("id-b");
    }

    @Test
    void demoModelIsDeterministicAndSmall() throws Exception {
        Path a = generate(Layout.HUGGING_FACE, "det-a");
        Path b = generate(Layout.HUGGING_FACE, "det-b");
        long total = 0;
        for (String f : List.of("vision_model.onnx", "text_model.onnx", "tokenizer.json", "preprocessor_config.json", "config.json")) {
            assertThat(Files.readAllBytes(b.resolve(f))).as(f).isEqualTo(Files.readAllBytes(a.resolve(f)));
            total += Files.size(a.resolve(f));
        }
        assertThat(total).isLessThan(5L << 20);
    }

    @Test
    void logitScaleComesFromConfigOrCombinedLogitsNeverFromInitValue() throws Exception {
        Path stated = root.resolve("scale-stated");
        new DemoModelGenerator(42f).write(stated, Layout.HUGGING_FACE);
        try (ClipEngine e = ClipEngine.open(stated, CPU)) {
            assertThat(e.logitScale()).isEqualTo(42.0);
        }
        removeConfigKey(stated, "logit_scale");
        try (ClipEngine e = ClipEngine.open(stated, CPU)) {
            // logit_scale_init_value (2.6592) is still in config.json and must be ignored.
            assertThat(e.logitScale()).isEqualTo(100.0);
        }
        Path combined = root.resolve("scale-combined");
        new DemoModelGenerator(50f).write(combined, Layout.COMBINED);
        removeConfigKey(combined, "logit_scale");
        try (ClipEngine e = ClipEngine.open(combined, CPU)) {
            assertThat(e.logitScale()).isCloseTo(50.0, within(1e-3));
        }
    }

    @Test
    void missingFilesAreNamedInTheError() throws Exception {
        Path dir = generate(Layout.HUGGING_FACE, "missing");
        Files.delete(dir.resolve("text_model.onnx"));
        assertInvalid(dir, "text_model.onnx: missing");
        Path noTokenizer = generate(Layout.OPEN_CLIP, "no-tokenizer");
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        assertInvalid(noTokenizer, "tokenizer.json: missing");
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertInvalid(empty, "no model found: expected vision_model.onnx");
        assertInvalid(root.resolve("does-not-exist"), "does not exist");
    }

    @Test
    void graphsThatDoNotFitAreExplained() throws Exception {
        Path swapped = generate(Layout.HUGGING_FACE, "swapped");
        Files.copy(swapped.resolve("text_model.onnx"), swapped.resolve("vision_model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertInvalid(swapped, "expected a float pixel input [batch,3,H,W], found input_ids: INT64[-1, 77]");

        Path wrongCrop = generate(Layout.HUGGING_FACE, "crop");
        ObjectNode pre = (ObjectNode) JSON.readTree(wrongCrop.resolve("preprocessor_config.json").toFile());
        pre.set("crop_size", JSON.valueToTree(java.util.Map.of("height", 256, "width", 256)));
        JSON.writeValue(wrongCrop.resolve("preprocessor_config.json").toFile(), pre);
        assertInvalid(wrongCrop, "expects [-1, 3, 224, 224] but preprocessor_config.json crops to 3x256x256");

        Path corrupt = generate(Layout.HUGGING_FACE, "corrupt");
        Files.write(corrupt.resolve("vision_model.onnx"), new byte[] {1, 2, 3, 4});
        assertInvalid(corrupt, "ONNX Runtime could not load the model");

        Path badJson = generate(Layout.HUGGING_FACE, "bad-json");
        Files.writeString(badJson.resolve("config.json"), "{not json");
        assertInvalid(badJson, "config.json: not valid JSON");
    }

    @Test
    void theCanaryRefusesTowersThatDoNotRankDrawnShapesUnlessTheModelDeclaresRandomWeights() throws Exception {
        Path blind = generate(Layout.HUGGING_FACE, "blind");
        // An image tower that answers the same vector whatever it sees: 20-d like the text tower, so only the canary can tell.
        OnnxGraph g = new OnnxGraph("blind");
        String pixels = g.input("pixel_values", OnnxGraph.FLOAT, "batch", 3, 224, 224);
        String mean = g.op("ReduceMean", pixels, OnnxGraph.Attribute.ints("axes", 2, 3), OnnxGraph.Attribute.i("keepdims", 0));
        float[] one = new float[20];
        one[0] = 1;
        g.output("image_embeds", g.op("Add", java.util.List.of(g.op("MatMul", java.util.List.of(mean, g.floatConstant("zero", new float[60], 3, 20))),
                g.floatConstant("constant", one, 20))), OnnxGraph.FLOAT, "batch", 20);
        Files.write(blind.resolve("vision_model.onnx"), g.toModelBytes("test"));
        assertInvalid(blind, "its towers do not give CLIP's projected embeddings");
        ObjectNode config = (ObjectNode) JSON.readTree(blind.resolve("config.json").toFile());
        config.put("clipguard_random_weights", true);
        JSON.writeValue(blind.resolve("config.json").toFile(), config);
        try (ClipEngine e = ClipEngine.open(blind, CPU)) {
            assertThat(e.dimension()).as("a declared random-weight model loads with a warning").isEqualTo(20);
        }
    }

    @Test
    void aPoolerOutputIsNeverTakenForTheEmbeddingAndTheLogitScaleSaysWhereItCameFrom() throws Exception {
        Path pooled = generate(Layout.HUGGING_FACE, "pooled");
        // A vision tower exported without CLIP's projection: its only 2-D output is pooler_output.
        OnnxGraph g = new OnnxGraph("no-projection");
        String pixels = g.input("pixel_values", OnnxGraph.FLOAT, "batch", 3, 224, 224);
        g.output("pooler_output", g.op("ReduceMean", pixels, OnnxGraph.Attribute.ints("axes", 2, 3), OnnxGraph.Attribute.i("keepdims", 0)),
                OnnxGraph.FLOAT, "batch", 3);
        Files.write(pooled.resolve("vision_model.onnx"), g.toModelBytes("test"));
        assertInvalid(pooled, "'pooler_output' and 'last_hidden_state' are states before CLIP's projection");

        Path stated = generate(Layout.HUGGING_FACE, "source-stated");
        try (ClipEngine e = ClipEngine.open(stated, CPU)) {
            assertThat(e.logitScaleSource()).isEqualTo("config.json logit_scale");
        }
        removeConfigKey(stated, "logit_scale");
        try (ClipEngine e = ClipEngine.open(stated, CPU)) {
            assertThat(e.logitScaleSource()).isEqualTo("default 100 (CLIP's trained value)");
        }
        Path combined = root.resolve("source-combined");
        new DemoModelGenerator(50f).write(combined, Layout.COMBINED);
        removeConfigKey(combined, "logit_scale");
        try (ClipEngine e = ClipEngine.open(combined, CPU)) {
            assertThat(e.logitScaleSource()).isEqualTo("graph logits_per_image");
        }
    }

    @Test
    void providersResolveOrFailClearly() throws Exception {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            assertThat(ExecutionProviders.configure(so, "cpu")).isEqualTo("cpu");
            assertThat(ExecutionProviders.configure(so, "auto", EnumSet.of(OrtProvider.CPU))).isEqualTo("cpu");
            // A CUDA provider that the build lists but cannot start: auto falls back to the CPU.
            assertThat(ExecutionProviders.configure(so, "auto", EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA))).isEqualTo("cpu");
            assertThatThrownBy(() -> ExecutionProviders.configure(so, "cuda", EnumSet.of(OrtProvider.CPU)))
                    .isInstanceOf(ClipGuardException.class).hasMessageContaining("'cuda' is not available")
                    .extracting(e -> ((ClipGuardException) e).code()).isEqualTo(ErrorCode.PROVIDER_UNAVAILABLE);
            assertThatThrownBy(() -> ExecutionProviders.configure(so, "tensorrt:1", EnumSet.of(OrtProvider.CPU)))
                    .isInstanceOf(ClipGuardException.class).hasMessageContaining("'tensorrt:1' is not available");
            assertThatThrownBy(() -> ExecutionProviders.configure(so, "tpu", EnumSet.of(OrtProvider.CPU)))
                    .isInstanceOf(ClipGuardException.class).hasMessageContaining("unknown execution provider 'tpu'");
        }
    }

    @Test
    void oneEngineServesManyThreads() throws Exception {
        Path dir = generate(Layout.HUGGING_FACE, "threads");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ClipEngine engine = ClipEngine.open(dir, CPU.withBatchSize(2))) {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                futures.add(pool.submit(() -> engine.embedImages(images)));
            }
            for (Future<float[][]> f : futures) {
                float[][] got = f.get();
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).containsExactly(reference[i], within(1e-5f));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fp16RequestWithoutFp16FilesIsExplained() throws Exception {
        Path dir = generate(Layout.HUGGING_FACE, "fp16");
        assertThatThrownBy(() -> ClipEngine.open(dir, new EngineOptions("cpu", 0, OrtSession.SessionOptions.OptLevel.ALL_OPT, 8, true, false, null, true)))
                .isInstanceOf(ClipGuardException.class).hasMessageContaining("vision_model_fp16.onnx");
    }

    private static void removeConfigKey(Path dir, String key) throws Exception {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.remove(key);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
    }

    private static void assertInvalid(Path dir, String message) {
        assertThatThrownBy(() -> ClipEngine.open(dir, CPU).close())
                .isInstanceOf(ClipGuardException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((ClipGuardException) e).code()).isEqualTo(ErrorCode.MODEL_INVALID);
    }
}
