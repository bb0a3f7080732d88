package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.tools.demo.ShapeScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue this rule fixes, on the demo model and labelled demo scenes: a second category that
 * also covers red triangles. Under schema 2 every other category's probabilities, and so its
 * recall and precision on the same labels, stay exactly as they were; under schema 1 (one
 * softmax) the new category takes probability from red-triangle and its recall collapses.
 */
class IndependentCategoriesTest {
    @TempDir
    static Path dir;
    static ClipEngine engine;
    static final List<float[]> VECTORS = new ArrayList<>();
    static final List<String> LABELS = new ArrayList<>();

    static final String OVERLAP = """
              - id: red-things
                name: Anything red
                action: review
                threshold: 0.6
                prompts: ["red triangle", "red circle", "red square"]
            """;

    @BeforeAll
    static void scenes() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
        ImagePipeline pipeline = new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true);
        ShapeScenes scenes = new ShapeScenes(41);
        List<float[]> tensors = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            tensors.add(pipeline.prepare(scenes.draw("red", "triangle", 200 + i, 210, i % 2 == 0).bytes()).tensor());
            LABELS.add("red-triangle");
            tensors.add(pipeline.prepare(scenes.draw("yellow", ShapeScenes.SHAPES.get(i % 3), 220, 190 + i, true).bytes()).tensor());
            LABELS.add("yellow-shape");
            tensors.add(pipeline.prepare(scenes.draw(i % 2 == 0 ? "green" : "red", ShapeScenes.SHAPES.get(i % 2), 230, 200, i % 3 == 0).bytes()).tensor());
            LABELS.add("benign");
        }
        for (int from = 0; from < tensors.size(); from += 32) {
            VECTORS.addAll(List.of(engine.embedImages(tensors.subList(from, Math.min(tensors.size(), from + 32)))));
        }
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static List<Sample> score(String yaml) {
        ScoringPolicy policy = new ScoringPolicy(PolicyFiles.parse(yaml, "test"), ClipScoring.prompts(engine));
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < VECTORS.size(); i++) {
            out.add(SampleScorer.sample("img-" + i, LABELS.get(i), Map.of(), 1.0, policy.score(VECTORS.get(i), "img-" + i)));
        }
        return out;
    }

    static String withOverlap(String yaml) {
        return yaml.replace("benign:", OVERLAP.stripTrailing() + "\nbenign:");
    }

    @Test
    void addingAnOverlappingCategoryLeavesEveryOtherCategoryUnchanged() throws Exception {
        String demo = Files.readString(Path.of("policies/demo-shapes.yaml"));
        assertThat(PolicyFiles.parse(demo, "demo").independent()).isTrue();
        List<Sample> before = score(demo);
        List<Sample> after = score(withOverlap(demo));
        for (String id : List.of("red-triangle", "yellow-shape")) {
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i).probability().get(id)).as(id + " of image " + i).isEqualTo(before.get(i).probability().get(id));
            }
            CategoryMetrics m0 = CategoryMetrics.of(id, 0.5, before);
            CategoryMetrics m1 = CategoryMetrics.of(id, 0.5, after);
            assertThat(m1.recall()).isEqualTo(m0.recall());
            assertThat(m1.precision()).isEqualTo(m0.precision());
        }
        assertThat(CategoryMetrics.of("red-triangle", 0.5, before).recall()).as("the demo model finds its red triangles").isEqualTo(1.0);
    }

    @Test
    void underOneSharedSoftmaxTheSameEditHidesTheRedTriangles() throws Exception {
        String legacy = Files.readString(Path.of("src/test/resources/demo-shapes-schema1.yaml"));
        assertThat(PolicyFiles.parse(legacy, "legacy").independent()).isFalse();
        String at = legacy.replace("threshold: 0.5", "threshold: 0.6");
        double before = CategoryMetrics.of("red-triangle", 0.6, score(at)).recall();
        double after = CategoryMetrics.of("red-triangle", 0.6, score(withOverlap(at))).recall();
        assertThat(before).isGreaterThan(0.8);
        assertThat(after).as("two categories share the red triangles' probability").isLessThan(0.1);
    }

    @Test
    void theBulkScorerFollowsTheSameRule() {
        String demo = withOverlap(PolicyFiles.bundledText());
        ScoringPolicy policy = new ScoringPolicy(PolicyFiles.parse(demo, "demo"), ClipScoring.prompts(engine));
        java.nio.FloatBuffer rows = java.nio.ByteBuffer.allocateDirect(VECTORS.size() * engine.dimension() * 4)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        VECTORS.forEach(rows::put);
        rows.flip();
        try (var bulk = ClipScoring.bulk().open(policy)) {
            float[] p = bulk.probabilities(rows, VECTORS.size());
            for (int i = 0; i < VECTORS.size(); i++) {
                List<ScoringPolicy.Score> one = policy.score(VECTORS.get(i), "x").scores();
                for (int c = 0; c < one.size(); c++) {
                    assertThat((double) p[i * one.size() + c]).as("image " + i + " category " + c)
                            .isCloseTo(one.get(c).probability(), org.assertj.core.data.Offset.offset(2e-4));
                }
            }
        }
        Policy.Category first = policy.policy().categories().get(0);
        assertThat(first.calibration()).isNull();
    }
}
