package io.clipguard.insight;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.demo.DemoModelGenerator;
import io.clipguard.moderation.ClipScoring;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.schema.Action;
import io.clipguard.schema.AuditRecord;
import io.clipguard.schema.BatchInfo;
import io.clipguard.schema.CategoryScore;
import io.clipguard.schema.ImageFacts;
import io.clipguard.schema.Preprocessing;
import io.clipguard.schema.SourcePosition;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code explain}'s three answers, each from an audit record written as the moderator writes it. */
class ReproductionTest {
    @TempDir
    static Path dir;
    static ClipEngine engine;
    static ScoringPolicy policy;
    static ScoringPolicy.Verdict verdict;

    @BeforeAll
    static void score() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
        policy = new ScoringPolicy(PolicyFiles.parse(PolicyFiles.bundledText(), "demo"), ClipScoring.prompts(engine));
        verdict = policy.score(engine.embedTexts(List.of("a photo of a red triangle"))[0], "x");
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static AuditRecord audit(UnaryOperator<List<CategoryScore>> scores, String policyHash, Action action) {
        List<CategoryScore> written = verdict.scores().stream().map(s -> new CategoryScore(s.category(), s.cosine(), s.probability(),
                s.threshold(), s.triggered(), s.margin(), s.calibrated())).toList();
        return AuditRecord.newBuilder().setEventId("e").setContentId("x").setAction(action).setRule(verdict.rule())
                .setImage(new ImageFacts("sha", 1L, 1, 1, "png", "full", "inline"))
                .setPreprocessing(new Preprocessing(224, 224, 224, List.of(0f, 0f, 0f), List.of(1f, 1f, 1f), 1.0, 3)).setModelId("m")
                .setModelDigest(engine.identity().digest()).setExecutionProvider("cpu").setLogitScale(policy.logitScale())
                .setPolicyId("demo-shapes").setPolicyVersion(1).setPolicyHash(policyHash).setPromptsHash(policy.promptsHash())
                .setPrompts(List.of()).setScores(scores.apply(written)).setBatch(new BatchInfo(1L, 1, 0))
                .setSource(new SourcePosition("u", 0, 0L)).setInstanceId("i").setDecidedAt(Instant.now()).build();
    }

    static List<CategoryScore> shifted(List<CategoryScore> scores, double by) {
        return scores.stream().map(s -> new CategoryScore(s.getCategory(), s.getCosine(), s.getProbability() + by, s.getThreshold(),
                s.getTriggered(), s.getMargin(), s.getCalibrated())).toList();
    }

    @Test
    void theSameScoresAreIdentical() {
        Reproduction r = Reproduction.of(audit(s -> s, policy.policyHash(), Action.BLOCK), policy, verdict);
        assertThat(r.answer()).isEqualTo(Reproduction.Answer.IDENTICAL);
        assertThat(r.firstDifference()).isNull();
    }

    @Test
    void roundingDifferencesWithTheSameActionAreEquivalent() {
        Reproduction r = Reproduction.of(audit(s -> shifted(s, 3e-7), policy.policyHash(), Action.BLOCK), policy, verdict);
        assertThat(r.answer()).isEqualTo(Reproduction.Answer.EQUIVALENT);
        assertThat(r.firstDifference()).startsWith("scores[red-triangle].probability");
        assertThat(r.largest()).isLessThanOrEqualTo(Reproduction.TOLERANCE);
    }

    @Test
    void realDifferencesNameTheFirstFieldThatDiffers() {
        assertThat(Reproduction.of(audit(s -> shifted(s, 0.01), policy.policyHash(), Action.BLOCK), policy, verdict))
                .satisfies(r -> {
                    assertThat(r.answer()).isEqualTo(Reproduction.Answer.DIFFERENT);
                    assertThat(r.firstDifference()).startsWith("scores[red-triangle].probability");
                });
        assertThat(Reproduction.of(audit(s -> s, policy.policyHash(), Action.ALLOW), policy, verdict).firstDifference())
                .startsWith("action: ALLOW then, BLOCK now");
        Reproduction otherPolicy = Reproduction.of(audit(s -> s, "sha256:another", Action.BLOCK), policy, verdict);
        assertThat(otherPolicy.answer()).isEqualTo(Reproduction.Answer.DIFFERENT);
        assertThat(otherPolicy.firstDifference()).startsWith("policyHash");
    }
}
