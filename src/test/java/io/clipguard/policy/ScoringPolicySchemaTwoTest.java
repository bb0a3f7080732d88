package io.clipguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.ZeroShot;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.moderation.ClipScoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schema 2: independent categories, calibrations and their pins, prompt lengths, why a decision is queued for review. */
class ScoringPolicySchemaTwoTest {
    @TempDir
    static Path dir;
    static ClipEngine engine;
    static PromptEncoder prompts;

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

    private static float[] like(String caption) {
        return engine.embedTexts(List.of(caption))[0];
    }

    static final String DOC = """
            schemaVersion: 2
            id: two
            version: 1
            templates: ["a photo of a {}"]
            categories:
              - {id: reds, action: block, threshold: 0.5, prompts: [red triangle], exclusions: [red circle]%s}
              - {id: yellows, action: review, threshold: 0.5, prompts: [yellow square]}
            benign: [green square, blue circle]
            %s
            """;

    @Test
    void eachCategoryIsItsLogitAgainstItsOwnCompetitorsOnly() {
        ScoringPolicy policy = new ScoringPolicy(PolicyFiles.parse(String.format(DOC, "", ""), "two"), prompts);
        float[] image = like("a photo of a red triangle");
        ScoringPolicy.Verdict v = policy.score(image, "c");
        double s = engine.logitScale();
        float[][] t = {engine.embedLabels(List.of("red triangle"), List.of("a photo of a {}"))[0],
                engine.embedLabels(List.of("red circle"), List.of("a photo of a {}"))[0]};
        float[][] benign = engine.embedLabels(List.of("green square", "blue circle"), List.of("a photo of a {}"));
        double[] competitors = {s * ZeroShot.cosine(image, t[1]), s * ZeroShot.cosine(image, benign[0]), s * ZeroShot.cosine(image, benign[1])};
        double max = Math.max(competitors[0], Math.max(competitors[1], competitors[2]));
        double lse = max + Math.log(Math.exp(competitors[0] - max) + Math.exp(competitors[1] - max) + Math.exp(competitors[2] - max));
        double margin = s * ZeroShot.cosine(image, t[0]) - lse;
        assertThat(v.scores().get(0).margin()).isCloseTo(margin, within(1e-9));
        assertThat(v.scores().get(0).probability()).isCloseTo(1 / (1 + Math.exp(-margin)), within(1e-12));
        assertThat(v.scores().get(0).calibrated()).isFalse();
        assertThat(v.rule()).contains("(uncalibrated)");
    }

    @Test
    void aCalibrationAppliesOnlyToTheModelAndPromptsItWasFittedWith() {
        ScoringPolicy plain = new ScoringPolicy(PolicyFiles.parse(String.format(DOC, "", ""), "two"), prompts);
        String hash = plain.categoryPromptsHashes().get(0);
        String pins = "calibration: {method: isotonic, modelDigest: \"%s\", logitScale: %s, fittedAt: \"2026-12-07T00:00:00Z\", source: labels}";
        String curve = "points: [[-20, 0.01], [0, 0.2], [10, 0.9], [30, 0.97]]";
        String calibrated = String.format(DOC, ", calibration: {" + curve + ", promptsHash: \"" + hash + "\"}",
                String.format(pins, engine.identity().digest(), engine.logitScale()));
        ScoringPolicy.Verdict v = new ScoringPolicy(PolicyFiles.parse(calibrated, "cal"), prompts).score(like("a photo of a red triangle"), "c");
        ScoringPolicy.Score reds = v.scores().get(0);
        assertThat(reds.calibrated()).isTrue();
        CalibrationCurve expected = CalibrationCurve.of(List.of(new double[] {-20, 0.01}, new double[] {0, 0.2}, new double[] {10, 0.9},
                new double[] {30, 0.97}));
        assertThat(reds.probability()).isEqualTo(expected.apply(reds.margin()));
        assertThat(expected.apply(5)).isCloseTo(0.55, within(1e-12));
        assertThat(expected.apply(-100)).isEqualTo(0.01);
        assertThat(expected.apply(100)).isEqualTo(0.97);
        assertThat(v.scores().get(1).calibrated()).as("yellows has no calibration").isFalse();

        String otherModel = String.format(DOC, ", calibration: {" + curve + ", promptsHash: \"" + hash + "\"}",
                String.format(pins, "sha256:another-model", engine.logitScale()));
        assertThatThrownBy(() -> new ScoringPolicy(PolicyFiles.parse(otherModel, "other"), prompts))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.POLICY_MODEL_MISMATCH))
                .hasMessageContaining("sha256:another-model");
        ScoringPolicy lenient = new ScoringPolicy(PolicyFiles.parse(otherModel, "other"), prompts, ScoringPolicy.Mismatch.UNCALIBRATED);
        assertThat(lenient.uncalibratedBecause()).contains("sha256:another-model");
        assertThat(lenient.score(like("a photo of a red triangle"), "c").scores().get(0).calibrated()).isFalse();

        String editedBenign = calibrated.replace("benign: [green square, blue circle]", "benign: [green square, blue square]");
        assertThatThrownBy(() -> new ScoringPolicy(PolicyFiles.parse(editedBenign, "edited"), prompts))
                .hasMessageContaining("category reds was calibrated with other prompt vectors");
    }

    @Test
    void aCurveMustRiseWithTheMargin() {
        assertThatThrownBy(() -> PolicyFiles.parse("""
                schemaVersion: 2
                id: two
                version: 1
                calibration: {method: isotonic, modelDigest: d, logitScale: 100, fittedAt: "2026-12-07T00:00:00Z"}
                categories: [{id: a, action: block, threshold: 0.5, prompts: [x], calibration: {points: [[0, 0.9], [1, 0.1]], promptsHash: h}}]
                benign: [y]
                """, "falling")).hasMessageContaining("$.categories[0].calibration.points: point 1: probabilities must not decrease");
    }

    @Test
    void calibrationsNeedSchemaTwoAndTheirPins() {
        assertThatThrownBy(() -> PolicyFiles.parse("""
                id: one
                version: 1
                categories: [{id: a, action: block, threshold: 0.5, prompts: [x], calibration: {points: [[0, 0.1], [1, 0.9]], promptsHash: h}}]
                """, "one")).isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.errors())
                .anyMatch(m -> m.startsWith("$.categories[0].calibration: calibrations need schemaVersion: 2")));
        assertThatThrownBy(() -> PolicyFiles.parse("""
                schemaVersion: 2
                id: two
                version: 1
                categories: [{id: a, action: block, threshold: 0.5, prompts: [x], calibration: {points: [[0, 0.1], [1, 0.9]], promptsHash: h}}]
                benign: [y]
                """, "two")).hasMessageContaining("needs the top-level calibration");
        assertThatThrownBy(() -> PolicyFiles.parse("""
                schemaVersion: 2
                id: two
                version: 1
                categories: [{id: a, action: block, threshold: 0.5, prompts: [x]}]
                """, "no benign")).hasMessageContaining("benign");
    }

    @Test
    void aPromptLongerThanTheModelReadsIsRefusedWithItsPath() {
        String words = "a very long description of something ".repeat(6).strip();
        String doc = String.format(DOC, "", "").replace("prompts: [yellow square]", "prompts: [yellow square, \"" + words + "\"]");
        assertThatThrownBy(() -> new ScoringPolicy(PolicyFiles.parse(doc, "long"), prompts))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.POLICY_INVALID);
                    assertThat(e.errors()).singleElement().asString().startsWith("$.categories[1].prompts[1]: with template 'a photo of a {}'")
                            .contains("the model reads at most " + engine.contextLength());
                });
    }

    @Test
    void everyDecisionQueuedForReviewSaysWhyAndWithWhatProbability() {
        String sampling = String.format(DOC, "", "reviewSampleRate: 0.2\nblockSampleRate: 0.3");
        ScoringPolicy policy = new ScoringPolicy(PolicyFiles.parse(sampling, "sampling"), prompts);
        int blocks = 0;
        int audited = 0;
        for (int i = 0; i < 400; i++) {
            ScoringPolicy.Verdict red = policy.score(like("a photo of a red triangle"), "c" + i);
            blocks++;
            if (red.review() != null) {
                audited++;
                assertThat(red.action()).as("a sampled block stands").isEqualTo(Policy.Action.BLOCK);
                assertThat(red.review().reason()).isEqualTo(ScoringPolicy.Review.Reason.BLOCK_SAMPLE);
                assertThat(red.review().probability()).isEqualTo(0.3);
            }
            ScoringPolicy.Verdict green = policy.score(like("a photo of a green square"), "c" + i);
            if (green.review() != null) {
                assertThat(green.action()).isEqualTo(Policy.Action.REVIEW);
                assertThat(green.review()).isEqualTo(new ScoringPolicy.Review(ScoringPolicy.Review.Reason.SAMPLE, 0.2));
            }
        }
        assertThat((double) audited / blocks).isBetween(0.22, 0.38);
        ScoringPolicy.Verdict yellow = policy.score(like("a photo of a yellow square"), "y");
        assertThat(yellow.review()).isEqualTo(new ScoringPolicy.Review(ScoringPolicy.Review.Reason.ACTION, 1));
    }

    @Test
    void aSchemaOneDocumentKeepsTheHashItsDecisionsName() throws Exception {
        Policy legacy = PolicyFiles.read(Path.of("src/test/resources/demo-shapes-schema1.yaml"));
        assertThat(legacy.schemaVersion()).isEqualTo(1);
        // Computed by the release before schema 2 from the same document.
        assertThat(PolicyFiles.hash(legacy)).isEqualTo("sha256:b2fb50f8abbf3a078b301db50e9d5bc34b7d0fe7b2c25bdddebc2770a0a252f0");
        assertThat(PolicyFiles.contentHash(legacy)).isEqualTo("sha256:ea06fff1cb268cfcf920346ccd00553e652d90b4a61539085002271ea983979e");
        assertThat(Files.readString(Path.of("policies/demo-shapes.yaml"))).contains("schemaVersion: 2");
    }
}
