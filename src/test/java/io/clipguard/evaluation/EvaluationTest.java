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
        for (String field : List.of("id", "threshold", "tp", "fp", "fn", "precision", "recall", "pr_auc", "reliability")) {
            assertThat(json.at("/categories/0").has(field)).as(field).isTrue();
        }
        assertThat(json.at("/categories/0/reliability/ece").isNumber()).isTrue();
        assertThat(Files.readString(dir.resolve("eval/report.html"))).contains("<svg").contains("threshold 0.5").contains("red-triangle")
                .contains("ECE");
    }

    @Test
    void calibrationOnTheDemoLabelsMeetsItsHeldOutTargetWithCalibratedProbabilities() {
        Calibration.Target target = new Calibration.Target(Calibration.Kind.PRECISION, 0.9, null);
        List<Calibration.Result> results = Calibration.calibrate(policy, scored.samples(), Map.of(), target, Map.of(), 7);
        assertThat(results).hasSize(2).allSatisfy(r -> {
            assertThat(r.supported()).as(r.category() + ": " + r.note()).isTrue();
            assertThat(r.precision().bound()).as("lower bound").isGreaterThanOrEqualTo(0.9);
            assertThat(r.curve()).isNotNull();
        });
        Calibration.Result red = results.get(0);
        assertThat(red.positives()).isEqualTo(36);
        assertThat(red.recall().value()).as("the six mislabelled images are missed").isLessThanOrEqualTo(30 / 36.0 + 1e-9);

        ScoringPolicy scoring = new ScoringPolicy(policy, ClipScoring.prompts(engine));
        Map<String, String> hashes = Map.of("red-triangle", scoring.categoryPromptsHashes().get(0), "yellow-shape", scoring.categoryPromptsHashes().get(1));
        String draft = CalibrationDraft.yaml(policyText(), results, new CalibrationDraft.Pins(engine.identity().digest(), engine.logitScale(),
                java.time.Instant.parse("2026-12-07T00:00:00Z"), "labels", hashes));
        Policy calibrated = PolicyFiles.parse(draft, "draft");
        assertThat(calibrated.calibration().modelDigest()).isEqualTo(engine.identity().digest());
        for (Calibration.Result r : results) {
            Policy.Category c = calibrated.categories().stream().filter(x -> x.id().equals(r.category())).findFirst().orElseThrow();
            assertThat(c.threshold()).isEqualTo(r.threshold());
            assertThat(c.calibration().curve().points()).hasSameSizeAs(r.curve().points());
        }
        // The draft scores with its calibration on the model it was fitted on; on demo labels drawn afresh (another seed, the
        // same share of mislabelled scenes) its probabilities are frequencies: expected calibration error at most 0.05.
        ScoringPolicy enforced = new ScoringPolicy(calibrated, ClipScoring.prompts(engine));
        assertThat(enforced.uncalibratedBecause()).isNull();
        List<Sample> fresh = freshLabels(enforced);
        for (String id : List.of("red-triangle", "yellow-shape")) {
            double ece = Reliability.of(id, fresh).ece();
            System.out.printf("%s: ECE on fresh demo labels %.3f calibrated%n", id, ece);
            assertThat(ece).as(id + " ECE on held-out demo labels").isLessThanOrEqualTo(0.05);
        }
        assertThat(CalibrationDraft.summary(scored.samples().size(), results)).startsWith("calibrated on 106 labelled images");
    }

    @Test
    void aTargetThirtyLabelsCannotSupportIsRefusedWithTheLabelsItNeeds() {
        Calibration.Target target = new Calibration.Target(Calibration.Kind.PRECISION, 0.95, null);
        Calibration.Result yellow = Calibration.calibrate(policy, scored.samples(), Map.of("yellow-shape", target), null, Map.of(), 7).get(0);
        assertThat(yellow.supported()).isFalse();
        assertThat(yellow.threshold()).isEqualTo(0.5);
        assertThat(yellow.needed().morePositives()).as("30 of 30 bounds precision at 0.905; 59 reach 0.95").isEqualTo(29);
        assertThat(yellow.note()).contains("29 more labelled positives");
    }

    @Test
    void theBiasAuditComparesEachGroupWithTheRestAndCorrectsForEveryTest() {
        BiasAudit.Report report = BiasAudit.audit(policy, scored.samples(), new BiasAudit.Settings(0, 0.05, "holm", 10), false);
        assertThat(report.tests()).isEqualTo(2 * 2 * 2);
        BiasAudit.Test b = report.results().stream().filter(t -> t.category().equals("red-triangle") && t.group().equals("group=b")
                && t.rate().equals("false-negative rate")).findFirst().orElseThrow();
        assertThat(b.groupImages()).isEqualTo(21);
        assertThat(b.restImages()).isEqualTo(15);
        assertThat(b.groupErrors()).isGreaterThanOrEqualTo(6);
        assertThat(b.difference()).isPositive();
        assertThat(b.interval()[0]).isLessThanOrEqualTo(b.difference());
        assertThat(b.interval()[1]).isGreaterThanOrEqualTo(b.difference());
        // Holm: sorted p-values, each against alpha / (tests - rank); a flag only below its line.
        List<BiasAudit.Test> tested = report.results().stream().filter(BiasAudit.Test::tested)
                .sorted(java.util.Comparator.comparingDouble(BiasAudit.Test::p)).toList();
        boolean stillRejecting = true;
        for (int i = 0; i < tested.size(); i++) {
            stillRejecting &= tested.get(i).p() <= 0.05 / (tested.size() - i);
            assertThat(tested.get(i).flagged()).as(tested.get(i).group() + " " + tested.get(i).rate()).isEqualTo(stillRejecting);
        }
        StringWriter printed = new StringWriter();
        Reports.bias(engine.identity(), policy, scored.samples().size(), report, dir.resolve("bias"), new PrintWriter(printed));
        assertThat(printed.toString()).contains("group=b").contains("Holm correction over 8 tests");
        assertThat(dir.resolve("bias/report.html")).exists();
    }

    /** 30 red triangles, 30 yellow shapes, 40 other scenes and 6 mislabelled blue circles, drawn with another seed, scored by {@code policy}. */
    private List<Sample> freshLabels(ScoringPolicy policy) {
        ShapeScenes scenes = new ShapeScenes(99);
        ImagePipeline pipeline = new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true);
        List<String> labels = new ArrayList<>();
        List<float[]> tensors = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            tensors.add(pipeline.prepare(scenes.draw("red", "triangle", 190 + i, 200, i % 2 == 1).bytes()).tensor());
            labels.add("red-triangle");
            tensors.add(pipeline.prepare(scenes.draw("yellow", ShapeScenes.SHAPES.get((i + 1) % 3), 210, 190 + i, true).bytes()).tensor());
            labels.add("yellow-shape");
        }
        for (int i = 0; i < 40; i++) {
            tensors.add(pipeline.prepare(scenes.draw(i % 2 == 0 ? "blue" : "green", ShapeScenes.SHAPES.get(i % 3), 230, 210, i % 2 == 0).bytes())
                    .tensor());
            labels.add("benign");
        }
        for (int i = 0; i < 6; i++) {
            tensors.add(pipeline.prepare(scenes.draw("blue", "circle", 200, 200, true).bytes()).tensor());
            labels.add("red-triangle");
        }
        List<Sample> out = new ArrayList<>();
        for (int from = 0; from < tensors.size(); from += 32) {
            float[][] vectors = engine.embedImages(tensors.subList(from, Math.min(tensors.size(), from + 32)));
            for (int j = 0; j < vectors.length; j++) {
                out.add(SampleScorer.sample("fresh-" + (from + j), labels.get(from + j), Map.of(), 1.0, policy.score(vectors[j], "x")));
            }
        }
        return out;
    }

    private static String policyText() {
        try {
            return Files.readString(Path.of("policies/demo-shapes.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
