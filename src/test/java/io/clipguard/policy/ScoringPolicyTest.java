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
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoringPolicyTest {
    @TempDir
    static Path dir;
    static ClipEngine engine;
    static PromptEncoder prompts;
    static Policy demo;

    @BeforeAll
    static void load() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
        prompts = ClipScoring.prompts(engine);
        demo = PolicyFiles.read(Path.of("src/test/resources/demo-shapes-schema1.yaml"));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** A text embedding stands in for an image: in the demo space a caption and its image coincide. */
    private static float[] like(String caption) {
        return engine.embedTexts(List.of(caption))[0];
    }

    /** The tests below check schema 1, the shared softmax that versions written before schema 2 keep scoring with. */
    @Test
    void shippedPoliciesParse() {
        assertThat(demo.categories()).extracting(Policy.Category::id).containsExactly("red-triangle", "yellow-shape");
        Policy clip = PolicyFiles.read(Path.of("policies/clip-default.yaml"));
        assertThat(clip.categories()).extracting(Policy.Category::id).contains("weapons", "graphic-violence", "nudity", "drugs",
                "hate-symbols", "self-harm", "spam-overlay");
        assertThat(clip.categories().get(0).exclusions()).contains("a toy gun");
        assertThat(clip.reviewBand()).isEqualTo(0.05);
        assertThat(clip.dimension()).isEqualTo(512);
        assertThatThrownBy(() -> ScoringPolicy.check(clip, prompts))
                .isInstanceOfSatisfying(ClipGuardException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.POLICY_MODEL_MISMATCH));
        // The load test's policies: the shipped ones with bank known-bad, which --bank-hashes fills (and, with a model of
        // CLIP's size, look-alikes, which --bank-exemplars fills).
        for (String file : List.of("loadtest/demo-banks.yaml", "loadtest/clip-banks.yaml")) {
            Policy banked = PolicyFiles.read(Path.of(file));
            assertThat(banked.banks()).as(file).extracting(Policy.Bank::id).startsWith("known-bad");
            assertThat(banked.categories()).as(file).extracting(Policy.Category::bank).contains("known-bad");
        }
        Policy clipBanks = PolicyFiles.read(Path.of("loadtest/clip-banks.yaml"));
        assertThat(clipBanks.banks()).extracting(Policy.Bank::id).containsExactly("known-bad", "look-alikes");
        assertThat(clipBanks.categories()).extracting(Policy.Category::bank).contains("look-alikes");
        assertThat(clipBanks.categories()).hasSize(clip.categories().size() + 2);
    }

    @Test
    void scoresFollowTheDocumentedFormula() {
        ScoringPolicy policy = new ScoringPolicy(demo, prompts);
        float[] image = like("a photo of a red triangle");
        ScoringPolicy.Verdict v = policy.score(image, "c1");
        assertThat(v.action()).isEqualTo(Policy.Action.BLOCK);
        assertThat(v.triggeringCategory()).isEqualTo("red-triangle");
        assertThat(v.rule()).startsWith("red-triangle: probability");

        // Recompute by hand: category cosine = best prompt (ensemble over templates); softmax over categories + benign.
        List<String> templates = demo.templates();
        double red = ZeroShot.cosine(image, engine.embedLabels(List.of("red triangle"), templates)[0]);
        double yellow = -1;
        for (float[] p : engine.embedLabels(demo.categories().get(1).prompts(), templates)) {
            yellow = Math.max(yellow, ZeroShot.cosine(image, p));
        }
        float[][] benign = engine.embedLabels(demo.benign(), templates);
        double[] logits = new double[2 + benign.length];
        logits[0] = red;
        logits[1] = yellow;
        for (int b = 0; b < benign.length; b++) {
            logits[2 + b] = ZeroShot.cosine(image, benign[b]);
        }
        double[] p = ZeroShot.softmax(logits, engine.logitScale());
        assertThat(v.scores().get(0).cosine()).isCloseTo(red, within(1e-9));
        assertThat(v.scores().get(0).probability()).isCloseTo(p[0], within(1e-9));
        assertThat(v.scores().get(1).probability()).isCloseTo(p[1], within(1e-9));
        assertThat(v.scores().get(0).triggered()).isTrue();
    }

    @Test
    void mostSevereTriggeredActionWinsElseTheDefault() {
        Policy both = PolicyFiles.parse("""
                id: t
                version: 3
                categories:
                  - {id: reds, action: review, threshold: 0.1, prompts: [red triangle, red circle, red square]}
                  - {id: triangles, action: block, threshold: 0.1, prompts: [red triangle]}
                benign: [green square]
                """, "inline");
        ScoringPolicy policy = new ScoringPolicy(both, prompts);
        assertThat(policy.score(like("red triangle"), "c1").action()).isEqualTo(Policy.Action.BLOCK);
        ScoringPolicy.Verdict green = policy.score(like("green square"), "c2");
        assertThat(green.action()).isEqualTo(Policy.Action.ALLOW);
        assertThat(green.triggeringCategory()).isNull();
        assertThat(green.rule()).contains("default ALLOW");
    }

    @Test
    void policyForAnotherModelIsRefused() {
        Policy other = new Policy(1, "x", 1, "", "openai/clip-vit-base-patch32", 0, List.of(), demo.categories(), List.of(),
                Policy.Action.ALLOW, 0, 0, 0, null, List.of());
        assertThatThrownBy(() -> new ScoringPolicy(other, prompts)).isInstanceOf(ClipGuardException.class)
                .hasMessageContaining("calibrated for model 'openai/clip-vit-base-patch32'");
        Policy wide = new Policy(1, "x", 1, "", null, 512, List.of(), demo.categories(), List.of(), Policy.Action.ALLOW, 0, 0, 0, null, List.of());
        assertThatThrownBy(() -> new ScoringPolicy(wide, prompts)).isInstanceOf(ClipGuardException.class)
                .hasMessageContaining("calibrated for embedding dimension 512 but the loaded model gives 20");
    }

    @Test
    void hashDependsOnContentNotLayoutAndPromptHashOnVectors() {
        Policy reformatted = PolicyFiles.parse("""
                {id: demo-shapes, version: 1, description: "Blocks red triangles and sends yellow shapes to review.",
                 model: clipguard/demo-shapes, templates: ["a photo of a {}", "a {}"], defaultAction: allow,
                 categories: [{id: red-triangle, name: Red triangles, action: block, threshold: 0.5, prompts: [red triangle]},
                              {id: yellow-shape, name: Yellow shapes, action: review, threshold: 0.5,
                               prompts: [yellow circle, yellow square, yellow triangle]}],
                 benign: [red circle, red square, green circle, green square, green triangle, blue circle, blue square, blue triangle]}
                """, "inline");
        assertThat(PolicyFiles.hash(reformatted)).isEqualTo(PolicyFiles.hash(demo));
        assertThat(new ScoringPolicy(reformatted, prompts).promptsHash()).isEqualTo(new ScoringPolicy(demo, prompts).promptsHash());
    }

    @Test
    void invalidDocumentsNameTheFieldPathAndWhatWasExpected() {
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ncategories: []\n", "p.yaml"))
                .isInstanceOf(ClipGuardException.class).hasMessageContaining("$.categories").hasMessageContaining("1");
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ncategories: [{id: a, action: block, threshold: 1.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("$.categories[0].threshold").hasMessageContaining("1");
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ncategories: [{id: a, action: nuke, threshold: 0.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("$.categories[0].action");
        assertThatThrownBy(() -> PolicyFiles.parse("version: 1\ncategories: [{id: a, action: block, threshold: 0.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("p.yaml: $").hasMessageContaining("id");
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\nthreshold: 3\ncategories: [{id: a, action: block, threshold: 0.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("threshold").hasMessageContaining("not defined in the schema");
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ntemplates: [\"no placeholder\"]\ncategories: [{id: a, action: block, threshold: 0.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("$.templates[0]");
        assertThatThrownBy(() -> PolicyFiles.parse("a: [unclosed", "p.yaml")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> PolicyFiles.parse("x".repeat(PolicyFiles.MAX_BYTES + 1), "p.yaml")).hasMessageContaining("larger than");
        // Counted in UTF-8 bytes, as the topics count them: 100k three-byte characters are 300 KB.
        assertThatThrownBy(() -> PolicyFiles.parse("\u20ac".repeat(100_000), "p.yaml")).hasMessageContaining("larger than");
    }

    @Test
    void yamlIsLoadedSafely() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p).append(",*").append(p).append(",*")
                    .append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append(",*").append(p).append("]\n");
        }
        assertThatThrownBy(() -> PolicyFiles.parse(bomb.toString(), "bomb.yaml")).isInstanceOf(ClipGuardException.class)
                .hasMessageContaining("anchors and aliases are not allowed").hasMessageContaining("line 1");
        assertThatThrownBy(() -> PolicyFiles.parse("!!java.io.File [\"/etc\"]\n", "tag.yaml")).isInstanceOf(ClipGuardException.class);
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nid: y\nversion: 1\ncategories: [{id: a, action: block, threshold: 0.5, prompts: [x]}]\n", "dup.yaml"))
                .isInstanceOf(ClipGuardException.class).hasMessageContaining("Duplicate");
    }

    @Test
    void exclusionPromptsLowerTheirCategorysProbability() {
        String base = "id: x\nversion: 1\nbenign: [green square]\ncategories: [{id: triangles, action: block, threshold: 0.5, prompts: [red triangle]%s}]\n";
        ScoringPolicy plain = new ScoringPolicy(PolicyFiles.parse(String.format(base, ""), "a"), prompts);
        ScoringPolicy excluding = new ScoringPolicy(PolicyFiles.parse(String.format(base, ", exclusions: [triangle]"), "b"), prompts);
        // "a photo of a triangle" (no colour) is nearer the exclusion "triangle" than "red triangle".
        float[] image = like("triangle");
        double before = plain.score(image, "c").scores().get(0).probability();
        double after = excluding.score(image, "c").scores().get(0).probability();
        assertThat(after).isLessThan(before / 10);
        assertThat(excluding.embeddedPrompts().get(0)).containsExactly("red triangle", "not: triangle");
    }

    @Test
    void reviewBandSendsNearMissesToReview() {
        String doc = "id: x\nversion: 1\nreviewBand: %s\nbenign: [red circle]\ncategories: [{id: reds, action: block, threshold: %s, prompts: [red square]}]\n";
        float[] mix = ZeroShot.ensemble(List.of(like("red square"), like("red circle")));
        double p = new ScoringPolicy(PolicyFiles.parse(String.format(doc, "0", "0.99"), "probe"), prompts).score(mix, "c").scores().get(0).probability();
        assertThat(p).isBetween(0.05, 0.9);
        String threshold = String.valueOf(p + 0.05);
        ScoringPolicy.Verdict within = new ScoringPolicy(PolicyFiles.parse(String.format(doc, "0.1", threshold), "band"), prompts).score(mix, "c");
        assertThat(within.action()).isEqualTo(Policy.Action.REVIEW);
        assertThat(within.triggeringCategory()).isEqualTo("reds");
        assertThat(within.rule()).contains("within review band");
        ScoringPolicy.Verdict outside = new ScoringPolicy(PolicyFiles.parse(String.format(doc, "0.01", threshold), "narrow"), prompts).score(mix, "c");
        assertThat(outside.action()).isEqualTo(Policy.Action.ALLOW);
    }

    @Test
    void reviewSampleIsDeterministicPerContentIdAndNearTheRate() {
        Policy sampling = PolicyFiles.parse("""
                id: x
                version: 1
                reviewSampleRate: 0.1
                benign: [green circle]
                categories: [{id: reds, action: block, threshold: 0.9, prompts: [red square]}]
                """, "sample");
        ScoringPolicy policy = new ScoringPolicy(sampling, prompts);
        float[] green = like("green circle");
        int sampled = 0;
        for (int i = 0; i < 2000; i++) {
            ScoringPolicy.Verdict v = policy.score(green, "content-" + i);
            assertThat(policy.score(green, "content-" + i).action()).isEqualTo(v.action());
            if (v.action() == Policy.Action.REVIEW) {
                sampled++;
                assertThat(v.rule()).contains("random quality sample");
            }
        }
        assertThat(sampled).isBetween(150, 250);
    }
}
