package io.clipguard.tools.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.testing.OnnxInitializers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark model has ViT-B/32's size and cost, and runs through the engine. */
class SyntheticVitGeneratorIT {
    @TempDir
    static Path dir;
    static SyntheticVitGenerator generator;

    @BeforeAll
    static void generate() throws Exception {
        generator = new SyntheticVitGenerator(VitArchitecture.VIT_B_32);
        generator.write(dir);
    }

    @Test
    void visionGraphHoldsViTB32sParameterCount() throws Exception {
        long inFile = OnnxInitializers.floatElements(dir.resolve("vision_model.onnx"));
        // open_clip ViT-B/32 visual: 87,849,216 parameters; the file adds a handful of scalar constants.
        assertThat(inFile).isBetween(87_849_216L, 87_849_216L + 100);
        assertThat(generator.visionParameters()).isEqualTo(87_849_216L);
    }

    @Test
    void textGraphHoldsViTB32TextTowerParameterCount() throws Exception {
        long inFile = OnnxInitializers.floatElements(dir.resolve("text_model.onnx"));
        // HF CLIPTextModelWithProjection for ViT-B/32: 63,428,096 with the projection.
        assertThat(generator.textParameters()).isEqualTo(63_428_096L);
        assertThat(inFile).isBetween(63_428_096L, 63_428_096L + 77 * 77 + 100);
    }

    @Test
    void multiplyAddsPerImageMatchViTB32() {
        // ViT-B/32 at 224 px: about 4.4 GMACs per image.
        assertThat(generator.visionMacs() / 1e9).isCloseTo(4.4, within(0.05));
    }

    @Test
    void engineRunsItWithFiniteEmbeddingsOfDimension512() {
        try (ClipEngine engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu").withBatchSize(2))) {
            assertThat(engine.dimension()).isEqualTo(512);
            assertThat(engine.contextLength()).isEqualTo(77);
            float[][] images = engine.embedImages(List.of(new float[3 * 224 * 224], new float[3 * 224 * 224]));
            float[][] texts = engine.embedTexts(List.of("a photo of a red circle", "triangle"));
            for (float[] v : List.of(images[0], images[1], texts[0], texts[1])) {
                assertThat(v).hasSize(512);
                double norm = 0;
                for (float x : v) {
                    assertThat(Float.isFinite(x)).isTrue();
                    norm += x * x;
                }
                assertThat(norm).isCloseTo(1.0, within(1e-4));
            }
        }
    }
}
