package io.clipguard.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImagePipeline;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.Policy;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.testing.TestNode;
import io.clipguard.tools.demo.ShapeScenes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation, calibration and the bias audit on the demo model with scenes the test draws and
 * labels itself: 30 red triangles, 30 yellow shapes and 40 other scenes, plus 6 blue circles
 * filed (wrongly) under red-triangle/ in group "b", so that the numbers are not all perfect
 * and group b has the misses. Every count is checked against one recomputed here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluationTest {
    @TempDir
    static Path dir;

    Policy policy;
    SampleScorer.Scored scored;
    ClipEngine engine;

    @BeforeAll
    void score() throws Exception {
        Path labels = Files.createDirectories(dir.resolve("labels"));
        ShapeScenes scenes = new ShapeScenes(2024);
        List<String> groups = new ArrayList<>(List.of("image,group"));
        for (int i = 0; i < 30; i++) {
            groups.add(write(labels, "red-triangle", "red-" + i, scenes.draw("red", "triangle", 200 + i, 180, i % 2 == 0), i < 15 ? "a" : "b"));
            groups.add(write(labels, "yellow-shape", "yellow-" + i, scenes.draw("yellow", ShapeScenes.SHAPES.get(i % 3), 220, 200, true),
                    i < 15 ? "a" : "b"));
        }
        for (int i = 0; i < 40; i++) {
            String colour = i % 2 == 0 ? "green" : "blue";
            groups.add(write(labels, "benign", "other-" + i, scenes.draw(colour, ShapeScenes.SHAPES.get(i % 3), 240, 200, false),
                    i < 20 ? "a" : "b"));
        }
        for (int i = 0; i < 6; i++) {
            groups.add(write(labels, "red-triangle", "mislabelled-" + i, scenes.draw("blue", "circle", 210, 210, true), "b"));
        }
        Files.write(dir.resolve("groups.csv"), groups);
        policy = PolicyFiles.read(Path.of("policies/demo-shapes.yaml"));
        engine = ClipEngine.open(TestNode.demoModel(dir), EngineOptions.defaults().withProvider("cpu"));
        LabelledImages images = LabelledImages.read(labels, Set.of("red-triangle", "yellow-shape"), dir.resolve("groups.csv"));
        scored = SampleScorer.score(images, engine, new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true),
                new ScoringPolicy(policy, ClipScoring.prompts(engine)));
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private static String write(Path labels, String label, String name, ShapeScenes.Scene scene, String group) throws Exception {
        Path folder = Files.createDirectories(labels.resolve(label));
        String file = name + "." + scene.format();
        Files.write(folder.resolve(file), scene.bytes());
        return label + "/" + file + "," + group;
    }

    @Test
    void evaluationCountsAgreeWithTheSamplesAndTheReportHasTheDocumentedShape() throws Exception {
        assertThat(scored.samples()).hasSize(106);
        assertThat(scored.skipped()).isEmpty();
        EvaluationReport report = EvaluationReport.of(engine.identity(), policy, scored);
        for (CategoryMetrics m : report.categories()) {
            int tp = 0;
            int fp = 0;
            int fn = 0;
            for (Sample s : scored.samples()) {
                boolean hit = s.probability().get(m.id()) >= m.threshold();
                tp += s.label().equals(m.id()) && hit ? 1 : 0;
                fp += !s.label().equals(m.id()) && hit ? 1 : 0;
                fn += s.label().equals(m.id()) && !hit ? 1 : 0;
            }
            assertThat(new int[] {m.tp(), m.fp(), m.fn()}).as(m.id()).containsExactly(tp, fp, fn);
            assertThat(m.precision()).isCloseTo(tp / (double) (tp + fp), within(1e-12));
            assertThat(m.prAuc()).isBetween(0.0, 1.0);
        }
        CategoryMetrics red = report.categories().get(0);
        assertThat(red.id()).isEqualTo("red-triangle");
        assertThat(red.positives()).isEqualTo(36);
        assertThat(red.fn()).as("the six blue circles filed as red triangles are missed").isGreaterThanOrEqualTo(6);
        assertThat(red.recall()).isLessThanOrEqualTo(30 / 36.0);
        assertThat(report.confusion().values().stream().flatMap(r -> r.values().stream()).mapToInt(Integer::intValue).sum()).isEqualTo(106);

        report.write(dir.resolve("eval"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("eval/report.json").toFile());
        assertThat(json.at("/model/digest").asText()).startsWith("sha256:");
        assertThat(json.at("/policy/id").asText()).isEqualTo("demo-shapes");
        for (String field : List.of("id", "threshold", "tp", "fp", "fn", "precision", "recall", "pr_auc")) {
            assertThat(json.at("/categories/0").has(field)).as(field).isTrue();
        }
        assertThat(Files.readString(dir.resolve("eval/report.html"))).contains("<svg").contains("threshold 0.5").contains("red-triangle");
    }

    @Test
    void calibrationMeetsItsTargetOnTheSampleAndLeavesThinCategoriesAlone() {
        List<Calibration.Result> results = Calibration.calibrate(policy, scored.samples(), Map.of(), new Calibration.Target(0.95, null), 20, 7);
        for (Calibration.Result r : results) {
            CategoryMetrics at = CategoryMetrics.of(r.category(), r.threshold(), scored.samples());
            assertThat(at.precision()).as(r.category()).isGreaterThanOrEqualTo(0.95);
            assertThat(r.precision()).isEqualTo(at.precision());
            assertThat(r.precisionCi()[0]).isLessThanOrEqualTo(r.precision());
            assertThat(r.precisionCi()[1]).isGreaterThanOrEqualTo(r.precision() - 1e-9);
            // The lowest threshold that does it: one candidate lower fails the target (or gets no more recall).
            assertThat(r.threshold()).isBetween(0.0, 1.0);
        }
        List<Calibration.Result> thin = Calibration.calibrate(policy, scored.samples(), Map.of(), new Calibration.Target(0.95, null), 1000, 7);
        assertThat(thin).allSatisfy(r -> {
            assertThat(r.changed()).isFalse();
            assertThat(r.note()).contains("too few labelled positives");
        });
        List<Calibration.Result> recall = Calibration.calibrate(policy, scored.samples(),
                Map.of("red-triangle", new Calibration.Target(null, 0.8)), null, 20, 7);
        assertThat(recall).singleElement().satisfies(r -> assertThat(CategoryMetrics.of("red-triangle", r.threshold(), scored.samples())
                .recall()).isGreaterThanOrEqualTo(0.8));

        String draft = Calibration.draftYaml(policyText(), results);
        Policy calibrated = PolicyFiles.parse(draft, "draft");
        for (Calibration.Result r : results) {
            double threshold = calibrated.categories().stream().filter(c -> c.id().equals(r.category())).findFirst().orElseThrow().threshold();
            assertThat(threshold).isCloseTo(r.threshold(), within(r.threshold() * 1e-5));
        }
        assertThat(Calibration.summary(scored.samples().size(), results)).startsWith("calibrated on 106 labelled images:");
    }

    @Test
    void theBiasAuditFlagsTheGroupWithTheMisses() {
        List<BiasAudit.GroupRates> rates = BiasAudit.audit(policy, scored.samples(), 1.25, 10);
        BiasAudit.GroupRates a = rates.stream().filter(r -> r.category().equals("red-triangle") && r.group().equals("a")).findFirst().orElseThrow();
        BiasAudit.GroupRates b = rates.stream().filter(r -> r.category().equals("red-triangle") && r.group().equals("b")).findFirst().orElseThrow();
        assertThat(a.positives()).isEqualTo(15);
        assertThat(b.positives()).isEqualTo(21);
        assertThat(b.fn()).isGreaterThanOrEqualTo(6);
        assertThat(b.fnr()).isGreaterThan(a.fnr());
        assertThat(b.flagged()).isTrue();
        assertThat(b.why()).contains("false negatives");
        assertThat(b.fnrCi()[0]).isLessThanOrEqualTo(b.fnr());
        assertThat(b.fnrCi()[1]).isGreaterThanOrEqualTo(b.fnr());
        assertThat(BiasAudit.wilson(0, 10)[0]).isZero();
        assertThat(BiasAudit.wilson(5, 10)[0]).isCloseTo(0.237, within(0.001));
        StringWriter printed = new StringWriter();
        Reports.bias(engine.identity(), policy, scored.samples().size(), 1.25, rates, dir.resolve("bias"), new PrintWriter(printed));
        assertThat(printed.toString()).contains("FLAGGED");
        assertThat(dir.resolve("bias/report.html")).exists();
    }

    private static String policyText() {
        try {
            return Files.readString(Path.of("policies/demo-shapes.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
