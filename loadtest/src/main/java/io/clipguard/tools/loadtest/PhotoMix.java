package io.clipguard.tools.loadtest;

import io.clipguard.image.ImageEncoding;
import io.clipguard.schema.InlineImage;
import io.clipguard.tools.demo.DemoUploads;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Photo-like JPEG uploads for load: gradients, overlapping shapes and sensor-like noise, so
 * that sizes on the wire and decode costs are those of photographs, not of flat test cards.
 * A seeded pool is drawn once and each upload reuses one under a new content id.
 *
 * <p>Mixes: {@code photos} is 640x480 (35 %), 1280x720 (30 %), 1920x1080 (20 %), 4032x3024
 * (5 %) and small crops of 200-320 px (10 %); {@code small} is crops of about 256 px only
 * (cheap to decode, so the model is the bottleneck).
 */
public final class PhotoMix implements Supplier<DemoUploads.Upload> {
    private final List<byte[]> pool = new ArrayList<>();
    private final List<String> sizes = new ArrayList<>();
    private final String prefix;
    private long sequence;

    public PhotoMix(String mix, long seed, String prefix) {
        this.prefix = prefix;
        SplittableRandom r = new SplittableRandom(seed);
        int[][] shapes = switch (mix) {
            case "photos" -> new int[][] {{640, 480, 35}, {1280, 720, 30}, {1920, 1080, 20}, {4032, 3024, 5}, {0, 0, 10}};
            case "small" -> new int[][] {{0, 0, 100}};
            default -> throw new IllegalArgumentException("unknown mix '" + mix + "' (photos or small)");
        };
        for (int[] s : shapes) {
            int count = Math.max(1, s[2] * 40 / 100);
            for (int i = 0; i < count; i++) {
                int w = s[0] > 0 ? s[0] : 200 + r.nextInt(121);
                int h = s[1] > 0 ? s[1] : 200 + r.nextInt(121);
                pool.add(ImageEncoding.jpeg(draw(w, h, r), 0.85f));
                sizes.add(w + "x" + h);
            }
        }
    }

    @Override
    public synchronized DemoUploads.Upload get() {
        int i = (int) (sequence % pool.size());
        String id = String.format("%s-%07d", prefix, sequence++);
        return new DemoUploads.Upload(id, DemoUploads.encode(id, new InlineImage(ByteBuffer.wrap(pool.get(i)))), sizes.get(i) + " jpeg");
    }

    /** Mean JPEG size in the pool, in bytes. */
    public double meanBytes() {
        return pool.stream().mapToInt(b -> b.length).average().orElse(0);
    }

    private static BufferedImage draw(int w, int h, SplittableRandom r) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, colour(r), w, h, colour(r)));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 12; i++) {
            g.setColor(new Color(colour(r).getRGB() & 0xFFFFFF | (80 + r.nextInt(150)) << 24, true));
            int x = r.nextInt(w);
            int y = r.nextInt(h);
            int sw = w / 8 + r.nextInt(w / 3);
            int sh = h / 8 + r.nextInt(h / 3);
            if (r.nextBoolean()) {
                g.fillOval(x - sw / 2, y - sh / 2, sw, sh);
            } else {
                g.fillRect(x - sw / 2, y - sh / 2, sw, sh);
            }
        }
        g.dispose();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int n = r.nextInt(17) - 8;
                int p = row[x];
                row[x] = clamp((p >> 16 & 0xFF) + n) << 16 | clamp((p >> 8 & 0xFF) + n) << 8 | clamp((p & 0xFF) + n);
            }
            img.setRGB(0, y, w, 1, row, 0, w);
        }
        return img;
    }

    private static Color colour(SplittableRandom r) {
        return new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
