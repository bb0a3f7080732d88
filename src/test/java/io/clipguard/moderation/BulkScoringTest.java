package io.clipguard.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import io.clipguard.clip.BulkZeroShot;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.clip.demo.DemoWorld;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bulk (matrix) scorer agrees with the per-image scorer the pipeline uses. */
class BulkScoringTest {
    @TempDir
    Path dir;

    @Test
    void probabilitiesAndTriggersMatchThePerImageScorer() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        try (ClipEngine engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"))) {
            Policy policy = PolicyFiles.parse("""
                    id: backtest
                    version: 1
                    templates: ["a photo of a {}", "a {}"]
                    benign: [green square, blue circle]
                    categories:
                      - {id: red-triangle, action: block, threshold: 0.5, prompts: [red triangle], exclusions: [triangle]}
                      - {id: yellow, action: review, threshold: 0.3, prompts: [yellow circle, yellow square, yellow triangle]}
                      - {id: squares, action: review, threshold: 0.2, prompts: [square, red square]}
                    """, "inline");
            ScoringPolicy scoring = new ScoringPolicy(policy, ClipScoring.prompts(engine));
            List<String> captions = DemoWorld.captions();
            float[][] stored = engine.embedTexts(captions);
            float[] packed = new float[stored.length * stored[0].length];
            for (int r = 0; r < stored.length; r++) {
                System.arraycopy(stored[r], 0, packed, r * stored[0].length, stored[0].length);
            }
            ScoringPolicy.Columns columns = scoring.columns();
            try (BulkZeroShot scorer = new BulkZeroShot(columns.vectors(), columns.categoryOf(), columns.thresholds(), scoring.logitScale())) {
                float[] p = scorer.probabilities(packed, stored.length);
                java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(packed.length * 4).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                direct.put(packed).flip();
                long[] counts = scorer.triggeredCounts(direct, stored.length);
                long[] expected = new long[scorer.categories()];
                for (int r = 0; r < stored.length; r++) {
                    ScoringPolicy.Verdict v = scoring.score(stored[r], "c" + r);
                    for (int c = 0; c < scorer.categories(); c++) {
                        assertThat((double) p[r * scorer.categories() + c]).as("%s / %s", captions.get(r), v.scores().get(c).category())
                                .isCloseTo(v.scores().get(c).probability(), within(1e-4));
                        assertThat(scorer.triggered(p, r, c)).isEqualTo(v.scores().get(c).triggered());
                        expected[c] += v.scores().get(c).triggered() ? 1 : 0;
                    }
                }
                assertThat(counts).containsExactly(expected);
            }
        }
    }

    @Test
    void independentCategoriesWithExclusionsAndACalibrationMatchThePerImageScorer() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        try (ClipEngine engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"))) {
            String doc = """
                    schemaVersion: 2
                    id: backtest
                    version: 1
                    templates: ["a photo of a {}", "a {}"]
                    benign: [green square, blue circle]
                    %s
                    categories:
                      - {id: red-triangle, action: block, threshold: 0.5, prompts: [red triangle], exclusions: [triangle, red circle]%s}
                      - {id: yellow, action: review, threshold: 0.3, prompts: [yellow circle, yellow square, yellow triangle]}
                      - {id: squares, action: review, threshold: 0.2, prompts: [square, red square], exclusions: [green square]}
                    """;
            String hash = new ScoringPolicy(PolicyFiles.parse(String.format(doc, "", ""), "plain"), ClipScoring.prompts(engine))
                    .categoryPromptsHashes().get(0);
            ScoringPolicy scoring = new ScoringPolicy(PolicyFiles.parse(String.format(doc,
                    "calibration: {method: isotonic, modelDigest: \"" + engine.identity().digest() + "\", logitScale: " + engine.logitScale()
                            + ", fittedAt: \"2026-12-07T00:00:00Z\"}",
                    ", calibration: {points: [[-40, 0.02], [0, 0.3], [40, 0.95]], promptsHash: \"" + hash + "\"}"), "calibrated"),
                    ClipScoring.prompts(engine));
            List<String> captions = DemoWorld.captions();
            float[][] stored = engine.embedTexts(captions);
            java.nio.FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(stored.length * stored[0].length * 4)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            for (float[] row : stored) {
                direct.put(row);
            }
            direct.flip();
            try (var bulk = ClipScoring.bulk().open(scoring)) {
                float[] p = bulk.probabilities(direct, stored.length);
                for (int r = 0; r < stored.length; r++) {
                    ScoringPolicy.Verdict v = scoring.score(stored[r], "c" + r);
                    assertThat(v.scores().get(0).calibrated()).isTrue();
                    for (int c = 0; c < bulk.categories(); c++) {
                        assertThat((double) p[r * bulk.categories() + c]).as("%s / %s", captions.get(r), v.scores().get(c).category())
                                .isCloseTo(v.scores().get(c).probability(), within(1e-4));
                    }
                }
            }
        }
    }
}
