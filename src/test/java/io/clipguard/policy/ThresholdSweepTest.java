package io.clipguard.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.moderation.ClipScoring;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The studio's volumes per threshold step: what a backtest's sweep says the draft decides with
 * one category's threshold at each step must be what the draft, rewritten with that threshold,
 * decides image by image (review band and sampled review included).
 */
class ThresholdSweepTest {
    @TempDir
    static Path dir;
    static ClipEngine engine;
    static PromptEncoder prompts;

    static final String POLICY = """
            schemaVersion: 2
            id: sweep-test
            version: 2
            model: clipguard/demo-shapes
            templates: ["a photo of a {}"]
            reviewBand: 0.08
            reviewSampleRate: 0.1
            blockSampleRate: 0.3
            categories:
              - id: red-triangle
                action: block
                threshold: 0.5
                prompts: ["red triangle"]
              - id: yellow-shape
                action: review
                threshold: 0.4
                prompts: ["yellow circle", "yellow square"]
            benign: ["blue circle", "blue square", "green square", "green triangle", "red circle", "red square"]
            """;

    @BeforeAll
    static void load() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
        prompts = ClipScoring.prompts(engine);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void eachStepMatchesThePolicyRewrittenWithThatThreshold() {
        Policy policy = PolicyFiles.parse(POLICY, "sweep");
        ScoringPolicy draft = new ScoringPolicy(policy, prompts);
        String[] captions = {"red triangle", "yellow circle", "yellow square", "red circle", "blue square", "green triangle"};
        float[][] texts = engine.embedTexts(List.of(captions));
        Random random = new Random(5);
        int rows = 120;
        int dim = texts[0].length;
        FloatBuffer vectors = ByteBuffer.allocateDirect(rows * dim * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        List<String> ids = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            // Mixtures of two captions with noise: probabilities spread over the whole slider.
            float[] v = new float[dim];
            float[] a = texts[random.nextInt(captions.length)];
            float[] b = texts[random.nextInt(captions.length)];
            double mix = random.nextDouble();
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                v[i] = (float) (mix * a[i] + (1 - mix) * b[i] + 0.05 * random.nextGaussian());
                norm += v[i] * v[i];
            }
            for (int i = 0; i < dim; i++) {
                v[i] /= (float) Math.sqrt(norm);
            }
            vectors.put(v);
            ids.add("image-" + r);
        }
        vectors.flip();
        StoredBacktest.Report report = StoredBacktest.run(draft, draft, new StoredBacktest.Rows(ids, java.util.Collections.nCopies(rows, null),
                vectors, rows, Map.of("image-3", new StoredBacktest.Label("red-triangle", 1)), 3600), n -> { }, ClipScoring.bulk(),
                StoredMatcher.NONE);

        assertThat(report.sweeps()).containsOnlyKeys("red-triangle", "yellow-shape");
        assertThat(report.spanSeconds()).isEqualTo(3600);
        assertThat(report.labelled()).singleElement().satisfies(l -> assertThat(l.probabilities()).hasSize(2));
        int[] seen = new int[3];
        for (int c = 0; c < 2; c++) {
            StoredBacktest.Sweep sweep = report.sweeps().get(policy.categories().get(c).id());
            for (int step = 0; step <= StoredBacktest.STEPS; step++) {
                ScoringPolicy moved = new ScoringPolicy(withThreshold(policy, c, step / (double) StoredBacktest.STEPS), prompts);
                long[] expected = new long[3];
                // Scored as a backtest scores (the bulk scorer, in float), then decided row by row.
                try (BulkScorer bulk = ClipScoring.bulk().open(moved)) {
                    float[] p = bulk.probabilities(vectors.duplicate(), rows);
                    for (int r = 0; r < rows; r++) {
                        double[] row = {p[r * 2], p[r * 2 + 1]};
                        expected[moved.verdict(null, null, row, ids.get(r)).action().ordinal()]++;
                    }
                }
                assertThat(new long[] {sweep.allow()[step], sweep.review()[step], sweep.block()[step]})
                        .as("category %d at step %d", c, step).containsExactly(expected);
                for (int a = 0; a < 3; a++) {
                    seen[a] += expected[a] > 0 ? 1 : 0;
                }
            }
        }
        assertThat(seen).as("the sweep moved decisions between all three actions").doesNotContain(0);
        // At the written threshold the sweep is the draft itself.
        StoredBacktest.Sweep red = report.sweeps().get("red-triangle");
        assertThat(red.block()[50]).isEqualTo(report.actions().get("BLOCK")[1]);
        assertThat(red.review()[50]).isEqualTo(report.actions().get("REVIEW")[1]);
    }

    @Test
    void stepsAreTheExactThresholdsAtOrBelowAProbability() {
        assertThat(ThresholdSweep.lastStepAtMost(0.5)).isEqualTo(50);
        assertThat(ThresholdSweep.lastStepAtMost(Math.nextDown(0.5))).isEqualTo(49);
        assertThat(ThresholdSweep.lastStepAtMost(-0.2)).isEqualTo(-1);
        assertThat(ThresholdSweep.lastStepAtMost(0.0)).isEqualTo(0);
        assertThat(ThresholdSweep.lastStepAtMost(1.0)).isEqualTo(100);
        assertThat(ThresholdSweep.lastStepAtMost(1.7)).isEqualTo(100);
        assertThat(ThresholdSweep.lastStepAtMost(0.29)).isEqualTo(29);
    }

    private static Policy withThreshold(Policy p, int c, double threshold) {
        List<Policy.Category> categories = new ArrayList<>(p.categories());
        Policy.Category k = categories.get(c);
        categories.set(c, new Policy.Category(k.id(), k.name(), k.severity(), k.prompts(), k.exclusions(), threshold, k.action(), k.calibration(),
                k.bank()));
        return new Policy(p.schemaVersion(), p.id(), p.version(), p.description(), p.model(), p.dimension(), p.templates(), categories,
                p.benign(), p.defaultAction(), p.reviewBand(), p.reviewSampleRate(), p.blockSampleRate(), p.calibration(), p.banks());
    }
}
