package io.clipguard.tools.demo;

import io.clipguard.image.ImageEncoding;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;

/**
 * Draws demo-world scenes with Java2D: the synthetic uploads of {@code clipguard demo} and
 * the test images. Independent of the demo model's generator, which draws nothing (its
 * weights are constructed). Each scene: one filled shape of a saturated colour inside the
 * centre square, on a plain or noisy background, 64-1024 px, JPEG (quality 60-95) or PNG.
 */
public final class ShapeScenes {
    public static final List<String> COLOURS = List.of("red", "green", "blue", "yellow");
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");

    private static final int[][] BACKGROUNDS = {
        {255, 255, 255}, {0, 0, 0}, {64, 64, 64}, {128, 128, 128}, {192, 192, 192}, {220, 220, 220},
        {139, 69, 19}, {160, 82, 45}, {101, 67, 33}, {210, 180, 140}, {150, 111, 51},
        {255, 209, 220}, {255, 218, 185}, {189, 252, 201}, {173, 216, 230}, {230, 230, 250}, {255, 250, 205},
    };

    /** One scene: what was drawn and its encoded bytes. */
    public record Scene(String colour, String shape, int width, int height, String format, byte[] bytes) {
        public String caption() {
            return "a photo of a " + colour + " " + shape;
        }
    }

    private final Random random;

    public ShapeScenes(long seed) {
        this.random = new Random(seed);
    }

    public Scene next() {
        String colour = COLOURS.get(random.nextInt(COLOURS.size()));
        String shape = SHAPES.get(random.nextInt(SHAPES.size()));
        return draw(colour, shape, 64 + random.nextInt(961), 64 + random.nextInt(961), random.nextBoolean());
    }

    public Scene draw(String colour, String shape, int w, int h, boolean jpeg) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        paintBackground(img);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING,
                random.nextBoolean() ? RenderingHints.VALUE_ANTIALIAS_ON : RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setColor(shapeColour(colour));
        int side = Math.min(w, h);
        int size = (int) (side * (0.2 + 0.6 * random.nextDouble()));
        int x0 = (w - side) / 2 + random.nextInt(side - size + 1);
        int y0 = (h - side) / 2 + random.nextInt(side - size + 1);
        switch (shape) {
            case "circle" -> g.fillOval(x0, y0, size, size);
            case "square" -> g.fillRect(x0, y0, size, size);
            default -> g.fillPolygon(triangle(x0, y0, size, random.nextInt(4)));
        }
        g.dispose();
        return new Scene(colour, shape, w, h, jpeg ? "jpeg" : "png", jpeg ? ImageEncoding.jpeg(img, 0.60f + 0.35f * random.nextFloat()) : ImageEncoding.png(img));
    }

    private void paintBackground(BufferedImage img) {
        int[] bg = BACKGROUNDS[random.nextInt(BACKGROUNDS.length)];
        int noise = random.nextBoolean() ? 10 : 0;
        int[] pixels = ((java.awt.image.DataBufferInt) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (jitter(bg[0], noise) << 16) | (jitter(bg[1], noise) << 8) | jitter(bg[2], noise);
        }
    }

    private int jitter(int v, int noise) {
        return noise == 0 ? v : Math.max(0, Math.min(255, v + random.nextInt(2 * noise + 1) - noise));
    }

    private Color shapeColour(String colour) {
        return switch (colour) {
            case "red" -> new Color(200 + random.nextInt(56), random.nextInt(51), random.nextInt(51));
            case "green" -> new Color(random.nextInt(51), 180 + random.nextInt(61), random.nextInt(51));
            case "blue" -> new Color(random.nextInt(61), random.nextInt(91), 190 + random.nextInt(66));
            default -> new Color(220 + random.nextInt(36), 200 + random.nextInt(46), random.nextInt(61));
        };
    }

    /** An isosceles triangle filling its box, base along one of the four sides. */
    private static Polygon triangle(int x, int y, int s, int orientation) {
        return switch (orientation) {
            case 0 -> new Polygon(new int[] {x, x + s, x + s / 2}, new int[] {y + s, y + s, y}, 3);
            case 1 -> new Polygon(new int[] {x, x + s, x + s / 2}, new int[] {y, y, y + s}, 3);
            case 2 -> new Polygon(new int[] {x, x, x + s}, new int[] {y, y + s, y + s / 2}, 3);
            default -> new Polygon(new int[] {x + s, x + s, x}, new int[] {y, y + s, y + s / 2}, 3);
        };
    }
}
