package io.clipguard.clip.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.ZeroShot;
import io.clipguard.image.ClipPreprocessor;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImageDecoder;
import io.clipguard.demo.ShapeScenes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo model classifies independently drawn scenes through the production path. */
class DemoModelAccuracyTest {
    private static final int IMAGES = 600;

    @Test
    void zeroShotTop1AccuracyOverTwelveCaptionsIsAtLeast95Percent(@TempDir Path dir) throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        try (ClipEngine engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"))) {
            List<String> captions = DemoWorld.captions();
            float[][] text = engine.embedTexts(captions);
            ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
            ClipPreprocessor pre = new ClipPreprocessor(engine.preprocess());
            ShapeScenes scenes = new ShapeScenes(20261128L);
            int correct = 0;
            Map<String, Integer> confusions = new TreeMap<>();
            for (int i = 0; i < IMAGES; i++) {
                ShapeScenes.Scene scene = scenes.next();
                float[] image = engine.embedImages(List.of(pre.toTensor(decoder.decode(scene.bytes()))))[0];
                int best = argmaxCosine(image, text);
                if (captions.get(best).equals(scene.caption())) {
                    correct++;
                } else {
                    confusions.merge(scene.caption() + " -> " + captions.get(best) + " (" + scene.width() + "x" + scene.height() + " " + scene.format() + ")", 1, Integer::sum);
                }
            }
            double accuracy = correct / (double) IMAGES;
            System.out.printf("demo model top-1 accuracy %.4f over %d scenes; errors: %s%n", accuracy, IMAGES, confusions);
            assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
        }
    }

    static int argmaxCosine(float[] image, float[][] text) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < text.length; t++) {
            double c = ZeroShot.cosine(image, text[t]);
            if (c > bestScore) {
                bestScore = c;
                best = t;
            }
        }
        return best;
    }
}
