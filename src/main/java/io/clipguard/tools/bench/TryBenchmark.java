package io.clipguard.tools.bench;

import io.clipguard.clip.ClipEngine;
import io.clipguard.config.Settings;
import io.clipguard.moderation.ModerationRuntime;
import io.clipguard.moderation.Trial;
import io.clipguard.policy.PolicyFiles;
import io.clipguard.policy.ScoringPolicy;
import io.clipguard.policy.catalog.PolicySwitch;
import io.clipguard.tools.demo.ShapeScenes;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What trying a draft on an image costs ({@code POST /policies/{id}/try}), without HTTP: the
 * draft's prompt vectors (every category's the first time; after an edit, only the edited
 * category's, the rest from the prompt cache), the image prepared and embedded once through
 * the batcher, and the draft and the active version scored. The draft has one prompt per
 * category under three templates, as {@code policies/clip-default.yaml} uses.
 */
public final class TryBenchmark {
    private static final String[] THINGS = {"knife", "pistol", "syringe", "flag", "poster", "car", "dog", "beach", "crowd", "kitchen"};
    private final PrintWriter out;

    public TryBenchmark(PrintWriter out) {
        this.out = out;
    }

    /** @param modelDir the model tried with; {@code categories} categories of one prompt each; {@code edits} edited drafts timed */
    public void run(Path modelDir, Map<String, String> engineSettings, int categories, int edits) throws Exception {
        String modelId;
        try (ClipEngine engine = ClipEngine.open(modelDir, io.clipguard.clip.Models.options(Settings.load(engineSettings).app().model()))) {
            modelId = engine.identity().id();
        }
        Path dir = Files.createTempDirectory("clipguard-bench-try");
        Path active = dir.resolve("active.yaml");
        Files.writeString(active, draft(modelId, categories, "", -1));
        Map<String, String> settings = new HashMap<>(engineSettings);
        settings.put("clipguard.model.dir", modelDir.toString());
        settings.put("clipguard.policies.file", active.toString());
        try (ModerationRuntime runtime = ModerationRuntime.open(Settings.load(settings))) {
            PolicySwitch policies = runtime.policies();
            byte[] image = new ShapeScenes(3).draw("red", "triangle", 640, 480, true).bytes();
            Trial.of(runtime, image, null); // the image path warmed once
            out.printf("try a draft of %d prompts (x3 templates) on a 640 x 480 JPEG, model %s:%n", categories, modelId);
            double cold = tryOnce(runtime, policies, draft(modelId, categories, " seen anew", -1), image);
            out.printf("  first draft, every prompt embedded   %8.1f ms%n", cold);
            double edited = 0;
            for (int i = 0; i < edits; i++) {
                edited += tryOnce(runtime, policies, draft(modelId, categories, "", i), image);
            }
            out.printf("  one category edited, the rest cached %8.1f ms (mean of %d)%n", edited / edits, edits);
            double same = 0;
            for (int i = 0; i < edits; i++) {
                same += tryOnce(runtime, policies, draft(modelId, categories, "", edits - 1), image);
            }
            out.printf("  the same draft again (all cached)    %8.1f ms (mean of %d)%n", same / edits, edits);
        }
        out.flush();
    }

    private static double tryOnce(ModerationRuntime runtime, PolicySwitch policies, String yaml, byte[] image) throws InterruptedException {
        long t0 = System.nanoTime();
        ScoringPolicy draft = policies.draft(PolicyFiles.parse(yaml, "bench"));
        Trial trial = Trial.of(runtime, image, null);
        trial.verdict(draft);
        trial.verdict(policies.get().active());
        return (System.nanoTime() - t0) / 1e6;
    }

    /** A policy of {@code n} categories of one prompt each, every prompt ending in {@code wording}; category {@code edited} (if any) reworded. */
    static String draft(String modelId, int n, String wording, int edited) {
        StringBuilder y = new StringBuilder("schemaVersion: 2\nid: bench-try\nversion: 1\nmodel: " + modelId + "\n");
        y.append("templates:\n  - \"a photo of {}.\"\n  - \"a close-up photo of {}.\"\n  - \"an image showing {}.\"\n");
        y.append("defaultAction: allow\ncategories:\n");
        for (int c = 0; c < n; c++) {
            String prompt = THINGS[c % THINGS.length] + " number " + c + wording + (edited >= 0 && c == edited % n ? " in an edited wording " + edited : "");
            y.append("  - id: c").append(c).append("\n    name: Category ").append(c).append("\n    action: ").append(c % 2 == 0 ? "block" : "review")
                    .append("\n    threshold: 0.5\n    prompts: [\"").append(prompt).append("\"]\n");
        }
        y.append("benign:\n  - a landscape\n  - a person smiling\n  - a plate of food\n");
        return y.toString();
    }
}
