package io.clipguard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.ZeroShot;
import io.clipguard.clip.demo.DemoModelGenerator;
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
    static Policy demo;

    @BeforeAll
    static void load() throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"));
        demo = PolicyFiles.read(Path.of("policies/demo-shapes.yaml"));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** A text embedding stands in for an image: in the demo space a caption and its image coincide. */
    private static float[] like(String caption) {
        return engine.embedTexts(List.of(caption))[0];
    }

    @Test
    void shippedPoliciesParse() {
        assertThat(demo.categories()).extracting(Policy.Category::id).containsExactly("red-triangle", "yellow-shape");
        Policy clip = PolicyFiles.read(Path.of("policies/clip-default.yaml"));
        assertThat(clip.categories()).extracting(Policy.Category::id).contains("weapons", "graphic-violence", "nudity", "drugs",
                "hate-symbols", "self-harm", "spam-overlay");
        assertThat(clip.benign()).contains("a toy gun");
    }

    @Test
    void scoresFollowTheDocumentedFormula() {
        ScoringPolicy policy = new ScoringPolicy(demo, engine);
        float[] image = like("a photo of a red triangle");
        ScoringPolicy.Verdict v = policy.score(image);
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
        ScoringPolicy policy = new ScoringPolicy(both, engine);
        assertThat(policy.score(like("red triangle")).action()).isEqualTo(Policy.Action.BLOCK);
        ScoringPolicy.Verdict green = policy.score(like("green square"));
        assertThat(green.action()).isEqualTo(Policy.Action.ALLOW);
        assertThat(green.triggeringCategory()).isNull();
        assertThat(green.rule()).contains("default ALLOW");
    }

    @Test
    void policyForAnotherModelIsRefused() {
        Policy other = new Policy("x", 1, "", "openai/clip-vit-base-patch32", List.of(), demo.categories(), List.of(), Policy.Action.ALLOW);
        assertThatThrownBy(() -> new ScoringPolicy(other, engine)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("calibrated for model 'openai/clip-vit-base-patch32'");
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
        assertThat(new ScoringPolicy(reformatted, engine).promptsHash()).isEqualTo(new ScoringPolicy(demo, engine).promptsHash());
    }

    @Test
    void invalidDocumentsNameTheField() {
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ncategories: []\n", "p.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("categories: expected a non-empty list");
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ncategories: [{id: a, action: block, threshold: 1.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("categories[0].threshold: expected a number in (0, 1]");
        assertThatThrownBy(() -> PolicyFiles.parse("id: x\nversion: 1\ncategories: [{id: a, action: nuke, threshold: 0.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("categories[0].action: expected allow, review or block, found 'nuke'");
        assertThatThrownBy(() -> PolicyFiles.parse("version: 1\ncategories: [{id: a, action: block, threshold: 0.5, prompts: [x]}]\n", "p.yaml"))
                .hasMessageContaining("p.yaml.id: required");
        assertThatThrownBy(() -> PolicyFiles.parse("a: [unclosed", "p.yaml")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> PolicyFiles.parse("x".repeat(PolicyFiles.MAX_BYTES + 1), "p.yaml")).hasMessageContaining("larger than");
    }
}
