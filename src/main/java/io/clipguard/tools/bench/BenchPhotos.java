package io.clipguard.tools.bench;

import io.clipguard.image.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Benchmark JPEGs made from real photographs (the folder {@code deploy/install-deps.sh}
 * fills): a mosaic of photos at their native resolution, so a 12-megapixel test image has
 * a photograph's detail rather than an upscaled blur; smaller sizes are crops of it.
 */
final class BenchPhotos {
    private BenchPhotos() {
    }

    static byte[] jpeg(Path photoDir, int width, int height) throws IOException {
        BufferedImage mosaic = mosaic(photoDir, Math.max(width, 4032), Math.max(height, 3024));
        BufferedImage crop = mosaic.getSubimage(0, 0, width, height);
        BufferedImage copy = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        copy.getGraphics().drawImage(crop, 0, 0, null);
        return ImageEncoding.jpeg(copy, 0.9f);
    }

    private static BufferedImage mosaic(Path photoDir, int w, int h) throws IOException {
        List<BufferedImage> photos = new ArrayList<>();
        try (Stream<Path> files = Files.list(photoDir)) {
            for (Path f : files.sorted().toList()) {
                if (f.toString().endsWith(".png") || f.toString().endsWith(".jpg")) {
                    BufferedImage img = ImageIO.read(f.toFile());
                    if (img != null && img.getColorModel().getNumColorComponents() == 3) {
                        photos.add(img);
                    }
                }
            }
        }
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("no colour photographs in " + photoDir + "; run deploy/install-deps.sh");
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        var g = out.createGraphics();
        Random random = new Random(20261128);
        for (int y = 0; y < h; ) {
            int rowHeight = 0;
            for (int x = 0; x < w; ) {
                BufferedImage p = photos.get(random.nextInt(photos.size()));
                g.drawImage(p, x, y, null);
                x += p.getWidth();
                rowHeight = Math.max(rowHeight, p.getHeight());
            }
            y += rowHeight;
        }
        g.dispose();
        return out;
    }
}
