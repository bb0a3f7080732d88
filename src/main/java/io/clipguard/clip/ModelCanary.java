package io.clipguard.clip;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.clipguard.image.ClipPreprocessor;
import io.clipguard.image.DecodedImage;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * A check at model load that the towers give CLIP's projected embeddings: three drawn images (a
 * red circle, a blue square, a green triangle, each filled on white) must each rank the caption
 * that describes it above the other two. Any CLIP ranks these without fail, and so does the demo
 * model, whose world they are; an export whose tower outputs states before the projection, or a
 * text tower paired with another model's image tower, does not. A model whose {@code config.json}
 * declares random weights (the benchmark model) fails it by design and only gets a warning.
 */
final class ModelCanary {
    private static final Logger LOG = Logger.getLogger(ModelCanary.class.getName());
    private static final String[] COLOURS = {"red", "blue", "green"};
    private static final String[] SHAPES = {"circle", "square", "triangle"};

    private ModelCanary() {
    }

    /** Refuses {@code engine}'s model with {@code MODEL_INVALID} when an image does not rank its own caption first. */
    static void check(ClipEngine engine, boolean randomWeights) {
        ClipPreprocessor preprocessor = new ClipPreprocessor(engine.preprocess());
        List<float[]> tensors = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < COLOURS.length; i++) {
            tensors.add(preprocessor.toTensor(draw(COLOURS[i], SHAPES[i])));
            captions.add("a photo of a " + COLOURS[i] + " " + SHAPES[i]);
        }
        float[][] images = engine.embedImages(tensors);
        float[][] texts = engine.embedTexts(captions);
        for (int i = 0; i < images.length; i++) {
            int best = 0;
            for (int j = 1; j < texts.length; j++) {
                if (ZeroShot.cosine(images[i], texts[j]) > ZeroShot.cosine(images[i], texts[best])) {
                    best = j;
                }
            }
            if (best != i) {
                String why = engine.directory().root() + ": the model ranks '" + captions.get(best) + "' first for a drawn " + COLOURS[i] + " "
                        + SHAPES[i] + ": its towers do not give CLIP's projected embeddings (an export of the transformer's states, "
                        + "or towers of two different models?)";
                if (randomWeights) {
                    LOG.warning(why + "; the model declares random weights (a benchmark model), so it loads anyway: its scores mean nothing");
                    return;
                }
                throw new ClipGuardException(ErrorCode.MODEL_INVALID, why + "; clipguard.model.canary=false skips this check");
            }
        }
    }

    private static DecodedImage draw(String colour, String shape) {
        int side = 256;
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, side, side);
        g.setColor(switch (colour) {
            case "red" -> new Color(220, 30, 30);
            case "blue" -> new Color(30, 60, 220);
            default -> new Color(30, 170, 50);
        });
        int from = side / 4;
        int size = side / 2;
        switch (shape) {
            case "circle" -> g.fillOval(from, from, size, size);
            case "square" -> g.fillRect(from, from, size, size);
            default -> g.fillPolygon(new int[] {from, from + size, from + size / 2}, new int[] {from + size, from + size, from}, 3);
        }
        g.dispose();
        int[] rgb = image.getRGB(0, 0, side, side, null, 0, side);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] &= 0xFFFFFF;
        }
        return new DecodedImage(side, side, rgb, "png", side, side, 1, 1);
    }
}
