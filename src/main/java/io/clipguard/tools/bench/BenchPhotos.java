package io.clipguard.tools.bench;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
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

    /** What a benchmark without its photographs says: what is missing and how to get it. */
    private static ClipGuardException missing(Path photoDir) {
        return new ClipGuardException(ErrorCode.INVALID_ARGUMENT, "no colour photographs in " + photoDir + ": deploy/install-deps.sh unpacks "
                + "Debian's public-domain sample photographs there (python3-skimage, about 5 MB), or give --photos DIR with PNG or JPEG "
                + "photographs");
    }

    /** {@code INVALID_ARGUMENT}, saying what is missing and how to get it, when {@code photoDir} has no photograph. */
    static void require(Path photoDir) throws IOException {
        if (!Files.isDirectory(photoDir)) {
            throw missing(photoDir);
        }
        try (Stream<Path> files = Files.list(photoDir)) {
            if (files.noneMatch(f -> f.toString().endsWith(".png") || f.toString().endsWith(".jpg"))) {
                throw missing(photoDir);
            }
        }
    }

    static byte[] jpeg(Path photoDir, int width, int height) throws IOException {
        BufferedImage mosaic = mosaic(photoDir, Math.max(width, 4032), Math.max(height, 3024));
        BufferedImage crop = mosaic.getSubimage(0, 0, width, height);
        BufferedImage copy = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        copy.getGraphics().drawImage(crop, 0, 0, null);
        return ImageEncoding.jpeg(copy, 0.9f);
    }

    private static BufferedImage mosaic(Path photoDir, int w, int h) throws IOException {
        if (!Files.isDirectory(photoDir)) {
            throw missing(photoDir);
        }
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
            throw missing(photoDir);
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
