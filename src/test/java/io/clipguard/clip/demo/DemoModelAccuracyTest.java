package io.clipguard.clip.demo;

import static org.assertj.core.api.Assertions.assertThat;
import io.clipguard.clip.ClipEngine;
import io.clipguard.clip.EngineOptions;
import io.clipguard.clip.ZeroShot;
import io.clipguard.image.ClipPreprocessor;
import io.clipguard.image.DecodeLimits;
import io.clipguard.image.ImageDecoder;
import io.clipguard.image.ImageEncoding;
import io.clipguard.tools.demo.ShapeScenes;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

    /**
     * Scenes drawn here, not by ShapeScenes: greens around RGB (40, 170, 60), each channel +- 18,
     * on light backgrounds, shapes of half the short side at jittered positions, PNG and JPEG.
     * Darker, bluer greens than the scene generator's used to fall outside the model's colour
     * test, so part of the shape was missed and its fill (hence its shape) misread.
     */
    @Test
    void independentlyDrawnGreensAreRecognisedWithTheirShape(@TempDir Path dir) throws Exception {
        new DemoModelGenerator().write(dir, DemoModelGenerator.Layout.HUGGING_FACE);
        try (ClipEngine engine = ClipEngine.open(dir, EngineOptions.defaults().withProvider("cpu"))) {
            List<String> captions = DemoWorld.captions();
            float[][] text = engine.embedTexts(captions);
            ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
            ClipPreprocessor pre = new ClipPreprocessor(engine.preprocess());
            Random r = new Random(3);
            Map<String, Integer> errors = new TreeMap<>();
            for (int i = 0; i < 300; i++) {
                String shape = DemoWorld.SHAPES.get(i % 3);
                Color green = new Color(jitter(r, 40), jitter(r, 170), jitter(r, 60));
                int w = 160 + r.nextInt(300);
                int h = 160 + r.nextInt(300);
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(235 + r.nextInt(20), 235 + r.nextInt(20), 235 + r.nextInt(20)));
                g.fillRect(0, 0, w, h);
                g.setColor(green);
                int s = Math.min(w, h) / 2;
                int x = w / 2 - s / 2 + r.nextInt(s / 4) - s / 8;
                int y = h / 2 - s / 2 + r.nextInt(s / 4) - s / 8;
                switch (shape) {
                    case "circle" -> g.fillOval(x, y, s, s);
                    case "square" -> g.fillRect(x, y, s, s);
                    default -> g.fillPolygon(new int[] {x + s / 2, x, x + s}, new int[] {y, y + s, y + s}, 3);
                }
                g.dispose();
                byte[] bytes = i % 2 == 0 ? ImageEncoding.png(img) : ImageEncoding.jpeg(img, 0.9f);
                float[] image = engine.embedImages(List.of(pre.toTensor(decoder.decode(bytes))))[0];
                String got = captions.get(argmaxCosine(image, text));
                if (!got.equals("a photo of a green " + shape)) {
                    errors.merge("green " + shape + " " + green + " -> " + got, 1, Integer::sum);
                }
            }
            assertThat(errors).as("misread scenes").isEmpty();
        }
    }

    private static int jitter(Random r, int v) {
        return Math.max(0, Math.min(255, v + r.nextInt(37) - 18));
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
