package io.clipguard.cli;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.ZeroShot;
import io.clipguard.clip.demo.DemoWorld;
import io.clipguard.demo.ShapeScenes;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImageException;
import io.clipguard.image.ImagePipeline;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code clipguard demo}: the engine demo. Draws synthetic uploads (and a few broken ones),
 * runs them through the production path on the demo model and prints each verdict and a
 * summary. The streaming pipeline will take this command over.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Classify synthetic uploads with the demo model and print each result.")
class DemoCommand implements Callable<Integer> {
    @Mixin
    EngineArgs engineArgs;

    @Option(names = "--events", defaultValue = "24", description = "How many uploads (default: ${DEFAULT-VALUE}).")
    int events;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", defaultValue = "1", description = "Scene generator seed.")
    long seed;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        try (ClipEngine engine = engineArgs.open()) {
            List<String> captions = DemoWorld.captions();
            float[][] text = engine.embedTexts(captions);
            ImagePipeline pipeline = new ImagePipeline(DecodeLimits.defaults(), engine.preprocess(), true);
            ShapeScenes scenes = new ShapeScenes(seed);
            int correct = 0;
            int decided = 0;
            int rejected = 0;
            long start = System.nanoTime();
            out.printf("model %s %s (%s), provider %s%n", engine.identity().id(), engine.identity().digest(),
                    engine.directory().layout(), engine.provider());
            for (int i = 0; i < events; i++) {
                ShapeScenes.Scene scene = scenes.next();
                byte[] bytes = i % 10 == 9 ? Arrays.copyOf(scene.bytes(), scene.bytes().length / 3) : scene.bytes();
                try {
                    ImagePipeline.Prepared p = pipeline.prepare(bytes);
                    float[] image = engine.embedImages(List.of(p.tensor()))[0];
                    double[] cos = new double[captions.size()];
                    for (int c = 0; c < cos.length; c++) {
                        cos[c] = ZeroShot.cosine(image, text[c]);
                    }
                    double[] prob = ZeroShot.softmax(cos, engine.logitScale());
                    int best = 0;
                    for (int c = 1; c < prob.length; c++) {
                        best = prob[c] > prob[best] ? c : best;
                    }
                    boolean right = captions.get(best).equals(scene.caption());
                    correct += right ? 1 : 0;
                    decided++;
                    out.printf("#%-3d %-17s %4dx%-4d %-4s -> %-26s p=%.3f %s%n", i, scene.colour() + " " + scene.shape(),
                            scene.width(), scene.height(), scene.format(), captions.get(best), prob[best], right ? "ok" : "WRONG");
                } catch (ImageException e) {
                    rejected++;
                    out.printf("#%-3d %-17s %4dx%-4d %-4s -> rejected %s: %s%n", i, "(truncated)", scene.width(), scene.height(),
                            scene.format(), e.code(), e.getMessage());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("summary: %d uploads, %d classified (%d correct, %.1f%%), %d rejected with a reason code, %.1f uploads/s%n",
                    events, decided, correct, decided == 0 ? 0 : 100.0 * correct / decided, rejected, events / seconds);
        }
        return 0;
    }
}
